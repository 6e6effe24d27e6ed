// Tokens that frame director's answers and shell lines come from a pool of random bytes: each
// is fresh (never handed out twice, across the pool's refills) and a plain hex word.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { answerToken, tokenHex } from '../../src/remote/posix.js';
import { residentToken } from '../../src/remote/resident-sh.js';

test('tokenHex: hex of the length asked, 5000 draws (several pools) all different', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const t = tokenHex(12);
    assert.match(t, /^[0-9a-f]{24}$/);
    seen.add(t);
  }
  assert.is(seen.size, 5000);
  assert.match(tokenHex(5000), /^[0-9a-f]{10000}$/, 'a draw larger than the pool');
});

test('answer and line tokens are plain sh words and differ from one call to the next', () => {
  assert.match(answerToken(), /^__director_[0-9a-f]{16}__$/);
  assert.match(residentToken(), /^__director_line_[0-9a-f]{24}__$/);
  assert.is.not(answerToken(), answerToken());
  assert.is.not(residentToken(), residentToken());
});

test.run();
