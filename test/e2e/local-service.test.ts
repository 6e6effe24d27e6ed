// The echo service process itself: requests, framing, shutdown, a taken port. (Hostile
// clients — garbage, floods, half-open, no reader: test/reliability/hostile-local.test.ts.)
import type { ChildProcess } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LineConnection } from '../../src/local/line-client.js';
import { parseStat } from '../../src/local/protocol.js';
import { queryStat } from '../../src/local/supervisor.js';
import { isAlive } from '../../src/local/service-process.js';
import { LocalEnv } from '../support/local-env.js';
import { waitUntil } from '../support/wait.js';
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
