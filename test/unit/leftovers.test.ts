// The command that removes earlier runs' temporaries, run here with a local shell over a
// folder of real names: exactly director's names go (scan.ts TEMPORARY_NAME), look-alikes
// stay, with GNU find and with busybox find (when this machine has busybox).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { leftoversCommand } from '../../src/transfer/leftovers.js';
import { TEMPORARY_NAME } from '../../src/transfer/scan.js';

const OURS = [
  '.0123456789abcdef-0.director-tmp',
  '.0123456789abcdef-12.director-tmp',
  'sub/.fedcba9876543210-3.director-tmp',
  '.director-batch-0123456789abcdef.list',
  "it's $(x)/.director-batch-aaaaaaaaaaaaaaaa.list",
];
const LOOK_ALIKES = [
  '.notes.director-tmp',
  '.0123456789abcdef-1x.director-tmp',
  '.0123456789abcdef-.director-tmp',
  '.0123456789ABCDEF-1.director-tmp',
  '.0123456789abcde-1.director-tmp',
  '.director-batch-0123456789abcdef0.list',
  '.director-batch-x.list',
  'keep.txt',
];

function finds(): Array<[string, string]> {
  const out: Array<[string, string]> = [['GNU find', '']];
  try {
    execFileSync('busybox', ['find', '--help'], { stdio: 'ignore' });
    out.push(['busybox find', 'busybox']);
  } catch (e) {
    // busybox --help exits 1 but exists; only a missing binary is skipped
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') out.push(['busybox find', 'busybox']);
  }
  return out;
}

test('the look-alikes are not director names; ours are', () => {
  for (const n of OURS) assert.ok(TEMPORARY_NAME.test(n.split('/').pop()!), n);
  for (const n of LOOK_ALIKES) assert.not.ok(TEMPORARY_NAME.test(n), n);
});

for (const [name, prefix] of finds()) {
  test(`${name}: removes exactly director's temporaries under the project folder and prints each once, NUL-terminated`, () => {
    const root = mkdtempSync(join(tmpdir(), 'director-leftovers-'));
    try {
      const base = "proj it's";
      const bin = join(root, 'bin');
      mkdirSync(bin);
      // `find` on the PATH is busybox's for the busybox case.
      if (prefix !== '') symlinkSync(execFileSync('sh', ['-c', 'command -v busybox']).toString().trim(), join(bin, 'find'));
      for (const n of [...OURS, ...LOOK_ALIKES]) {
        mkdirSync(join(root, base, n, '..'), { recursive: true });
        writeFileSync(join(root, base, n), 'x');
      }
      mkdirSync(join(root, base, '.0123456789abcdef-5.director-tmp')); // a folder of that name is not ours
      const out = execFileSync('sh', ['-c', leftoversCommand(base)], { cwd: root, env: { ...process.env, PATH: `${bin}:${process.env['PATH']}` } }).toString();
      assert.is(out.split('\0').length - 1, OURS.length, JSON.stringify(out));
      for (const n of OURS) assert.not.ok(existsSync(join(root, base, n)), `${n} removed`);
      for (const n of LOOK_ALIKES) assert.ok(existsSync(join(root, base, n)), `${n} kept`);
      assert.ok(readdirSync(join(root, base)).includes('.0123456789abcdef-5.director-tmp'));
      // No project folder yet: nothing to do, and no error.
      assert.is(execFileSync('sh', ['-c', leftoversCommand('absent')], { cwd: root }).toString(), '');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test.run();
