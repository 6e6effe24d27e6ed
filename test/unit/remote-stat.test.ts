// parseStat (transfer/remote-stat.ts) reads what `stat -c statFormat(token)` prints on a client:
// here the real stat's output on local files with hostile names (one holding another command's
// token), and hand-made malformed records.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseStat, statFormat } from '../../src/transfer/remote-stat.js';
import { answerToken } from '../../src/remote/posix.js';
import { tempDir } from '../support/temp.js';

test("stat's records of every kind of name, by name: sizes, mtimes, modes and types as stat says", () => {
  const dir = tempDir('director-stat-');
  const token = answerToken();
  const names = ['plain', 'with space', 'new\nline', `looks like\n${answerToken()} 1 2 644 81a4 fake`, '-dash', 'é'];
  names.forEach((n, i) => writeFileSync(join(dir, n), 'x'.repeat(i * 10)));
  mkdirSync(join(dir, 'sub'));
  symlinkSync('plain', join(dir, 'link'));
  const out = execFileSync('sh', ['-c', `cd "$1" && find . ! -name . -exec stat -c "$2" {} +`, 'sh', dir, statFormat(token)], { encoding: 'utf8' });
  const got = parseStat(out, token);
  assert.equal([...got.keys()].sort(), [...names, 'sub', 'link'].sort());
  names.forEach((n, i) => {
    const e = got.get(n)!;
    const mode = parseInt(execFileSync('stat', ['-c', '%a', join(dir, n)], { encoding: 'utf8' }).trim(), 8);
    assert.equal([e.type, e.size, e.mode], ['file', i * 10, mode], n);
  });
  assert.is(got.get('sub')!.type, 'dir');
  assert.is(got.get('link')!.type, 'symlink');
  const mtime = Number(execFileSync('stat', ['-c', '%Y', join(dir, 'plain')], { encoding: 'utf8' }).trim());
  assert.is(got.get('plain')!.mtime, mtime);
});

test('malformed records are skipped; a record without its final newline is read', () => {
  const t = answerToken();
  const out = [`${t} 12 1700000000 644 81a4 ./a`, `${t} x 1 644 81a4 ./bad-size`, `${t} 1 1 9 81a4 ./bad-mode`, `${t} 1 1 644 zz ./bad-raw`, `${t} 1 1 644`, `${t} 5 1 755 41ed ./d`].join('\n');
  const got = parseStat(out, t);
  assert.equal([...got.keys()], ['a', 'd']);
  assert.equal(got.get('a'), { type: 'file', size: 12, mtime: 1700000000, mode: 0o644 });
  assert.equal(got.get('d'), { type: 'dir', size: 5, mtime: 1, mode: 0o755 });
  assert.equal([...parseStat(`noise before\n${out}\n`, t).keys()], ['a', 'd'], 'banner text before the first record');
  assert.is(parseStat('', t).size, 0);
});

test.run();
