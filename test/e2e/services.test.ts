// director service on real sshd hosts: a service that listens on a port and writes a
// heartbeat is started on every host, outlives the SSH connection (seen in the host's process
// table), is reported running with the right pid and its port listening, is seen crashed when
// killed by hand (and restarted, counted, under --restart on-failure), shows its log with
// host prefixes (-n, and -f until Ctrl-C), and leaves nothing behind when stopped, even when
// it ignores TERM. Behaviour through the command functions; the CLI for format and exit codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serviceLogs } from '../../src/commands/service-logs.js';
import { serviceStart } from '../../src/commands/service-start.js';
import { serviceStatus } from '../../src/commands/service-status.js';
import { serviceStop } from '../../src/commands/service-stop.js';
import type { ServiceStatus } from '../../src/services/state.js';
import { runDirector } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { freePorts } from '../support/local-env.js';
import { statFields } from '../../src/process-tree.js';
import { commandLine, hostProcesses } from '../support/proc.js';
import { heartbeat, marked, onHosts, reapAtExit } from '../support/services.js';
import { within } from '../support/timeout.js';
import { waitUntil } from '../support/wait.js';

let c: TestCluster;
let port: number;
let port2: number;

test.before(async () => {
  c = await startCluster(3);
  reapAtExit(c);
  [port, port2] = (await freePorts(2)) as [number, number];
});
test.after(async () => {
  await c.stop();
});

const statuses = async (name: string): Promise<ServiceStatus[]> => {
  const r = await serviceStatus({ name }, { fleet: c.fleet() });
  return r.results.map((x) => {
    if (!x.ok) throw new Error(`${x.client.name}: ${x.error.message}`);
    const s = x.value.services[0];
    if (s === undefined) throw new Error(`${x.client.name}: no ${name}`);
    return s;
  });
};

test('start: detached on every host, alive after the connection closed, status running with its pid and port', async () => {
  const m = marked('hb');
  const r = await serviceStart({ name: 'hb', words: heartbeat(m), ports: [port] }, { fleet: c.fleet() });
  assert.is(r.exitCode, 0, JSON.stringify(r.results));
  // The Fleet closed every connection on return; the service runs on, in its own session.
  const procs = onHosts(c, m);
  procs.forEach((pids, i) => assert.is(pids.length, 1, `host ${i}: ${pids}`));
  for (let i = 0; i < c.hosts.length; i++) {
    const pid = procs[i]![0]!;
    const [, ppid, pgrp, sid] = statFields(pid)!;
    assert.not.ok(hostProcesses(c, i).includes(pid), 'not under the host sshd any more');
    assert.is(Number(pgrp), Number(sid), 'in a session of its own, as its group');
    assert.is.not(Number(sid), pid, 'whose leader is the supervisor');
    assert.match(commandLine(Number(ppid)) ?? '', /supervise\.sh/);
    const answer = r.results[i]!;
    assert.ok(answer.ok && answer.value.outcome === 'started' && answer.value.pid === pid, JSON.stringify(answer));
  }
  await waitUntil(async () => (await statuses('hb')).every((s) => s.ports[0]?.state === 'listening'), 10_000, 'every port listening');
  const st = await statuses('hb');
  st.forEach((s, i) => {
    assert.is(s.state, 'running');
    assert.is(s.pid, procs[i]![0]);
    assert.ok((s.rssBytes ?? 0) > 1_000_000, `rss ${s.rssBytes}`);
    assert.match(s.lastLogLine ?? '', new RegExp(`^beat ${i} hb \\d+$|\\[director\\] started`));
  });
});

test('start twice: reported already running on every host, not started again', async () => {
  const m = marked('hb');
  const before = onHosts(c, m);
  const r = await serviceStart({ name: 'hb', words: heartbeat(m), ports: [port] }, { fleet: c.fleet() });
  assert.is(r.exitCode, 1);
  r.results.forEach((x, i) => assert.ok(x.ok && x.value.outcome === 'already-running' && x.value.pid === before[i]![0], JSON.stringify(x)));
  assert.equal(onHosts(c, m), before);
});

test('logs -n: the last lines of every host, in host order; logs -f: live lines from all hosts until Ctrl-C, the tails stopped', async () => {
  const r = await serviceLogs({ name: 'hb', lines: 3, follow: false }, { fleet: c.fleet() });
  assert.is(r.exitCode, 0);
  r.results.forEach((x, i) => {
    assert.ok(x.ok);
    const lines = x.value.text.toString().split('\n').slice(0, -1);
    assert.is(lines.length, 3, lines.join('|'));
    for (const l of lines) assert.match(l, new RegExp(`^beat ${i} hb \\d+$|\\[director\\]`));
  });
  const stop = new AbortController();
  const seen = c.hosts.map(() => [] as string[]);
  const following = serviceLogs(
    { name: 'hb', lines: 1, follow: true },
    {
      fleet: c.fleet({ signal: stop.signal }),
      events: { lines: (client, block) => seen[client.index]!.push(...block.toString().split('\n').slice(0, -1)) },
    },
  );
  // Fresh heartbeats keep coming on every host: more lines than -n gave.
  await waitUntil(() => seen.every((s) => s.filter((l) => l.startsWith('beat')).length >= 5), 15_000, 'live lines from every host');
  stop.abort();
  const done = await within(10_000, 'logs -f ends after Ctrl-C', following);
  done.results.forEach((x) => assert.ok(x.ok && x.value.interrupted && x.value.killUnconfirmed === undefined, JSON.stringify(x)));
  await waitUntil(() => onHosts(c, 'tail -n 1 -F').every((p) => p.length === 0), 5000, 'no tail left');
});

test('kill by hand: crashed with the signal; with --restart on-failure: restarted and counted', async () => {
  const victim = 1;
  const pid = onHosts(c, marked('hb'))[victim]![0]!;
  process.kill(pid, 'SIGKILL');
  await waitUntil(async () => (await statuses('hb'))[victim]!.state === 'crashed', 10_000, 'crashed');
  const st = await statuses('hb');
  assert.equal(st[victim]!.exit, { status: 137, signal: 'KILL' });
  assert.is(st[0]!.state, 'running');
  const status = await serviceStatus({ name: 'hb' }, { fleet: c.fleet() });
  assert.is(status.exitCode, 1, 'not all is well');

  const m = marked('again');
  const s = await serviceStart({ name: 'again', words: heartbeat(m), ports: [port2], restart: 'on-failure', replace: false }, { fleet: c.fleet({ hosts: c.hosts[victim]!.name }) });
  assert.is(s.exitCode, 0, JSON.stringify(s.results));
  const first = onHosts(c, m)[victim]![0]!;
  process.kill(first, 'SIGKILL');
  await waitUntil(() => (onHosts(c, m)[victim]!.find((p) => p !== first) ?? 0) > 0, 15_000, 'restarted by the supervisor');
  const one = (await serviceStatus({ name: 'again' }, { fleet: c.fleet({ hosts: c.hosts[victim]!.name }) })).results[0]!;
  assert.ok(one.ok);
  const again = one.value.services[0]!;
  assert.is(again.state, 'running');
  assert.is(again.restarts, 1);
  assert.is(again.pid, onHosts(c, m)[victim]![0]);
  const stopped = await serviceStop({ name: 'again', graceS: 5 }, { fleet: c.fleet({ hosts: c.hosts[victim]!.name }) });
  assert.is(stopped.exitCode, 0);
  assert.equal(onHosts(c, m)[victim], []);
});

test('restart: the recorded command again, a new pid, ports and environment kept', async () => {
  const m = marked('hb');
  const before = onHosts(c, m);
  const r = await serviceStart({ name: 'hb', graceS: 5 }, { fleet: c.fleet() });
  assert.is(r.exitCode, 0, JSON.stringify(r.results));
  const after = onHosts(c, m);
  after.forEach((pids, i) => {
    assert.is(pids.length, 1);
    assert.is.not(pids[0], before[i]![0]);
  });
  await waitUntil(async () => (await statuses('hb')).every((s) => s.state === 'running' && s.ports[0]?.state === 'listening'), 10_000, 'running and listening again');
});

test('stop: TERM to the whole session, verified: 0 processes of the service on any host', async () => {
  const m = marked('hb');
  const r = await serviceStop({ name: 'hb' }, { fleet: c.fleet() });
  assert.is(r.exitCode, 0);
  r.results.forEach((x) => assert.ok(x.ok && x.value.outcome === 'stopped' && x.value.how === 'term', JSON.stringify(x)));
  assert.equal(onHosts(c, m), c.hosts.map(() => []));
  assert.equal(onHosts(c, 'supervise.sh'), c.hosts.map(() => []));
  (await statuses('hb')).forEach((s) => assert.is(s.state, 'stopped'));
  const again = await serviceStop({ name: 'hb' }, { fleet: c.fleet() });
  again.results.forEach((x) => assert.ok(x.ok && x.value.outcome === 'not-running'));
});

test('stop of a service that ignores TERM: KILL after the grace, and nothing left', async () => {
  const m = marked('deaf');
  const words = [`trap '' TERM; while :; do sleep 1; done # ${m}`];
  const s = await serviceStart({ name: 'deaf', words }, { fleet: c.fleet() });
  assert.is(s.exitCode, 0, JSON.stringify(s.results));
  const t0 = Date.now();
  const r = await serviceStop({ name: 'deaf', graceS: 1 }, { fleet: c.fleet() });
  const ms = Date.now() - t0;
  assert.is(r.exitCode, 0);
  r.results.forEach((x) => assert.ok(x.ok && x.value.outcome === 'stopped' && x.value.how === 'kill', JSON.stringify(x)));
  assert.ok(ms >= 1000, `stopped after ${ms} ms, before the grace`);
  assert.equal(onHosts(c, m), c.hosts.map(() => []));
  assert.equal(onHosts(c, 'supervise.sh'), c.hosts.map(() => []));
});

test('a command that dies at once is reported with its status and its last words', async () => {
  const r = await serviceStart({ name: 'broken', words: ['echo about to fail >&2; exit 3'] }, { fleet: c.fleet() });
  assert.is(r.exitCode, 1);
  r.results.forEach((x) => assert.ok(x.ok && x.value.outcome === 'exited' && x.value.status === 3 && /about to fail/.test(x.value.lastLines), JSON.stringify(x)));
});

test('CLI: status lines and --fold, --json, exit codes; a bad name or no command is exit 2 before any client is contacted', async () => {
  const m = marked('cli');
  const start = await runDirector([...c.args(), 'service', 'start', 'cli', '--port', String(port), '--', ...heartbeat(m)]);
  assert.is(start.code, 0, start.stdout + start.stderr);
  for (const h of c.hosts) assert.match(start.stdout, new RegExp(`^${h.name.replace(/\./g, '\\.')}: cli started \\(pid \\d+\\)$`, 'm'));
  assert.match(start.stdout, `${c.hosts.length} ok, 0 failed`);
  await waitUntil(async () => (await statuses('cli')).every((s) => s.ports[0]?.state === 'listening'), 10_000, 'listening');
  const st = await runDirector([...c.args(), 'service', 'status', 'cli']);
  assert.is(st.code, 0, st.stdout + st.stderr);
  for (const h of c.hosts) {
    assert.match(st.stdout, new RegExp(`^${h.name.replace(/\./g, '\\.')} cli: running, pid \\d+, up \\d+s, rss [\\d.]+ MB, cpu [\\d.]+%, port ${port} listening \\| `, 'm'));
  }
  const fold = await runDirector([...c.args(), 'service', 'status', '--fold', 'cli']);
  assert.match(fold.stdout, new RegExp(`^cli: running, port ${port} listening \\(3 clients: `, 'm'));
  const json = await runDirector([...c.args(), '--json', 'service', 'status', 'cli']);
  const doc = JSON.parse(json.stdout) as { schemaVersion: number; clients: Array<{ host: string; ok: boolean; services: Array<{ state: string; pid: number }> }> };
  assert.is(doc.schemaVersion, 1);
  assert.equal(doc.clients.map((x) => [x.host, x.ok, x.services[0]?.state]), c.hosts.map((h) => [h.name, true, 'running']));
  const logs = await runDirector([...c.args(), 'service', 'logs', 'cli', '-n', '2']);
  assert.is(logs.code, 0);
  for (const h of c.hosts) assert.is(logs.stdout.split('\n').filter((l) => l.startsWith(`${h.name}: `)).length, 2, logs.stdout);
  const stop = await runDirector([...c.args(), 'service', 'stop', 'cli']);
  assert.is(stop.code, 0, stop.stdout);
  for (const h of c.hosts) assert.match(stop.stdout, `${h.name}: cli stopped`);
  const none = await runDirector([...c.args(), 'service', 'logs', 'nothing-here']);
  assert.is(none.code, 1);
  assert.match(none.stderr, /no service nothing-here there/);

  const noContact = ['-c', '/nonexistent/clients.conf'];
  for (const args of [
    ['service', 'start', '../x', '--', 'true'],
    ['service', 'start', 'x', '--restart', 'always', '--', 'true'],
    ['service', 'start', 'x', '--port', '70000', '--', 'true'],
    ['service', 'stop', 'x', '--grace', '-1'],
    ['service', 'logs', 'x', '-n', '0'],
  ]) {
    const r = await runDirector([...noContact, ...args]);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.not.match(r.stderr, /nonexistent/, 'refused before clients.conf was read');
  }
});

test.run();
