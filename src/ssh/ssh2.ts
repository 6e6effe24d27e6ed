// ssh2, loaded with its random padding drawn from a pool. ssh2 takes crypto.randomFillSync
// when its modules load and calls it for every packet it sends (4–19 bytes of padding): on a
// keeper, 4% of its CPU per command was those calls into OpenSSL. While ssh2 loads, and only
// then, crypto.randomFillSync is random-pool.ts's fillRandom, the same CSPRNG's bytes drawn
// 4 KiB at a time; ssh2 keeps that function. If ssh2 was loaded before (by someone else), it
// keeps the original: nothing breaks, it is only slower.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { fillRandom } from '../random-pool.js';

type Ssh2 = typeof import('ssh2');

const load = (): Ssh2 => {
  const original = crypto.randomFillSync;
  crypto.randomFillSync = fillRandom as typeof crypto.randomFillSync;
  try {
    return createRequire(import.meta.url)('ssh2') as Ssh2;
  } finally {
    crypto.randomFillSync = original;
  }
};

const ssh2: Ssh2 = load();
export default ssh2;
