// replaceFileDurably on a real tiny tmpfs: a write that does not fit is an error and the old
// file stays whole (write-file-atomic's sync path renamed a truncated file over it).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replaceFileDurably, writePrivateFile } from '../../src/private-file.js';
import { atExit } from '../support/at-exit.js';
import { tempDir } from '../support/temp.js';

/** A 64 KiB tmpfs (needs root, as the whole suite does), unmounted at exit. */
function tinyDisk(): string {
  const dir = tempDir('director-tiny-disk-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
  atExit(() => execFileSync('umount', ['-l', dir]));
  return dir;
}

test('a write that does not fit fails, leaves the old contents whole and no temporary', () => {
  const dir = tinyDisk();
  const file = join(dir, 'placement.json');
  writePrivateFile(file, '{"old":true}\n');
  const big = `${JSON.stringify({ files: 'x'.repeat(200 * 1024) })}\n`;
  assert.throws(() => writePrivateFile(file, big), /cannot write .*placement\.json: .*(ENOSPC|no space)/i);
  assert.is(readFileSync(file, 'utf8'), '{"old":true}\n');
  assert.equal(readdirSync(dir), ['placement.json']);
});

test('a new private file is 0600; a replaced one keeps 0600 whatever the umask', () => {
  const dir = tempDir('director-private-');
  const file = join(dir, 'state', 'local.json');
  writePrivateFile(file, 'a\n');
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.is(statSync(join(dir, 'state')).mode & 0o777, 0o700);
  chmodSync(file, 0o644);
  writePrivateFile(file, 'b\n');
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.is(readFileSync(file, 'utf8'), 'b\n');
});

test('without a forced mode an existing file keeps its mode; a link is written through', () => {
  const dir = tempDir('director-replace-');
  const real = join(dir, 'known_hosts.real');
  writeFileSync(real, 'one\n', { mode: 0o640 });
  chmodSync(real, 0o640);
  const link = join(dir, 'known_hosts');
  symlinkSync(real, link);
  replaceFileDurably(link, 'one\ntwo\n');
  assert.is(readFileSync(real, 'utf8'), 'one\ntwo\n');
  assert.is(statSync(real).mode & 0o777, 0o640);
  assert.ok(statSync(link).isFile() && existsSync(link));
  const fresh = join(dir, 'new');
  replaceFileDurably(fresh, 'x');
  assert.is(statSync(fresh).mode & 0o777, 0o600);
});

test.run();
