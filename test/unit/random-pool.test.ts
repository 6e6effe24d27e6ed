// random-pool.ts: small draws of random bytes come from a pool, each byte handed out once;
// ssh2 loaded through src/ssh/ssh2.ts pads its packets from it (and the process's
// crypto.randomFillSync is the original again once ssh2 has loaded).
import crypto from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fillRandom, pooledBytes, takeRandom } from '../../src/random-pool.js';
import ssh2 from '../../src/ssh/ssh2.js';

test('draws never repeat, across refills of the pool', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) seen.add(takeRandom(16).toString('hex')); // 16 000 bytes: four pools
  assert.is(seen.size, 1000);
  assert.is(takeRandom(1000).length, 1000, 'a big draw, straight from the CSPRNG');
});

test('fillRandom fills only the range asked for, and returns what it filled', () => {
  const b = Buffer.alloc(64, 0xaa);
  assert.is(fillRandom(b, 8, 16), b);
  assert.ok(b.subarray(0, 8).every((x) => x === 0xaa) && b.subarray(24).every((x) => x === 0xaa), 'outside untouched');
  assert.is.not(b.subarray(8, 24).toString('hex'), 'aa'.repeat(16));
  const whole = fillRandom(Buffer.alloc(32));
  assert.is.not(whole.toString('hex'), '00'.repeat(32));
});

test("ssh2's packets are padded from the pool; crypto.randomFillSync is left as it was", async () => {
  assert.is.not(crypto.randomFillSync, fillRandom);
  const { Server, Client, utils } = ssh2;
  const server = new Server({ hostKeys: [utils.generateKeyPairSync('ed25519').private] }, (conn) => {
    conn.on('authentication', (ctx) => ctx.accept());
    conn.on('ready', () => conn.on('session', (accept) => accept().on('exec', (ok) => ok().end('hi'))));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const before = pooledBytes();
  const client = new Client();
  try {
    await new Promise<void>((ok, fail) => {
      client.on('ready', ok).on('error', fail);
      client.connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, username: 'u', password: 'p' });
    });
    const out = await new Promise<string>((ok, fail) =>
      client.exec('x', (err, ch) => {
        if (err) return fail(err);
        let s = '';
        ch.on('data', (d: Buffer) => (s += d.toString())).on('close', () => ok(s));
      }),
    );
    assert.is(out, 'hi');
  } finally {
    client.end();
    server.close();
  }
  // Both ends here are ssh2: every packet either sent drew 4–19 bytes of padding.
  assert.ok(pooledBytes() - before >= 4 * 10, `drawn: ${pooledBytes() - before}`);
});

test.run();
