// The pace of small-file writes (gather): synchronous only in a folder on a local disk's file
// system, and a write's error reaches its caller either way.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { onLocalDisk, WritePace } from '../../src/local-writes.js';
import { tempDir } from '../support/temp.js';

const write = (pace: WritePace, target: string, text: string) =>
  new Promise<unknown>((ok) => pace.write(target, Buffer.from(text), { flag: 'wx', mode: 0o600 }, ok));

test('a local disk (this test folder) is one; /proc and a missing folder are not', () => {
  assert.ok(onLocalDisk(tempDir('director-local-writes-')));
  assert.not.ok(onLocalDisk('/proc'));
  assert.not.ok(onLocalDisk('/no/such/folder/here'));
});

test('in a local folder writes start synchronous; elsewhere they go through the thread pool; both write the bytes and report errors', async () => {
  const dir = tempDir('director-local-writes-');
  const local = new WritePace().onFolder(dir);
  assert.not.ok(local.threaded);
  const elsewhere = new WritePace().onFolder('/no/such/folder/here');
  assert.ok(elsewhere.threaded);
  for (const [pace, name] of [[local, 'a'], [elsewhere, 'b']] as const) {
    const target = join(dir, name);
    assert.is(await write(pace, target, `bytes ${name}`), undefined);
    assert.is(readFileSync(target, 'utf8'), `bytes ${name}`);
    const again = (await write(pace, target, 'other')) as NodeJS.ErrnoException | undefined;
    assert.is(again?.code, 'EEXIST', `${name}: an exclusive write onto an existing file fails`);
    assert.is(readFileSync(target, 'utf8'), `bytes ${name}`, 'and changes nothing');
  }
  const missing = (await write(local, join(dir, 'no-folder', 'c'), 'x')) as NodeJS.ErrnoException | undefined;
  assert.is(missing?.code, 'ENOENT');
  assert.not.ok(existsSync(join(dir, 'no-folder')));
});

test.run();
