// The run/exec end-to-end suite once more, through a keeper (test/support/keeper-mode.ts):
// every CLI run of it goes to a real `director connect` keeper, every command-function run to
// kept connections. Same tests, same expectations: output, exit codes, time limits and Ctrl-C
// behave as with direct connections. The keeper must then have served the CLI runs on one
// connection per host.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../support/cli.js';
import { tempDir } from '../support/temp.js';
import { within } from '../support/timeout.js';

const SUITE = '^(exec|run|run-control|run-inline)\\.test\\.js$';

test('the run/exec e2e suite passes through a keeper, on one connection per host', async () => {
  const report = join(tempDir('director-keeper-suite-'), 'keeper.json');
  const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules/uvu/bin.js'), join(REPO_ROOT, 'dist/test/e2e'), SUITE, '-c', 'false'], {
    env: { ...process.env, DIRECTOR_TEST_KEEPER: '1', DIRECTOR_TEST_KEEPER_REPORT: report },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const code = await within(900_000, 'the run/exec suite through a keeper', new Promise<number | null>((ok) => child.on('close', ok))).catch((e: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${e.message}\n${log.slice(-3000)}`);
  });
  assert.is(code, 0, log.slice(-6000));
  const total = Number(/Total:\s+(\d+)/.exec(log)?.[1]);
  const passed = Number(/Passed:\s+(\d+)/.exec(log)?.[1]);
  assert.ok(total >= 20 && passed === total, `${passed} of ${total} passed\n${log.slice(-3000)}`);
  const doc = JSON.parse(readFileSync(report, 'utf8')) as { keepers: Array<{ matches: boolean; commands: number; alive: number; clients: Array<{ name: string; connections: number }> }> };
  const keeper = doc.keepers.find((k) => k.matches);
  assert.ok(keeper, readFileSync(report, 'utf8'));
  assert.ok(keeper.commands >= 15, `the keeper ran ${keeper.commands} commands`);
  assert.is(keeper.alive, 4);
  for (const c of keeper.clients) assert.is(c.connections, 1, `${c.name} was connected ${c.connections} times`);
});

test.run();
