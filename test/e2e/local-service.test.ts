// The echo service process itself, poked with good and bad clients: it answers, never
// buffers without bound, and survives whatever a client does.
import type { ChildProcess } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LineConnection } from '../../src/local/line-client.js';
import { parseStat } from '../../src/local/protocol.js';
import { queryStat } from '../../src/local/supervisor.js';
import { isAlive } from '../../src/local/service-process.js';
import { LocalEnv, waitUntil } from '../support/local-env.js';
import { rawClient } from '../support/local-socket.js';
import { within } from '../support/timeout.js';

let env: LocalEnv;
let port: number;
let service: ChildProcess;
const IDLE_MS = 700;

test.before(async () => {
  env = await LocalEnv.create(2);
  port = env.ports[0]!;
  service = env.spawnService(port, ['--idle-ms', String(IDLE_MS)]);
  await waitUntil(async () => (await queryStat(port, 300))?.pid === service.pid, 5000, 'service up');
});

test.after(async () => {
  await env.cleanup();
});

/** The service still answers a fresh connection: nothing a bad client did has hurt it. */
async function stillServing(): Promise<void> {
  const c = await rawClient(port);
  c.write('ping\n');
  assert.equal(await c.lines(1), [`Echo sent from 127.0.0.1:${port}`]);
  c.destroy();
  assert.ok(isAlive(service.pid!), 'service process died');
}

test('several requests on one connection, in order, case and blanks forgiven', async () => {
  const c = await rawClient(port);
  c.write('ping\r\n  PING \nstat\nfrobnicate now\n\n');
  const [a, b, stat, unknown, empty] = await c.lines(5);
  assert.is(a, `Echo sent from 127.0.0.1:${port}`);
  assert.is(b, a);
  const s = parseStat(stat ?? '');
  assert.ok(s, `stat: ${stat}`);
  assert.is(s!.pid, service.pid);
  assert.is(s!.port, port);
  assert.ok(s!.requests >= 3, `requests ${s!.requests}`);
  assert.type(s!.memoryMB, 'number');
  assert.type(s!.uptimeSec, 'number');
  assert.is(unknown, 'ERR unknown command: frobnicate now');
  assert.is(empty, 'ERR empty request');
  c.destroy();
});

test('requests split across many writes are put together', async () => {
  const c = await rawClient(port);
  for (const piece of ['p', 'i', 'n', 'g\np', 'ing', '\n']) {
    c.write(piece);
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(await c.lines(2), [`Echo sent from 127.0.0.1:${port}`, `Echo sent from 127.0.0.1:${port}`]);
  c.destroy();
});

test('binary garbage is answered with an escaped error, not a crash', async () => {
  const c = await rawClient(port);
  c.write(Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x5c, 0x0a]));
  const [line] = await c.lines(1);
  assert.is(line, 'ERR unknown command: \\x00\\xff\\xfe\\x1b[2J\\\\');
  c.write('ping\n');
  assert.is((await c.lines(2))[1], `Echo sent from 127.0.0.1:${port}`);
  c.destroy();
  await stillServing();
});

test('a line over 4 KiB is refused and its connection closed; 4096 bytes exactly is fine', async () => {
  const ok = await rawClient(port);
  ok.write(`${'x'.repeat(4096)}\n`);
  const [answer] = await ok.lines(1);
  assert.match(answer ?? '', /^ERR unknown command: x{80}\.\.\.$/);
  ok.destroy();

  const big = await rawClient(port);
  big.write('ping\n');
  big.write('y'.repeat(4097));
  await big.closed();
  assert.equal(big.received().split('\n'), [`Echo sent from 127.0.0.1:${port}`, 'ERR line too long (over 4096 bytes)', '']);
  await stillServing();
});

test('a flood without newlines is cut off, not buffered', async () => {
  const c = await rawClient(port);
  const mb = Buffer.alloc(1024 * 1024, 0x41);
  for (let i = 0; i < 8 && !c.socket.destroyed; i++) c.write(mb);
  await c.closed();
  assert.match(c.received(), /^ERR line too long/);
  const stat = await queryStat(port, 2000);
  assert.ok(stat && stat.memoryMB < 200, `memory ${stat?.memoryMB} MB`);
  await stillServing();
});

test('a client that disconnects mid-line or resets does no harm', async () => {
  for (let i = 0; i < 20; i++) {
    const c = await rawClient(port);
    c.write('pin');
    if (i % 2) c.socket.resetAndDestroy();
    else c.destroy();
  }
  await stillServing();
});

test('an idle connection is told so and closed after the idle timeout', async () => {
  const c = await rawClient(port);
  const t0 = Date.now();
  await c.closed(IDLE_MS * 5);
  const waited = Date.now() - t0;
  assert.ok(waited >= IDLE_MS - 50, `closed after ${waited} ms`);
  assert.is(c.received(), 'ERR idle timeout\n');
  await stillServing();
});

test('500 concurrent connections are all answered', async () => {
  const conns = await within(
    20_000,
    '500 connections',
    Promise.all(Array.from({ length: 500 }, () => LineConnection.open(port, { timeoutMs: 10_000 }))),
  );
  try {
    const replies = await within(20_000, '500 pings', Promise.all(conns.map((c) => c.ask('ping', { timeoutMs: 10_000 }))));
    assert.is(replies.length, 500);
    assert.ok(replies.every((r) => r === `Echo sent from 127.0.0.1:${port}`));
  } finally {
    for (const c of conns) c.close();
  }
  await stillServing();
});

test('a client that sends many requests but reads no replies is paused, not buffered for', async () => {
  const before = (await queryStat(port, 2000))!;
  const c = await rawClient(port);
  c.socket.pause();
  // 10 MB of requests would be 62 MB of replies held in memory if the service kept reading.
  c.write('ping\n'.repeat(2_000_000));
  await new Promise((r) => setTimeout(r, 1500));
  const after = (await queryStat(port, 2000))!;
  const answered = after.requests - before.requests;
  assert.ok(answered < 1_000_000, `answered ${answered} requests nobody read`);
  assert.ok(after.memoryMB - before.memoryMB < 40, `memory grew ${before.memoryMB} -> ${after.memoryMB} MB`);
  c.destroy();
  await stillServing();
});

test('shutdown answers, then the process exits; the listening port is released', async () => {
  const other = env.ports[1]!;
  const child = env.spawnService(other);
  await waitUntil(async () => (await queryStat(other, 300))?.pid === child.pid, 5000, 'second service up');
  const bystander = await rawClient(other);
  const c = await rawClient(other);
  c.write('shutdown\nping\n');
  await c.closed();
  assert.is(c.received(), `Client 127.0.0.1:${other} shutting down.\n`);
  await within(5000, 'exit after shutdown', new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r))));
  assert.is(child.exitCode, 0);
  await bystander.closed();
  const refused = await LineConnection.open(other, { timeoutMs: 1000 }).then(
    (c2) => (c2.close(), 'connected'),
    (e: Error) => e.message,
  );
  assert.is(refused, 'connection refused');
});

test('a port already taken makes the service exit with code 3', async () => {
  const dup = env.spawnService(port);
  await within(5000, 'duplicate exits', new Promise((r) => (dup.exitCode !== null ? r(null) : dup.once('exit', r))));
  assert.is(dup.exitCode, 3);
  await stillServing();
});

test.run();
