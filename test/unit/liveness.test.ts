// The liveness check on its own, with a fake socket: silence brings keepalive requests and
// then the verdict at interval × count; any byte received starts the silence over.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeAlive, Liveness } from '../../src/ssh/liveness.js';
import { waitUntil } from '../support/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function watch(intervalMs: number, countMax: number) {
  const socket = new EventEmitter();
  const seen = { pings: 0, deadAt: 0, why: '' };
  const startedAt = Date.now();
  const live = new Liveness(socket, { intervalMs, countMax }, () => seen.pings++, (why) => {
    seen.deadAt = Date.now() - startedAt;
    seen.why = why;
  });
  return { socket, seen, live };
}

test('a silent peer: a keepalive after each silent interval, dead at interval × count', async () => {
  const { seen } = watch(100, 3);
  await waitUntil(() => seen.deadAt > 0, 2000, 'the peer declared dead');
  assert.is(seen.pings, 2);
  // Timers may run late on a busy machine, and a millisecond or two early.
  assert.ok(seen.deadAt >= 290 && seen.deadAt < 400, `dead after ${seen.deadAt} ms`);
  assert.is(seen.why, 'nothing received for 0.3s (ServerAliveInterval 0.1 × ServerAliveCountMax 3)');
});

test('a peer that keeps sending is never pinged nor declared dead, however long', async () => {
  const { socket, seen, live } = watch(100, 2);
  for (let i = 0; i < 8; i++) {
    await sleep(60);
    socket.emit('data', Buffer.from('x'));
  }
  assert.equal([seen.pings, seen.deadAt], [0, 0]);
  live.stop();
  assert.is(socket.listenerCount('data'), 0);
});

test('interval 0 is off; stop() ends the watch', async () => {
  const off = watch(0, 3);
  assert.is(off.socket.listenerCount('data'), 0);
  const stopped = watch(50, 1);
  stopped.live.stop();
  await sleep(150);
  assert.equal([off.seen.deadAt, stopped.seen.deadAt, stopped.seen.pings], [0, 0, 0]);
  assert.match(describeAlive({ intervalMs: 15_000, countMax: 3 }), /for 45s/);
});

test('a stall of this process longer than the limit, while the peer kept sending: the bytes that came are read before any verdict', async () => {
  // A real peer in another process, writing every 20 ms, and this event loop blocked for 600 ms
  // (a limit of 300): once it runs again the overdue timer comes before the poll for input.
  const peer = spawn('sh', ['-c', 'while :; do printf x; sleep 0.02; done'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const socket = peer.stdout!;
    await new Promise((r) => socket.once('data', r));
    let dead = '';
    const live = new Liveness(socket, { intervalMs: 100, countMax: 3 }, () => undefined, (why) => (dead = why));
    const until = Date.now() + 600;
    while (Date.now() < until) {
      /* the stall */
    }
    // The overdue check runs in the next turn of the event loop, and its verdict at that turn's
    // end: two turns later it has been given.
    for (let turn = 0; turn < 2; turn++) await new Promise((r) => setImmediate(r));
    assert.is(dead, '', 'declared dead though bytes were waiting to be read');
    live.stop();
  } finally {
    peer.kill('SIGKILL');
  }
});

test.run();
