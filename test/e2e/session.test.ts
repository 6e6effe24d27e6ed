// The SSH layer on its own against a real sshd: exit codes and signals, stdin, a command
// timeout that kills the remote process group, a lost connection, channel bounds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { sharedCluster } from '../support/cluster.js';
import { killHost } from '../support/host-control.js';
import { hostCommands } from '../support/proc.js';
import { within } from '../support/timeout.js';
import { waitUntil } from '../support/wait.js';
import { Session, EXEC_CHANNELS } from '../../src/ssh/session.js';
import { KnownHostsBook } from '../../src/ssh/known-hosts-store.js';
import { TargetResolver } from '../../src/ssh/target.js';
import { KeyRing } from '../../src/ssh/keys.js';
import { HostError } from '../../src/ssh/host-error.js';
import { Fleet } from '../../src/ssh/fleet.js';
import { parseClients } from '../../src/config/clients.js';

async function open(host = 0): Promise<Session> {
  const c = await sharedCluster();
  const h = c.hosts[host]!;
  const target = new TargetResolver({ configFile: 'none', identity: c.cluster.identity, knownHosts: c.cluster.knownHosts, hostKeyChecking: 'strict', connectTimeoutS: 5 });
  const [client] = parseClients(`root@${h.address}:${h.port}\n`, 'test');
  return Session.open(target.forClient(client!), { hostKeys: new KnownHostsBook(), keys: new KeyRing(c.cluster.identity) });
}

/** Is a command whose line contains `marker` running under host `host`'s sshd? */
async function running(marker: string, host = 0): Promise<boolean> {
  const c = await sharedCluster();
  return hostCommands(c, host).some((cmd) => cmd.includes(marker));
}

test('exit codes, signals, stdout and stderr apart, stdin in', async () => {
  const s = await open();
  try {
    const a = await s.capture('echo out; echo err >&2; exit 7');
    assert.equal([a.result.code, a.result.signal, a.stdout, a.stderr], [7, null, 'out\n', 'err\n']);
    const b = await s.capture('kill -TERM $$');
    assert.equal([b.result.code, b.result.signal], [null, 'TERM']);
    const d = await s.capture('echo to-err >&2; exit 3', { timeoutMs: 5000 });
    assert.equal([d.result.code, d.stderr], [3, 'to-err\n'], 'the kill wrapper leaves stderr and the status alone');
    const c = await s.capture('tr a-z A-Z', { stdin: 'hello\n' });
    assert.is(c.stdout, 'HELLO\n');
  } finally {
    s.close();
  }
});

test('a timeout kills the remote command and its children, not only the channel', async () => {
  const s = await open();
  try {
    const started = Date.now();
    const r = await within(10_000, 'timed out exec', s.exec('sleep 4241 & sleep 4242; echo never', { timeoutMs: 500 }));
    assert.ok(r.timedOut);
    assert.ok(Date.now() - started < 4000);
    await waitUntil(async () => !(await running('sleep 424')), 5000, 'sleep 4241 and sleep 4242 gone from the host');
  } finally {
    s.close();
  }
});

test('an abort (Ctrl-C) kills the remote command too', async () => {
  const s = await open();
  try {
    const ac = new AbortController();
    const p = s.exec('sleep 4343', { signal: ac.signal });
    await waitUntil(() => running('sleep 4343'), 5000, 'sleep 4343 running on the host');
    ac.abort();
    const r = await within(10_000, 'aborted exec', p);
    assert.ok(r.interrupted);
    await waitUntil(async () => !(await running('sleep 4343')), 5000, 'sleep 4343 gone from the host');
  } finally {
    s.close();
  }
});

test('more commands than sshd allows channels: all run, bounded per connection', async () => {
  const s = await open();
  try {
    const runs = await within(20_000, 'many execs', Promise.all(Array.from({ length: 3 * EXEC_CHANNELS + 1 }, (_, i) => s.capture(`echo ${i}`))));
    assert.equal(runs.map((r) => r.stdout.trim()), runs.map((_, i) => String(i)));
  } finally {
    s.close();
  }
});

test('a big output under backpressure arrives whole', async () => {
  const s = await open();
  try {
    let bytes = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _e, cb) {
        bytes += chunk.length;
        setImmediate(cb);
      },
    });
    const r = await within(20_000, 'big output', s.exec('head -c 5000000 /dev/zero', { stdout: slow }));
    assert.is(r.code, 0);
    assert.is(bytes, 5_000_000);
  } finally {
    s.close();
  }
});

test('a connection that dies mid-command becomes an unreachable error, not a hang', async () => {
  const c = await sharedCluster();
  const s = await open(3);
  const p = s.exec('sleep 30');
  await waitUntil(() => running('sleep 30', 3), 5000, 'sleep 30 running on host 3');
  killHost(c.cluster, 3);
  try {
    await within(10_000, 'exec on a dead connection', p);
    assert.unreachable('should have failed');
  } catch (e) {
    assert.instance(e, HostError);
    assert.is((e as HostError).kind, 'unreachable');
  } finally {
    s.close();
    await c.cluster.startHost(3);
  }
});

test('Fleet: one result per client in order, failures as values, bounded parallelism', async () => {
  const c = await sharedCluster();
  const conf = `${c.hosts.map((h) => h.name).join('\n')}\n127.0.0.90:1\n`;
  const clients = parseClients(conf, 'test');
  const resolver = new TargetResolver({ configFile: 'none', user: 'root', identity: c.cluster.identity, knownHosts: c.cluster.knownHosts, hostKeyChecking: 'strict', connectTimeoutS: 5 });
  let running = 0;
  let peak = 0;
  const fleet = new Fleet(clients, {
    parallel: 2,
    session: { hostKeys: new KnownHostsBook(), keys: new KeyRing(c.cluster.identity) },
    targets: (client) => resolver.forClient(client),
  });
  const results = await within(20_000, 'fleet', fleet.run(async (session, client) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((ok) => setTimeout(ok, 100));
    running--;
    if (client.index === 1) throw new Error('work failed here');
    return (await session.capture('echo hi')).stdout.trim();
  }));
  assert.equal(results.map((r) => r.client.name), clients.map((x) => x.name));
  assert.equal(results.map((r) => r.ok), [true, false, true, true, false]);
  assert.is(results[0]!.ok && results[0]!.value, 'hi');
  assert.is(!results[1]!.ok && results[1]!.error.message, 'work failed here');
  assert.is(!results[4]!.ok && results[4]!.error.kind, 'unreachable');
  assert.ok(peak <= 2, `peak ${peak}`);
});

test('Fleet.run: Ctrl-C while connected clients wait for a -p slot: their work is never called, each says it did not start', async () => {
  const c = await sharedCluster();
  const controller = new AbortController();
  const fleet = c.fleet({ parallel: '1', signal: controller.signal });
  const called: string[] = [];
  const results = await within(
    30_000,
    'fleet.run',
    fleet.run(async (_session, client) => {
      called.push(client.name);
      // The first client's work is running: every other client has connected (or is connecting) and waits for the slot.
      // Every other client logged in (its sshd says so on its host) and now waits for the slot.
      const loggedIn = (i: number) => hostCommands(c, i).some((cmd) => /^sshd: \S+$/.test(cmd) || /^sshd: \S+@notty$/.test(cmd));
      await waitUntil(() => c.hosts.every((_, i) => loggedIn(i)), 10_000, 'every client logged in');
      controller.abort();
      return client.name;
    }),
  );
  assert.is(called.length, 1, `work ran on ${called.join(', ')}`);
  const others = results.filter((r) => r.client.name !== called[0]);
  assert.is(others.length, c.hosts.length - 1);
  // Those still in their handshake at the signal say "not connected", the others "not started".
  for (const r of others) assert.ok(!r.ok && r.error.kind === 'interrupted' && /^not (started|connected): interrupted$/.test(r.error.message), r.ok ? 'ran' : r.error.message);
});

test.run();
