// Reasons for files a remote `tar -x` could not write, from what GNU tar printed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { unpackFailure } from '../../src/transfer/unpack-failure.js';

// As GNU tar 1.34 prints it when a 1 MB tmpfs fills up (names escaped, a last summary line).
const FULL_DISK = [
  'tar: .f_4.txt.director-tmp: Wrote only 123904 of 131072 bytes',
  'tar: .f_5.txt.director-tmp: Cannot write: No space left on device',
  'tar: sub/.we ird\\nname.txt.director-tmp: Cannot write: No space left on device',
  'tar: Exiting with failure status due to previous errors',
  '',
].join('\n');

test('a full disk: each file gets its own errno, a file cut short gets the batch\'s', () => {
  const f = unpackFailure(FULL_DISK, '2');
  assert.is(f.forFile('.f_5.txt.director-tmp'), 'Cannot write: No space left on device');
  assert.is(f.forFile('.f_4.txt.director-tmp'), 'No space left on device (Wrote only 123904 of 131072 bytes)');
  assert.is(f.forFile('sub/.we ird\nname.txt.director-tmp'), 'Cannot write: No space left on device');
  assert.is(f.forFile('.never-named.director-tmp'), 'No space left on device');
});

test('no tar line: the first thing the remote side said, never tar\'s closing line; else the status', () => {
  const mkdir = unpackFailure("mkdir: cannot create directory 'director': Permission denied\n", '1');
  assert.is(mkdir.forFile('.a.director-tmp'), "mkdir: cannot create directory 'director': Permission denied");
  const eof = unpackFailure('tar: Unexpected EOF in archive\ntar: Exiting with failure status due to previous errors\n', '2');
  assert.is(eof.forFile('.a.director-tmp'), 'tar: Unexpected EOF in archive');
  assert.is(unpackFailure('', '2').forFile('.a.director-tmp'), 'exit status 2');
});

test.run();
