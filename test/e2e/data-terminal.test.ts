// data's live line as a person sees it on a terminal (a pseudo-terminal made by `script`):
// fitted to 70 and 160 columns with the time left in sight, and cleared before anything
// else is printed (the Ctrl-C notice, the per-client table). The fitting itself, field by
// field: test/unit/progress-line.test.ts.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { directorInPty, frames, screen } from '../support/pty.js';
import { tempDir } from '../support/temp.js';
import { waitUntil } from '../support/wait.js';

let c: TestCluster;
test.before(async () => {
  c = await startCluster(2);
});
test.after(async () => {
  await c.stop();
});

function dataDir(files: number, bytes: number): string {
  const dir = tempDir('director-term-data-');
  for (let i = 1; i <= files; i++) writeFileSync(join(dir, `part_${i}.gz`), randomBytes(bytes));
  return dir;
}

const LIVE = /files? \|/;
const ETA = /(ETA (…|\d+s|\d+m\d\ds|\d+h\d\dm)|verifying)$/;

for (const cols of [70, 160]) {
  test(`the live line fits ${cols} columns and ends with the time left`, async () => {
    const cwd = tempDir('director-term-');
    const run = directorInPty([...c.args(), 'data', '--keep', dataDir(6, 64 * 1024), `term${cols}`], { cols, cwd });
    assert.is(await run.done, 0, run.output());
    const seen = frames(run.output(), LIVE);
    assert.ok(seen.length > 0, `no live line drawn:\n${run.output()}`);
    for (const f of seen) {
      assert.ok(f.length < cols, `${f.length} characters on a ${cols}-column terminal: ${f}`);
      assert.match(f, ETA, f);
    }
    if (cols === 160) assert.ok(seen.every((f) => f.startsWith('Transferred ') && f.includes('0 files failed checksum') && /\/s \|/.test(f)), seen.join('\n'));
    else assert.ok(seen.every((f) => !f.includes('failed checksum')), 'a zero checksum count is the first to go');
    const shown = screen(run.output());
    assert.not.ok(shown.some((l) => LIVE.test(l)), `the live line is cleared at the end:\n${shown.join('\n')}`);
    assert.ok(shown.some((l) => /^client\s+files\s+bytes/.test(l)), shown.join('\n'));
  });
}

test('Ctrl-C during data: the live line is cleared, the notice and the table each on lines of their own', async () => {
  const cwd = tempDir('director-term-');
  const run = directorInPty([...c.args(), 'data', '--keep', dataDir(4, 32 * 1024 * 1024), 'termint'], { cols: 100, cwd });
  await waitUntil(() => frames(run.output(), LIVE).some((f) => !/\| 0 B of /.test(f)), 30_000, `bytes moving:\n${run.output()}`);
  run.type('\x03');
  assert.is(await run.done, 130, run.output());
  const shown = screen(run.output());
  const text = shown.join('\n');
  assert.ok(shown.includes('interrupted: stopping remote commands (Ctrl-C again to quit at once)'), text);
  assert.not.ok(shown.some((l) => LIVE.test(l)), `no live line left on screen:\n${text}`);
  const notice = shown.findIndex((l) => l.startsWith('interrupted:'));
  const table = shown.findIndex((l) => /^client\s+files\s+bytes\s+seconds\s+failed$/.test(l));
  assert.ok(notice >= 0 && table > notice, `the notice comes before the table:\n${text}`);
});

test.run();
