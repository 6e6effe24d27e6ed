// gather's remote glob: the words a user typed, expanded by a real /bin/sh (dash here) and by
// busybox ash, in a folder of hostile names: the glob characters meant match, everything else
// is literal, nothing runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { remoteGlob } from '../../src/transfer/remote-glob.js';
import { UsageError } from '../../src/config/errors.js';
import { tempDir } from '../support/temp.js';

const NAMES = ['a.log', 'b.log', 'c.txt', '$(touch CANARY1).log', "it's.log", 'sp ace.log', '-rf.log', 'x*y.log', 'q?.log', '[ab].log', 'new\nline.log'];

function expand(shell: string[], pattern: string): string[] {
  const dir = tempDir('director-glob-');
  for (const n of NAMES) writeFileSync(join(dir, n), 'x');
  mkdirSync(join(dir, 'dir', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'dir', 'sub', 'deep.log'), 'x');
  const g = remoteGlob(pattern);
  // What the client runs (pull-client.ts): expand, keep what exists, print NUL-terminated.
  const code = `set -- ${g.word}\nfor f do if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\\0' "$f"; fi; done`;
  const out = execFileSync(shell[0] as string, [...shell.slice(1), '-c', code], { cwd: dir, encoding: 'utf8' });
  assert.not.ok(readdirSync(dir).some((n) => n.startsWith('CANARY')), 'nothing ran');
  assert.not.ok(existsSync(join(dir, 'CANARY1')));
  return out.split('\0').slice(0, -1).map((p) => p.replace(/^\.\//, '')).sort();
}

const SHELLS: string[][] = [['/bin/sh'], ...(existsSync('/bin/busybox') ? [['/bin/busybox', 'ash']] : [])];

for (const sh of SHELLS) {
  test(`${sh.join(' ')}: globs match, the rest is literal`, () => {
    assert.equal(expand(sh, '*.log'), NAMES.filter((n) => n.endsWith('.log')).sort());
    assert.equal(expand(sh, '?.log'), ['a.log', 'b.log']);
    assert.equal(expand(sh, '[ab].log'), ['a.log', 'b.log']);
    assert.equal(expand(sh, '[!ab].txt'), ['c.txt']);
    assert.equal(expand(sh, '[a-c].*'), ['a.log', 'b.log', 'c.txt']);
    assert.equal(expand(sh, '\\[ab\\].log'), ['[ab].log']);
    assert.equal(expand(sh, 'x\\*y.log'), ['x*y.log']);
    assert.equal(expand(sh, '$(touch CANARY1).log'), ['$(touch CANARY1).log']);
    assert.equal(expand(sh, "it's.log"), ["it's.log"]);
    assert.equal(expand(sh, 'sp ace.*'), ['sp ace.log']);
    assert.equal(expand(sh, '-rf.log'), ['-rf.log']);
    assert.equal(expand(sh, 'new\nline.*'), ['new\nline.log']);
    assert.equal(expand(sh, 'dir/*/*.log'), ['dir/sub/deep.log']);
    assert.equal(expand(sh, '~/c.txt'), ['c.txt']);
    assert.equal(expand(sh, 'nothing*'), []);
  });
}

test('refused before any client: empty, NUL, .., the whole file system', () => {
  for (const bad of ['', 'a\0b', '../x', 'a/../b', '/', '//', '~user/x']) assert.throws(() => remoteGlob(bad), (e: unknown) => e instanceof UsageError, JSON.stringify(bad));
  assert.equal(remoteGlob('/var/log/*.log'), { absolute: true, word: './var/log/*.log' });
});

test.run();
