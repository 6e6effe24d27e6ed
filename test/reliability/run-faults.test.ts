// Connection and command faults: a client that accepts TCP but never speaks SSH, a command
// that never ends, and director itself stopped by SIGINT or SIGTERM mid-run. Each case checks
// on the hosts themselves (their mount namespaces) that nothing is left running, and times
// the fault from outside director: the silent server's clock, the hosts' /proc.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector, type CliResult } from '../support/cli.js';
import { sharedCluster, type TestCluster } from '../support/cluster.js';
import { leftOnHosts, watchHosts } from '../support/host-processes.js';
import { processesWorkingIn } from '../support/proc.js';
import { record } from '../support/reliability.js';
import { esc, leftovers, onlyRun, workDir, type Summary } from '../support/run-e2e.js';
import { watchDirector } from '../support/run-spawn.js';
import { silentServer } from '../support/silent-server.js';

const TEST = 'test/reliability/run-faults.test.ts';

/** Nothing of the case is left: no process on any host besides sshd, no director alive. */
async function nothingLeft(c: TestCluster, cwd: string): Promise<number> {
  const left = await leftOnHosts(c);
  assert.is(left.count, 0, `processes left on the hosts: ${left.which}`);
  assert.equal(processesWorkingIn(cwd), [], 'no director process left');
  return left.count;
}

/** Global options for a clients.conf of `names`, written in `cwd`, with the cluster's key and known_hosts. */
function clientsArgs(c: TestCluster, cwd: string, names: string[]): string[] {
  writeFileSync(join(cwd, 'clients.conf'), `${names.join('\n')}\n`);
  return ['-c', join(cwd, 'clients.conf'), '-i', c.cluster.identity, '--known-hosts', c.cluster.knownHosts];
}

const seconds = (ms: number) => (Math.abs(ms) < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

// ---- a client that accepts TCP but never speaks SSH ------------------------------------------

const CONNECT_TIMEOUT_S = 2;

interface SilentCase {
  id: string;
  /** As the table shows it. */
  shown: string;
  argv: string[];
  /** The documented exit status when one client cannot be reached. */
  code: number;
  /** What the output says about the silent client and the served ones. */
  check(r: CliResult, silent: string, served: string[], cwd: string): void;
}

/**
 * Runs a command on host 0, a silent port and host 1 with --connect-timeout 2. The silent
 * server times how long director held its connection: the timeout must hold within a second.
 */
async function silentClient(k: SilentCase): Promise<void> {
  const c = await sharedCluster();
  const silent = await silentServer('127.0.0.77');
  try {
    const cwd = workDir('silent');
    const name = `127.0.0.77:${silent.port}`;
    const served = [c.hosts[0]!.name, c.hosts[1]!.name];
    const args = clientsArgs(c, cwd, [served[0]!, name, served[1]!]);
    const started = Date.now();
    const r = await runDirector([...args, '--connect-timeout', String(CONNECT_TIMEOUT_S), ...k.argv], { cwd, timeoutMs: 30_000 });
    const wallMs = Date.now() - started;
    assert.is(r.code, k.code, r.stdout + r.stderr);
    k.check(r, name, served, cwd);
    // One connection (a timeout is not retried), dropped by director after the timeout. ssh2
    // starts its clock just before the TCP connect, so the server may see a hair under 2 s.
    const held = silent.heldMs();
    assert.is(silent.connections(), 1, 'one attempt');
    assert.is(held.length, 1, 'director hung up on the silent client');
    const heldMs = held[0]!;
    assert.ok(heldMs >= CONNECT_TIMEOUT_S * 1000 - 100 && heldMs < CONNECT_TIMEOUT_S * 1000 + 1000, `held ${heldMs} ms`);
    const processesLeft = await nothingLeft(c, cwd);
    record({
      id: k.id,
      area: 'fault',
      case: `${k.shown}: a client accepts TCP but never speaks SSH`,
      does: 'reports that client as a connect timeout when --connect-timeout expires; the others are served',
      processesLeft,
      detectMs: heldMs,
      figure: `--connect-timeout ${CONNECT_TIMEOUT_S}: dropped after ${seconds(heldMs)}, exit ${r.code} after ${seconds(wallMs)}`,
      test: TEST,
    });
  } finally {
    await silent.close();
  }
}

test('status --ssh: a port that accepts TCP but never speaks SSH is a connect timeout', () =>
  silentClient({
    id: 'silent-client-status',
    shown: 'status --ssh',
    argv: ['status', '--ssh'],
    code: 1,
    check(r, silent, served) {
      const s = esc(silent);
      assert.match(r.stdout, new RegExp(`Client: ${s} ON \\([\\d.]+ ms\\) SSH connect-timeout: no SSH handshake within ${CONNECT_TIMEOUT_S}s`));
      for (const h of served) assert.match(r.stdout, new RegExp(`Client: ${esc(h)} ON .* SSH OK`));
      assert.match(r.stdout, new RegExp(`2 ok, 1 failed: ${s} \\(1\\) connect timeout`));
    },
  }),
);

test('exec: a silent client is a connect timeout (exit 4); the others run the command', () =>
  silentClient({
    id: 'silent-client-exec',
    shown: 'exec',
    argv: ['exec', '--output', 'out', '--', 'echo "ran $DIRECTOR_HOST_INDEX"'],
    code: 4,
    check(r, silent, served, cwd) {
      assert.match(r.stdout, new RegExp(`\\[FAILURE\\] ${esc(silent)} connect timeout: no SSH handshake within ${CONNECT_TIMEOUT_S}s`));
      assert.match(r.stdout, new RegExp(`^${esc(served[0]!)}: ran 0$`, 'm'));
      assert.match(r.stdout, new RegExp(`^${esc(served[1]!)}: ran 2$`, 'm'));
      const { summary } = onlyRun(join(cwd, 'out', 'exec'));
      assert.equal(summary.clients.map((x) => x.state), ['success', 'unreachable', 'success']);
      assert.is(summary.clients[1]?.error?.kind, 'connect-timeout');
      assert.is(summary.exitCode, 4);
    },
  }),
);

test('mkdir: a silent client is a connect timeout (exit 1); the others get the folder', () =>
  silentClient({
    id: 'silent-client-mkdir',
    shown: 'mkdir',
    argv: ['mkdir', '~/silent-case', `d${process.pid}`],
    code: 1,
    check(r, silent, served) {
      assert.match(r.stdout, new RegExp(`failed ~/silent-case/d${process.pid} @${esc(silent)}: connect timeout: no SSH handshake within ${CONNECT_TIMEOUT_S}s`));
      for (const h of served) assert.match(r.stdout, new RegExp(`created ~/silent-case/d${process.pid} @${esc(h)}`));
    },
  }),
);

// ---- a command that never ends, and director stopped mid-run ---------------------------------

/** The remote command every case below leaves running until it is stopped. */
const FOREVER = 'sleep 1000';
/** A script whose process tree has a child in the background and a loop in the foreground. */
const TREE_SCRIPT = `#!/bin/sh\necho ready\necho kept > "$DIRECTOR_OUTPUT_DIR/part.txt"\n${FOREVER} &\nwhile :; do sleep 0.1; done\n`;
const TIMEOUT_S = 2;

interface Stopped {
  /** Per host, ms from the moment it should have stopped to the moment FOREVER was gone. */
  stopMs: number[];
  processesLeft: number;
}

/**
 * After a run that had to stop FOREVER on every host: it ran everywhere, it is gone
 * everywhere, no temporary folder and no process of the case is left.
 */
async function stoppedEverywhere(c: TestCluster, cwd: string, watch: ReturnType<typeof watchHosts>, stopAt: (startedAt: number) => number): Promise<Stopped> {
  const hosts = await watch.stop();
  const stopMs = hosts.map((h, i) => {
    assert.ok(h.startedAt !== undefined, `${FOREVER} ran on host ${i}`);
    assert.ok(h.goneAt !== undefined, `${FOREVER} was stopped on host ${i}`);
    return h.goneAt - stopAt(h.startedAt);
  });
  c.hosts.forEach((h, i) => assert.equal(leftovers(h.tmp), [], `temporaries removed on host ${i}`));
  return { stopMs, processesLeft: await nothingLeft(c, cwd) };
}

/** The run's summary.json, checked for what every stopped client must say. */
function summaryOf(base: string, c: TestCluster, state: string, exitCode: number): { dir: string; summary: Summary } {
  const run = onlyRun(base);
  assert.is(run.summary.exitCode, exitCode);
  assert.equal(run.summary.clients.map((x) => x.client), c.hosts.map((h) => h.name));
  assert.ok(run.summary.clients.every((x) => x.state === state), JSON.stringify(run.summary.clients.map((x) => x.state)));
  return run;
}

/** A case of a command stopped on every host: what runs, and what it leaves on the director. */
interface StopCase {
  id: string;
  /** As the table shows it. */
  shown: string;
  argv: string[];
  /** Where its run folder goes, under the working folder. */
  outputBase: string;
  /** Host i's stdout before the stop. */
  stdout(i: number): string;
  /** Whether it wrote part.txt under DIRECTOR_OUTPUT_DIR before the stop. */
  wrotePart: boolean;
}

/** The gathered output is on the director, though the command never finished. */
function gathered(dir: string, c: TestCluster, k: StopCase): void {
  c.hosts.forEach((h, i) => {
    assert.is(readFileSync(join(dir, h.name, 'stdout'), 'utf8'), k.stdout(i), 'the output gathered before the stop is written');
    if (k.wrotePart) assert.is(readFileSync(join(dir, h.name, 'files', 'part.txt'), 'utf8'), 'kept\n', 'what the command wrote is fetched');
  });
}

async function timedOut(k: StopCase): Promise<void> {
  const c = await sharedCluster();
  const cwd = workDir(k.id);
  writeFileSync(join(cwd, 'tree.sh'), TREE_SCRIPT);
  const watch = watchHosts(c, (cmd) => cmd === FOREVER);
  const started = Date.now();
  const r = await runDirector([...c.args(), '-t', String(TIMEOUT_S), ...k.argv], { cwd, timeoutMs: 30_000 });
  const wallMs = Date.now() - started;
  assert.is(r.code, 3, r.stdout + r.stderr);
  for (const h of c.hosts) assert.match(r.stdout, new RegExp(`\\[FAILURE\\] ${esc(h.name)} timed out: after ${TIMEOUT_S}s`));
  const { stopMs, processesLeft } = await stoppedEverywhere(c, cwd, watch, (startedAt) => startedAt + TIMEOUT_S * 1000);
  // Not before the deadline (allowing for /proc's 10 ms clock), and soon after it.
  for (const ms of stopMs) assert.ok(ms > -100 && ms < 5000, `stopped ${ms} ms after the deadline`);
  const { dir, summary } = summaryOf(join(cwd, k.outputBase), c, 'timeout', 3);
  assert.ok(summary.clients.every((x) => x.timedOut && x.error?.kind === 'timeout'));
  gathered(dir, c, k);
  const slowest = Math.max(...stopMs);
  record({
    id: k.id,
    area: 'fault',
    case: `${k.shown} never ends (-t ${TIMEOUT_S})`,
    does: 'kills the whole remote process tree of the command at the deadline, checks none is left, and reports the client as timed out (exit 3)',
    processesLeft,
    detectMs: slowest,
    figure: `killed ${seconds(slowest)} after the deadline (slowest of ${stopMs.length} hosts); exit 3 after ${seconds(wallMs)}`,
    test: TEST,
  });
}

const EXEC_FOREVER = { shown: `exec -- ${FOREVER}`, argv: ['exec', '--output', 'out', '--', FOREVER], outputBase: 'out/exec', stdout: () => '', wrotePart: false };
const RUN_TREE = { shown: 'run: a script with a background child and a loop', argv: ['run', 'tree.sh'], outputBase: 'output/tree.sh', stdout: () => 'ready\n', wrotePart: true };

test('-t: a command that never ends is killed on every host at the deadline (exit 3)', () => timedOut({ id: 'exec-timeout', ...EXEC_FOREVER }));

test('-t: a script\'s background child and foreground loop are all killed (exit 3)', () => timedOut({ id: 'run-timeout-tree', ...RUN_TREE }));

async function signalled(sig: 'SIGINT' | 'SIGTERM', k: StopCase): Promise<void> {
  const c = await sharedCluster();
  const cwd = workDir(k.id);
  writeFileSync(join(cwd, 'tree.sh'), TREE_SCRIPT);
  const watch = watchHosts(c, (cmd) => cmd === FOREVER);
  const w = watchDirector([...c.args(), ...k.argv], { cwd });
  for (let i = 0; i < c.hosts.length; i++) await w.seen(`${c.hosts[i]!.name}: ${k.stdout(i)}`);
  await watch.allSeen();
  const signalledAt = Date.now();
  w.child.kill(sig);
  const r = await w.done;
  const exitMs = Date.now() - signalledAt;
  const code = sig === 'SIGINT' ? 130 : 143;
  assert.is(r.code, code, r.stdout + r.stderr);
  assert.match(r.stderr, sig === 'SIGINT' ? /interrupted: stopping remote commands/ : /terminated: stopping remote commands/);
  const { stopMs, processesLeft } = await stoppedEverywhere(c, cwd, watch, () => signalledAt);
  const { dir, summary } = summaryOf(join(cwd, k.outputBase), c, 'interrupted', code);
  assert.is(summary.interrupted, true);
  gathered(dir, c, k);
  // Prompt: the remote kill is one round trip; generous slack for a busy 2-core machine.
  assert.ok(exitMs < 8000, `director exited ${exitMs} ms after ${sig}`);
  const slowest = Math.max(...stopMs);
  record({
    id: k.id,
    area: 'fault',
    case: `${sig} to director during ${k.shown} on every host`,
    does: `stops the remote commands, fetches their output, writes summary.json and exits ${code}`,
    processesLeft,
    detectMs: exitMs,
    figure: `exit ${code} ${seconds(exitMs)} after the signal; remote commands gone after ${seconds(slowest)}`,
    test: TEST,
  });
}

test('SIGINT (Ctrl-C) during exec: remote commands stopped, output and summary.json written, exit 130', () =>
  signalled('SIGINT', {
    id: 'sigint-exec',
    shown: `exec of ${FOREVER}`,
    argv: ['exec', '--output', 'out', '--', `echo "ready $DIRECTOR_HOST_INDEX"; echo kept > "$DIRECTOR_OUTPUT_DIR/part.txt"; ${FOREVER}`],
    outputBase: 'out/exec',
    stdout: (i) => `ready ${i}\n`,
    wrotePart: true,
  }));

test('SIGTERM during run: the script\'s whole tree stopped, output and summary.json written, exit 143', () =>
  signalled('SIGTERM', { id: 'sigterm-run', ...RUN_TREE, shown: 'run of a script with a background child and a loop' }));

test('SIGINT while a client is still in its SSH handshake: director stops at once, not at the connect timeout', async () => {
  const c = await sharedCluster();
  const silent = await silentServer('127.0.0.77');
  try {
    const cwd = workDir('sigint-handshake');
    const name = `127.0.0.77:${silent.port}`;
    const args = clientsArgs(c, cwd, [...c.hosts.map((h) => h.name), name]);
    const watch = watchHosts(c, (cmd) => cmd === FOREVER);
    const connectTimeoutS = 60;
    const w = watchDirector([...args, '--connect-timeout', String(connectTimeoutS), 'exec', '--output', 'out', '--', `echo ready; ${FOREVER}`], { cwd });
    for (const h of c.hosts) await w.seen(`${h.name}: ready\n`);
    await watch.allSeen();
    const signalledAt = Date.now();
    w.child.kill('SIGINT');
    const r = await w.done;
    const exitMs = Date.now() - signalledAt;
    assert.is(r.code, 130, r.stdout + r.stderr);
    assert.ok(exitMs < 8000, `director exited ${exitMs} ms after SIGINT (connect timeout ${connectTimeoutS} s)`);
    assert.match(r.stdout, new RegExp(`\\[FAILURE\\] ${esc(name)} interrupted: not connected: interrupted`));
    assert.equal(silent.heldMs().length, 1, 'director hung up on the silent client');
    const { stopMs, processesLeft } = await stoppedEverywhere(c, cwd, watch, () => signalledAt);
    const { summary } = onlyRun(join(cwd, 'out', 'exec'));
    assert.is(summary.exitCode, 130);
    assert.equal(summary.clients.map((x) => x.state), ['interrupted', 'interrupted', 'interrupted', 'interrupted', 'interrupted']);
    record({
      id: 'sigint-during-handshake',
      area: 'fault',
      case: 'SIGINT while one client is stuck in its SSH handshake (--connect-timeout 60)',
      does: 'drops that handshake at once, stops the others\' commands and exits 130',
      processesLeft,
      detectMs: exitMs,
      figure: `exit 130 ${seconds(exitMs)} after the signal; remote commands gone after ${seconds(Math.max(...stopMs))}`,
      test: TEST,
    });
  } finally {
    await silent.close();
  }
});

test('SIGINT while clients wait for a -p slot: their command never starts ("not started: interrupted"), exit 130', async () => {
  const c = await sharedCluster();
  const cwd = workDir('sigint-slot');
  const marker = `slot-${process.pid}-${Date.now()}`;
  const w = watchDirector([...c.args(['-p', '1']), 'exec', '--', `echo ${marker} > /tmp/${marker}-$DIRECTOR_HOST_INDEX; echo ready; ${FOREVER}`], { cwd });
  await w.seen(': ready\n');
  w.child.kill('SIGINT');
  const r = await w.done;
  assert.is(r.code, 130, r.stdout + r.stderr);
  const ran = c.hosts.filter((h) => readdirSync(h.tmp).some((n) => n.startsWith(marker)));
  assert.is(ran.length, 1, `the command ran on ${ran.map((h) => h.name).join(', ')}`);
  const notStarted = c.hosts.filter((h) => !ran.includes(h));
  for (const h of notStarted) assert.match(r.stdout, new RegExp(`\\[FAILURE\\] ${esc(h.name)} interrupted: not started: interrupted`));
  for (const h of c.hosts) for (const n of readdirSync(h.tmp).filter((x) => x.startsWith(marker))) rmSync(join(h.tmp, n), { force: true });
});

test.run();
