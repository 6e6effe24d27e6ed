// Faults around services on the clients, measured from the hosts' side: a service outlives its
// SSH connection and even its sshd; a crash is reported, and restarted with a back-off under
// --restart on-failure; a service deaf to TERM is killed after the grace; two starts at once
// make one service; Ctrl-C during a start leaves every client started or said not to be.
import { setMaxListeners } from 'node:events';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serviceStart } from '../../src/commands/service-start.js';
import { serviceStatus } from '../../src/commands/service-status.js';
import { serviceStop } from '../../src/commands/service-stop.js';
import type { ServiceStatus } from '../../src/services/state.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { freePorts } from '../support/local-env.js';
import { hostNamespace } from '../support/proc.js';
import { record } from '../support/reliability.js';
import { watchDirector } from '../support/run-spawn.js';
import { heartbeat, marked, onHost, reapAtExit } from '../support/services.js';
import { tempDir } from '../support/temp.js';
import { waitUntil } from '../support/wait.js';

const TEST = 'test/reliability/services-faults.test.ts';
let c: TestCluster;
let port: number;
const quiet = new AbortController();
setMaxListeners(0, quiet.signal);
const fleet = (hosts?: string) => c.fleet({ signal: quiet.signal, ...(hosts !== undefined ? { hosts } : {}) });

test.before(async () => {
  c = await startCluster(3);
  reapAtExit(c);
  [port] = (await freePorts(1)) as [number];
});
test.after(async () => {
  await c.stop();
});

async function status(name: string, hosts?: string): Promise<ServiceStatus[]> {
  const r = await serviceStatus({ name }, { fleet: fleet(hosts) });
  return r.results.map((x) => (x.ok && x.value.services[0] ? x.value.services[0] : ({ state: 'unknown' } as ServiceStatus)));
}

const logSize = (host: number, name: string) => statSync(join(c.hosts[host]!.home, 'director/services', name, 'log')).size;

test('the SSH connection ends, then the sshd itself is stopped and started again: the service runs on, heartbeat and all', async () => {
  const m = marked('live');
  const namespaces = c.hosts.map((_, i) => hostNamespace(c, i));
  const r = await serviceStart({ name: 'live', words: heartbeat(m), ports: [port] }, { fleet: fleet() });
  assert.is(r.exitCode, 0, JSON.stringify(r.results));
  const pids = c.hosts.map((_, i) => onHost(c, i, m, namespaces[i]));
  for (let i = 0; i < c.hosts.length; i++) await c.cluster.stopHost(i);
  const sizes = c.hosts.map((_, i) => logSize(i, 'live'));
  await waitUntil(() => c.hosts.every((_, i) => logSize(i, 'live') > sizes[i]! + 200), 10_000, 'heartbeats go on with every sshd down');
  for (let i = 0; i < c.hosts.length; i++) await c.cluster.startHost(i);
  reapAtExit(c);
  assert.equal(c.hosts.map((_, i) => onHost(c, i, m, namespaces[i])), pids, 'the same processes');
  const st = await status('live');
  st.forEach((s, i) => assert.ok(s.state === 'running' && s.pid === pids[i]![0], JSON.stringify(s)));
  const stop = await serviceStop({ name: 'live', graceS: 5 }, { fleet: fleet() });
  assert.is(stop.exitCode, 0);
  const left = c.hosts.reduce((n, _, i) => n + onHost(c, i, m, namespaces[i]).length, 0);
  assert.is(left, 0);
  record({
    id: 'service-outlives-ssh',
    area: 'fault',
    case: 'service start, then the SSH connection ends and every host\'s sshd is stopped and started again',
    does: 'the service runs on in a session of its own (stdin /dev/null, output to its log): same pid, heartbeat going on, status running afterwards; stop leaves nothing',
    processesLeft: left,
    figure: `${c.hosts.length}/${c.hosts.length} alive with every sshd down, same pids after`,
    test: TEST,
  });
});

test('a crash is reported with its signal; under --restart on-failure the supervisor restarts it after 1 s, then 2 s (back-off), and counts', async () => {
  const host = c.hosts[0]!.name;
  const m = marked('crash');
  const ns = hostNamespace(c, 0);
  const r = await serviceStart({ name: 'crash', words: [`while :; do sleep 1; done # ${m}`], restart: 'on-failure' }, { fleet: fleet(host) });
  assert.is(r.exitCode, 0, JSON.stringify(r.results));
  const restarts: number[] = [];
  for (let k = 0; k < 2; k++) {
    const [pid] = onHost(c, 0, m, ns);
    process.kill(pid!, 'SIGKILL');
    const t0 = Date.now();
    await waitUntil(() => onHost(c, 0, m, ns).some((p) => p !== pid), 15_000, `restart ${k + 1}`);
    restarts.push(Date.now() - t0);
  }
  // Lower bounds: a loaded machine only adds to each wait, never takes from it.
  assert.ok(restarts[0]! >= 1000 && restarts[1]! >= 2000, `back-off: ${restarts.join(', ')} ms`);
  const [st] = await status('crash', host);
  assert.is(st!.state, 'running');
  assert.is(st!.restarts, 2);

  // Without a restart policy: crashed, with the signal, once the supervisor saw it.
  const m2 = marked('once');
  await serviceStart({ name: 'once', words: [`while :; do sleep 1; done # ${m2}`] }, { fleet: fleet(host) });
  const [pid] = onHost(c, 0, m2, ns);
  process.kill(pid!, 'SIGKILL');
  const t0 = Date.now();
  await waitUntil(async () => (await status('once', host))[0]!.state === 'crashed', 10_000, 'crashed');
  const detect = Date.now() - t0;
  assert.equal((await status('once', host))[0]!.exit, { status: 137, signal: 'KILL' });
  for (const name of ['crash', 'once']) assert.is((await serviceStop({ name, graceS: 2 }, { fleet: fleet(host) })).exitCode, 0);
  const left = onHost(c, 0, m, ns).length + onHost(c, 0, m2, ns).length;
  assert.is(left, 0);
  record({
    id: 'service-crash',
    area: 'fault',
    case: 'a service\'s command killed by hand (SIGKILL), with and without --restart on-failure',
    does: 'status says crashed (exit 137, SIGKILL); under on-failure the supervisor restarts it with a doubling back-off and status counts the restarts',
    processesLeft: left,
    detectMs: detect,
    figure: `crashed reported ${detect} ms after the kill; restarted after ${restarts.map((x) => (x / 1000).toFixed(1)).join(' s, then ')} s; restarts 2`,
    test: TEST,
  });
});

test('a service that ignores TERM: KILL after the grace, verified, nothing left', async () => {
  const m = marked('deaf');
  const namespaces = c.hosts.map((_, i) => hostNamespace(c, i));
  const s = await serviceStart({ name: 'deaf', words: [`trap '' TERM; (trap '' TERM; while :; do sleep 1; done) & while :; do sleep 1; done # ${m}`] }, { fleet: fleet() });
  assert.is(s.exitCode, 0, JSON.stringify(s.results));
  const t0 = Date.now();
  const r = await serviceStop({ name: 'deaf', graceS: 2 }, { fleet: fleet() });
  const ms = Date.now() - t0;
  r.results.forEach((x) => assert.ok(x.ok && x.value.outcome === 'stopped' && x.value.how === 'kill', JSON.stringify(x)));
  assert.ok(ms >= 2000, `${ms} ms`);
  const left = c.hosts.reduce((n, _, i) => n + onHost(c, i, m, namespaces[i]).length + onHost(c, i, 'supervise.sh', namespaces[i]).length, 0);
  assert.is(left, 0);
  record({
    id: 'service-deaf-to-term',
    area: 'fault',
    case: 'service stop --grace 2 of a service (and its background child) that ignore TERM',
    does: 'sends TERM to the whole session, waits the grace, then freezes and KILLs what is left and checks; says stopped (KILL after 2 s of grace) only when nothing is',
    processesLeft: left,
    detectMs: ms,
    figure: `${c.hosts.length}/${c.hosts.length} stopped by KILL, ${(ms / 1000).toFixed(1)} s for the whole stop`,
    test: TEST,
  });
});

test('two starts of one service at once: one runs per host, the other start says so', async () => {
  const m = marked('race');
  const namespaces = c.hosts.map((_, i) => hostNamespace(c, i));
  const words = [`while :; do sleep 1; done # ${m}`];
  const [a, b] = await Promise.all([serviceStart({ name: 'race', words }, { fleet: fleet() }), serviceStart({ name: 'race', words }, { fleet: fleet() })]);
  const outcomes = c.hosts.map((_, i) => [a.results[i], b.results[i]].map((x) => (x?.ok ? x.value.outcome : 'error')).sort());
  for (const o of outcomes) {
    assert.is(o.filter((x) => x === 'started').length, 1, o.join(' '));
    assert.ok(o.some((x) => x === 'busy' || x === 'already-running'), o.join(' '));
  }
  const running = c.hosts.map((_, i) => onHost(c, i, m, namespaces[i]).length);
  assert.equal(running, c.hosts.map(() => 1));
  assert.is((await serviceStop({ name: 'race', graceS: 2 }, { fleet: fleet() })).exitCode, 0);
  record({
    id: 'service-start-race',
    area: 'fault',
    case: 'two service start of one service at the same moment on every host',
    does: 'one start per service at a time on a client (an atomic lock naming its holder): one instance runs, the other start reports it busy or already running',
    processesLeft: 0,
    figure: `${c.hosts.length}/${c.hosts.length} hosts with exactly 1 instance (${outcomes.map((o) => o.join('+')).join('; ')})`,
    test: TEST,
  });
});

test('Ctrl-C during service start (-p 1): exit 130, every client started or said not to be, and what runs is what was said', async () => {
  const m = marked('ctrlc');
  const namespaces = c.hosts.map((_, i) => hostNamespace(c, i));
  // The last host's listener is stopped: its login cannot finish before the signal, however
  // quickly the others start on a loaded machine, so one client is surely not reached.
  const last = c.cluster.pid(c.hosts.length - 1)!;
  process.kill(last, 'SIGSTOP');
  let done: Awaited<ReturnType<typeof watchDirector>['done']>;
  let exitMs: number;
  try {
    const run = watchDirector([...c.args(['-p', '1']), 'service', 'start', 'ctrlc', '--', `while :; do sleep 1; done # ${m}`], { cwd: tempDir('director-svc-ctrlc-') });
    // The first host has its service (seen on the host): the others are still to come.
    await waitUntil(() => onHost(c, 0, m, namespaces[0]).length > 0, 20_000, 'the first start done', 5);
    const t0 = Date.now();
    run.child.kill('SIGINT');
    done = await run.done;
    exitMs = Date.now() - t0;
  } finally {
    process.kill(last, 'SIGCONT');
  }
  assert.is(done.code, 130, done.stdout + done.stderr);
  const said = c.hosts.map((h) => {
    const line = done.stdout.split('\n').find((l) => l.startsWith(`${h.name}: `)) ?? '';
    return /ctrlc started/.test(line) ? 'started' : /interrupted/.test(line) ? 'not started' : `? ${line}`;
  });
  const running = c.hosts.map((_, i) => onHost(c, i, m, namespaces[i]).length);
  assert.equal(running, said.map((s) => (s === 'started' ? 1 : 0)), `${said.join(', ')} / ${done.stdout}`);
  assert.ok(said.includes('not started'), `every client had started before the signal: ${done.stdout}`);
  assert.match(done.stderr, /interrupted: \d+ clients? not reached; ctrlc runs on the \d+ started above/);
  assert.is((await serviceStop({ name: 'ctrlc', graceS: 2 }, { fleet: fleet() })).exitCode, 0);
  assert.equal(c.hosts.map((_, i) => onHost(c, i, m, namespaces[i]).length), c.hosts.map(() => 0));
  record({
    id: 'service-start-ctrl-c',
    area: 'fault',
    case: 'Ctrl-C during service start on 3 hosts (-p 1)',
    does: 'a start under way finishes; clients not reached are reported not started; exit 130 with a note naming where the service now runs',
    processesLeft: 0,
    detectMs: exitMs,
    figure: `exit 130 ${exitMs} ms after the signal; ${said.filter((s) => s === 'started').length} started and running, ${said.filter((s) => s !== 'started').length} not started and not running`,
    test: TEST,
  });
});

test('Ctrl-C during service logs -f: exit 130 and every remote tail stopped', async () => {
  const m = marked('tail');
  await serviceStart({ name: 'tail', words: [`while :; do echo tick; sleep 0.2; done # ${m}`] }, { fleet: fleet() });
  const run = watchDirector([...c.args(), 'service', 'logs', 'tail', '-f', '-n', '1'], { cwd: tempDir('director-svc-logs-') });
  for (const h of c.hosts) await run.seen(`${h.name}: `);
  const t0 = Date.now();
  run.child.kill('SIGINT');
  const done = await run.done;
  const exitMs = Date.now() - t0;
  assert.is(done.code, 130, done.stderr);
  assert.not.match(done.stderr, /not seen to stop/);
  const tails = c.hosts.reduce((n, _, i) => n + onHost(c, i, 'tail -n 1 -F').length, 0);
  assert.is(tails, 0);
  assert.is((await serviceStop({ name: 'tail', graceS: 2 }, { fleet: fleet() })).exitCode, 0);
  record({
    id: 'service-logs-ctrl-c',
    area: 'fault',
    case: 'Ctrl-C during service logs -f on 3 hosts',
    does: 'kills each client\'s tail (the verified tree kill of -t and Ctrl-C) and exits 130; the service itself runs on',
    processesLeft: tails,
    detectMs: exitMs,
    figure: `exit 130 ${exitMs} ms after the signal; 0 tails left`,
    test: TEST,
  });
});

test.run();
