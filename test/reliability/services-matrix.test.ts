// Services on every kind of remote the matrix has (login shells bash, dash, zsh, busybox ash,
// fish, tcsh; dropbear; busybox tools first; a chatty .bashrc; no SFTP), and on hosts whose
// PATH offers busybox's applets (without setsid) and one interpreter only: node, python3 or
// perl, or none. What director reports is checked from the host's side: the process table,
// its session, its port, and nothing left after a stop.
import { setMaxListeners } from 'node:events';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { echoStart, BIND_CLIENT } from '../../src/commands/echo-start.js';
import { pingRemote } from '../../src/commands/ping-remote.js';
import { serviceStart } from '../../src/commands/service-start.js';
import { serviceStatus } from '../../src/commands/service-status.js';
import { serviceStop } from '../../src/commands/service-stop.js';
import { statFields } from '../../src/process-tree.js';
import { freePorts } from '../support/local-env.js';
import { ALL_KINDS, BUSYBOX, type MatrixKind } from '../support/matrix-kinds.js';
import type { MatrixHost } from '../support/matrix-host.js';
import { matrixSupported, startMatrix, type Matrix } from '../support/matrix.js';
import { hostNamespace } from '../support/proc.js';
import { record } from '../support/reliability.js';
import { heartbeat, marked, onHost, reapAtExit } from '../support/services.js';
import { waitUntil } from '../support/wait.js';

const TEST = 'test/reliability/services-matrix.test.ts';
/** Hosts whose PATH offers busybox and one interpreter (or none): the busybox-path kind, its PATH rewritten. */
const ONLY = { 'only-node': 'node', 'only-python3': 'python3', 'only-perl': 'perl', 'only-busybox': undefined } as const;
type Only = keyof typeof ONLY;
const INTERPRETER_PATH: Record<string, string> = { node: process.execPath, python3: '/usr/bin/python3', perl: '/usr/bin/perl' };

let m: Matrix | undefined;
/** One signal for every Fleet here: 13 clients connect at once and each listens on it. */
const quiet = new AbortController();
setMaxListeners(0, quiet.signal);
const on = (hosts: readonly MatrixHost[]) => m!.fleet({ hosts: hosts.map((h) => h.name).join(','), signal: quiet.signal });
const only = new Map<Only, MatrixHost>();
let ports: number[] = [];

/** busybox's applets, its setsid left out, and one interpreter: the host's whole PATH. */
function restrictPath(h: MatrixHost, interpreter: string | undefined): void {
  const bin = join(h.dir, 'only-bin');
  mkdirSync(bin, { mode: 0o755 });
  const applets = spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((a) => a !== '' && a !== 'setsid');
  for (const a of applets) symlinkSync(BUSYBOX, join(bin, a));
  if (interpreter !== undefined) symlinkSync(INTERPRETER_PATH[interpreter]!, join(bin, interpreter));
  // Read by sshd at each login (PermitUserEnvironment PATH on busybox-path hosts); rewritten in place, owner kept.
  writeFileSync(join(h.home, '.ssh', 'environment'), `PATH=${bin}\n`);
}

test.before(async () => {
  if (!matrixSupported()) return;
  const onlyKinds = Object.keys(ONLY).map((): MatrixKind => 'busybox-path');
  m = await startMatrix([...ALL_KINDS, ...onlyKinds]);
  reapAtExit(m);
  (Object.keys(ONLY) as Only[]).forEach((name, i) => {
    const h = m!.hosts[ALL_KINDS.length + i]!;
    restrictPath(h, ONLY[name]);
    only.set(name, h);
  });
  ports = await freePorts(2);
});
test.after(async () => {
  await m?.stop();
});

const kinds = () => m!.hosts.slice(0, ALL_KINDS.length);

test('service start, status, kill by hand, restart on failure and stop on every kind of remote', async () => {
  if (!m) return console.log('  (skipped: the matrix needs root)');
  const hosts = kinds();
  const fleet = () => on(hosts);
  const mark = marked('mx');
  const t0 = Date.now();
  const r = await serviceStart({ name: 'mx', words: heartbeat(mark), ports: [ports[0]!], restart: 'on-failure' }, { fleet: fleet() });
  assert.equal(r.results.map((x) => (x.ok ? x.value.outcome : x.error.message)), hosts.map(() => 'started'), hosts.map((h) => h.kind).join(' '));
  const startMs = Date.now() - t0;
  const namespaces = hosts.map((h) => hostNamespace(m!, h.index));
  const first = hosts.map((h, i) => {
    const pids = onHost(m!, h.index, mark, namespaces[i]);
    assert.is(pids.length, 1, `${h.kind}: ${pids}`);
    const sid = Number(statFields(pids[0]!)![3]);
    assert.match(spawnSync('cat', [`/proc/${sid}/cmdline`], { encoding: 'utf8' }).stdout, /supervise\.sh/, `${h.kind}: its session is the supervisor's`);
    return pids[0]!;
  });
  await waitUntil(
    async () => (await serviceStatus({ name: 'mx' }, { fleet: fleet() })).results.every((x) => x.ok && x.value.services[0]?.ports[0]?.state === 'listening'),
    20_000,
    'every port listening',
  );
  const st = await serviceStatus({ name: 'mx' }, { fleet: fleet() });
  st.results.forEach((x, i) => assert.ok(x.ok && x.value.services[0]!.state === 'running' && x.value.services[0]!.pid === first[i], `${hosts[i]!.kind}: ${JSON.stringify(x)}`));

  for (const pid of first) process.kill(pid, 'SIGKILL');
  const killedAt = Date.now();
  await waitUntil(() => hosts.every((h, i) => onHost(m!, h.index, mark, namespaces[i]).some((p) => p !== first[i])), 20_000, 'restarted everywhere');
  const restartMs = Date.now() - killedAt;
  const again = await serviceStatus({ name: 'mx' }, { fleet: fleet() });
  again.results.forEach((x, i) => assert.ok(x.ok && x.value.services[0]!.state === 'running' && x.value.services[0]!.restarts === 1, `${hosts[i]!.kind}: ${JSON.stringify(x)}`));

  const stop = await serviceStop({ name: 'mx', graceS: 5 }, { fleet: fleet() });
  assert.equal(stop.results.map((x) => (x.ok ? x.value.outcome : x.error.message)), hosts.map(() => 'stopped'));
  const left = hosts.reduce((n, h, i) => n + onHost(m!, h.index, mark, namespaces[i]).length + onHost(m!, h.index, 'supervise.sh', namespaces[i]).length, 0);
  assert.is(left, 0);
  record({
    id: 'services-matrix',
    area: 'fault',
    case: `service start --restart on-failure, kill by hand, stop, on ${hosts.length} kinds of remote (${hosts.map((h) => h.kind).join(', ')})`,
    does: 'detaches the command into a session of its own under /bin/sh whatever the login shell; status shows its pid and port from the host; the supervisor restarts it after a kill and counts it; stop leaves nothing',
    processesLeft: left,
    detectMs: restartMs,
    figure: `${hosts.length}/${hosts.length} started in ${(startMs / 1000).toFixed(1)} s, restarted after a kill within ${(restartMs / 1000).toFixed(1)} s, stopped with 0 left`,
    test: TEST,
  });
});

test('the echo service with whichever interpreter the host has (node, python3, perl; dropbear and every login shell too), answered through ping --remote', async () => {
  if (!m) return console.log('  (skipped: the matrix needs root)');
  const hosts = [...kinds(), only.get('only-node')!, only.get('only-python3')!, only.get('only-perl')!];
  const fleet = () => on(hosts);
  const r = await echoStart({ ports, bind: BIND_CLIENT, idleMs: 60_000 }, { fleet: fleet() });
  assert.is(r.exitCode, 0, JSON.stringify(r.results.filter((x) => !x.ok || x.value.answer.outcome !== 'started')));
  const used = r.results.map((x) => (x.ok ? x.value.interpreter : '?'));
  assert.equal(used.slice(-3), ['node', 'python3', 'perl']);
  assert.ok(used.slice(0, -3).every((i) => i === 'node'), 'node first where there is node');
  // Without setsid on the PATH, the interpreter itself detached the service.
  r.results.slice(-3).forEach((x) => assert.ok(x.ok && x.value.answer.outcome === 'started' && x.value.answer.detachedBy === x.value.interpreter, JSON.stringify(x)));

  const ping = await pingRemote({ ports, count: 3, timeoutMs: 5000 }, { fleet: fleet() });
  assert.is(ping.exitCode, 0, JSON.stringify(ping.results));
  ping.results.forEach((x, i) => {
    assert.ok(x.ok);
    for (const p of x.value.ports) assert.is(p.ok && p.reply, `Echo sent from ${hosts[i]!.address}:${p.port}`);
  });
  const stop = await serviceStop({ name: 'echo', graceS: 5 }, { fleet: fleet() });
  assert.is(stop.exitCode, 0);
  const down = await pingRemote({ ports, count: 1, timeoutMs: 5000 }, { fleet: fleet() });
  down.results.forEach((x) => assert.ok(x.ok && x.value.ports.every((p) => !p.ok && p.error === 'connection refused'), JSON.stringify(x)));
  const left = hosts.reduce((n, h) => n + onHost(m!, h.index, 'echo-').length, 0);
  assert.is(left, 0);
  for (const [name, interpreter] of [['only-node', 'node'], ['only-python3', 'python3'], ['only-perl', 'perl']] as const) {
    record({
      id: `echo-${name}`,
      area: 'fault',
      case: `director start on a host whose PATH offers only ${interpreter} (busybox's applets, no setsid)`,
      does: `runs the echo service with ${interpreter}, detached by ${interpreter} itself; ping --remote gets the echo through the SSH connection; shutdown leaves nothing`,
      processesLeft: left,
      figure: `${ports.length}/${ports.length} ports answered (3 pings each)`,
      test: TEST,
    });
  }
  record({
    id: 'echo-matrix',
    area: 'fault',
    case: `director start and ping --remote on ${kinds().length} kinds of remote (dropbear included)`,
    does: 'starts the echo service with node on each and pings it through a direct-tcpip channel of the client connection; DOWN (connection refused) once shut down',
    processesLeft: left,
    figure: `${kinds().length * ports.length}/${kinds().length * ports.length} ports answered, then refused after shutdown`,
    test: TEST,
  });
});

test('a host with no interpreter and no setsid: the echo service says so, a service says it cannot detach; nothing is left running', async () => {
  if (!m) return console.log('  (skipped: the matrix needs root)');
  const h = only.get('only-busybox')!;
  const fleet = () => on([h]);
  const echo = await echoStart({ ports, bind: BIND_CLIENT, idleMs: 60_000 }, { fleet: fleet() });
  assert.is(echo.exitCode, 1);
  const [e] = echo.results;
  assert.ok(e && !e.ok && /no node, python3 or perl on the client/.test(e.error.message), JSON.stringify(e));
  const svc = await serviceStart({ name: 'loop', words: ['while :; do sleep 1; done'] }, { fleet: fleet() });
  const [s] = svc.results;
  assert.ok(s && s.ok && s.value.outcome === 'no-detach', JSON.stringify(s));
  assert.equal(onHost(m, h.index, 'sleep'), []);
  record({
    id: 'echo-no-interpreter',
    area: 'fault',
    case: 'director start / service start on a host with neither node, python3, perl nor setsid',
    does: 'refuses that client with the reason ("no node, python3 or perl on the client"; "cannot detach the service"), starts nothing there',
    processesLeft: 0,
    figure: 'exit 1, 0 processes started',
    test: TEST,
  });
});

test.run();
