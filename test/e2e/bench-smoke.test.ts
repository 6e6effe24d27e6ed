// The benchmark in miniature (2 clients, 1 round), so that `npm run bench` keeps working:
// every contender runs, succeeds, and gets a row with numbers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../support/cli.js';
import { tempDir } from '../support/temp.js';
import { within } from '../support/timeout.js';

test('npm run bench --smoke: every scenario and contender has a row, none failed', async () => {
  const out = join(tempDir('director-bench-'), 'RESULTS.md');
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/bench/run.js'), '--smoke', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const code = await within(240_000, 'bench smoke', new Promise<number | null>((ok) => child.on('close', ok)));
  assert.is(code, 0, log);
  const rows = readFileSync(out, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| scenario') && !l.startsWith('| ---'))
    .map((l) => l.split(/(?<!\\)\|/).map((c) => c.trim()));
  const tools = rows.map((r) => r[2]);
  for (const t of ['director', 'parallel-ssh', 'pdsh', 'clush', 'parallel-ssh (curve25519)', 'director data (verified)', 'rsync --files-from + md5sum -c', 'director run', 'director --help']) {
    assert.ok(tools.includes(t), `no row for ${t}: ${tools.join(', ')}`);
  }
  // The jobs rows name their task counts: "director jobs run (200 tasks)".
  for (const t of ['director jobs run (', 'GNU parallel --sshlogin + ControlMaster (', 'GNU parallel --sshlogin (', 'director map (wc -l) (', 'GNU parallel per host + ControlMaster (wc -l) (']) {
    assert.ok(tools.some((x) => x?.startsWith(t)), `no row for ${t}…: ${tools.join(', ')}`);
  }
  for (const r of rows) {
    assert.ok(Number(r[3]) > 0, `wall time of ${r[2]}: ${r[3]}`);
    assert.is(r[7], '0', `failed runs of ${r[2]} in ${r[1]}\n${log}`);
  }
});

test.run();
