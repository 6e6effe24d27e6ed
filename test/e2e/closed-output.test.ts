// A reader that closes director's stdout early (`director exec … | head -1`): director stops
// the remote commands as on Ctrl-C, prints no stack trace, and exits 141 as a program killed
// by SIGPIPE. Through a real pipe whose reading end this test closes after the first line.
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DIRECTOR_BIN, directorEnv } from '../support/cli.js';
import { sharedCluster } from '../support/cluster.js';
import { processesWith } from '../support/proc.js';
import { workDir } from '../support/run-e2e.js';
import { within } from '../support/timeout.js';

interface Closed {
  code: number | null;
  firstLine: string;
  stderr: string;
}

/** Runs director with stdout on a pipe, reads one line and closes the pipe's reading end. */
function headOne(args: string[], cwd: string): Promise<Closed> {
  const child = spawn(process.execPath, [DIRECTOR_BIN, ...args], { cwd, env: directorEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let firstLine = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    if (firstLine !== '') return;
    firstLine = d.toString().split('\n')[0] ?? '';
    // What `head -1` does: its end of the pipe goes away while director still writes.
    child.stdout.destroy();
  });
  const done = new Promise<Closed>((resolve) => child.on('close', (code) => resolve({ code, firstLine, stderr })));
  return within(30_000, `director ${args.join(' ')}`, done).catch((e: Error) => {
    child.kill('SIGKILL');
    throw e;
  });
}

test('exec | head -1: the remote commands are stopped, no stack trace, exit 141', async () => {
  const c = await sharedCluster();
  const marker = `closed-out-${process.pid}-${Date.now()}`;
  const r = await headOne([...c.args(), 'exec', '--', `while :; do echo ${marker}; sleep 0.02; done`], workDir('closed-out'));
  assert.ok(r.firstLine.endsWith(marker), r.firstLine);
  assert.is(r.code, 141, r.stderr);
  assert.is(r.stderr, '', 'nothing is said once the reader is gone');
  // Stopped as on Ctrl-C: the kill is checked before director exits, so none may be left.
  assert.equal(processesWith(marker), []);
});

test('a command that ended before the reader left: still quiet, exit 141', async () => {
  const c = await sharedCluster();
  const r = await headOne([...c.args(), 'exec', '--', 'uname'], workDir('closed-out'));
  assert.match(r.firstLine, /: Linux$/);
  assert.is(r.code, 141, r.stderr);
  assert.not.match(r.stderr, /EPIPE|Error|    at /);
});

test.run();
