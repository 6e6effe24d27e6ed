// Random bytes drawn ahead from the system's CSPRNG, 4 KiB at a time, each byte handed out
// once. Small draws are frequent here: a token per client per command or shell line, and
// ssh2's padding of every packet (4–19 bytes). Each call into OpenSSL costs 5–20 µs on this
// machine; a slice of the pool, well under 1 µs.
import { randomBytes, randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
/** Bigger draws go to the CSPRNG directly. */
const LARGEST_POOLED = 256;

const drawn = { pool: Buffer.alloc(0), at: 0, handedOut: 0 };

/** `n` fresh random bytes: a view into the pool, to be read at once and never written. */
export function takeRandom(n: number): Buffer {
  if (n > LARGEST_POOLED) return randomBytes(n);
  if (drawn.at + n > drawn.pool.length) {
    drawn.pool = randomBytes(POOL_BYTES);
    drawn.at = 0;
  }
  const bytes = drawn.pool.subarray(drawn.at, drawn.at + n);
  drawn.at += n;
  drawn.handedOut += n;
  return bytes;
}

/** Bytes the pool has handed out so far (who draws from it is seen in tests). */
export function pooledBytes(): number {
  return drawn.handedOut;
}

/** crypto.randomFillSync's contract (fills and returns `into`), served from the pool. */
export function fillRandom<T extends NodeJS.ArrayBufferView>(into: T, offset = 0, size?: number): T {
  const length = size ?? into.byteLength - offset;
  if (length > LARGEST_POOLED || !(into instanceof Uint8Array)) return randomFillSync(into, offset, length);
  into.set(takeRandom(length), offset);
  return into;
}
