// Where a caller looks for keepers: only in a folder of its own that no one else may enter,
// and only at a card and socket it owns. A folder someone else made (or left open) is not
// used: the caller would send its command line and environment to whoever listens there.
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keeperDir, ownedFile, privateKeeperDir } from '../../src/keeper/place.cjs';
import { tempDir } from '../support/temp.js';

const NOBODY = 65534;

test('the keeper folder is used only when it is ours and private', () => {
  const runtime = tempDir('director-place-');
  const env = { XDG_RUNTIME_DIR: runtime };
  const dir = keeperDir(env);
  assert.is(dir, join(runtime, 'director'));
  assert.is(privateKeeperDir(env), undefined, 'not there yet');
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(dir, 0o700);
  assert.is(privateKeeperDir(env), dir);
  chmodSync(dir, 0o755);
  assert.is(privateKeeperDir(env), undefined, 'open to others');
  chmodSync(dir, 0o700);
  if (process.getuid?.() === 0) {
    chownSync(dir, NOBODY, NOBODY);
    assert.is(privateKeeperDir(env), undefined, "someone else's");
    chownSync(dir, 0, 0);
  }
  // A runtime folder that is not ours is not looked in at all.
  if (process.getuid?.() === 0) {
    chownSync(runtime, NOBODY, NOBODY);
    assert.is.not(keeperDir(env), dir);
    chownSync(runtime, 0, 0);
  }
});

test('cards and sockets count only when this user owns them and no one else may write them', () => {
  const dir = tempDir('director-place-');
  const card = join(dir, 'keeper-x.json');
  writeFileSync(card, '{}', { mode: 0o600 });
  assert.ok(ownedFile(card));
  chmodSync(card, 0o622);
  assert.not.ok(ownedFile(card), 'writable by others');
  chmodSync(card, 0o600);
  if (process.getuid?.() === 0) {
    chownSync(card, NOBODY, NOBODY);
    assert.not.ok(ownedFile(card), "someone else's");
  }
  assert.not.ok(ownedFile(join(dir, 'missing')));
});

test.run();
