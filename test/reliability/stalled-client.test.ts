// A client that stops answering mid-command without closing anything: its per-connection
// sshd stopped with SIGSTOP (test/support/stall.ts). director must not wait on it: after a
// time limit or Ctrl-C it exits within the kill grace plus a small bound and says that the
// kill could not be confirmed (never "killed"); during data or mkdir the liveness check
// (ServerAliveInterval × ServerAliveCountMax from a -F ssh_config) reports the client as lost,
// and so it does during exec with no time limit, set by -o as with ssh. The other clients
// finish as usual. (Behind a bastion: test/reliability/ssh-routing.test.ts.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { makeData } from '../support/data-files.js';
import { describe, hostNamespace, hostProcessesMatching, processesLeft } from '../support/proc.js';
import { record } from '../support/reliability.js';
import { esc, workDir } from '../support/run-e2e.js';
import { watchDirector } from '../support/run-spawn.js';
import { slowStart, stallInLogin, stallWhenRunning, waitForRunning, type Stall } from '../support/stall.js';
import { KILL_GRACE_MS } from '../../src/ssh/exec-channel.js';

const TEST = 'test/reliability/stalled-client.test.ts';
/** What director may take beyond the kill grace or the liveness limit: closing, writing, exiting. */
const SLACK_MS = 2500;
const STALLED = 1;

let c: TestCluster;
test.before(async () => {
  c = await startCluster(3);
});
test.after(async () => {
  await c.stop();
});

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const name = (i: number) => c.hosts[i]!.name;
const others = () => c.hosts.map((_, i) => i).filter((i) => i !== STALLED);
/** A sleep no other test runs, to find on the host. */
const sleepFor = (s: number) => `sleep ${s}.${String(process.pid).padStart(6, '0')}`;

/** A -F ssh_config with a quick liveness check: a silent client is lost after 3 s. */
function aliveConfig(cwd: string): string[] {
  const file = join(cwd, 'ssh_config');
  writeFileSync(file, 'Host *\n  ServerAliveInterval 1\n  ServerAliveCountMax 3\n');
  return ['-F', file];
}

async function withStall<T>(stalled: Promise<Stall>, run: Promise<T>): Promise<{ result: T; stall: Stall; stalledAt: number; endedAt: number }> {
  let stall: Stall | undefined;
  try {
    stall = await stalled;
    const stalledAt = Date.now();
    const result = await run;
    return { result, stall, stalledAt, endedAt: Date.now() };
  } finally {
    stall?.resume();
    await nothingLeft();
  }
}

/** Once resumed, the stalled sshd finds its connection gone and ends: nothing is left on any host. */
async function nothingLeft(): Promise<void> {
  for (const i of c.hosts.keys()) assert.equal(describe(await processesLeft(c, i, undefined, 5000)), '', `processes left on host ${i}`);
}

test('exec -t: a client whose sshd stopped mid-command; director exits at the deadline plus the kill grace, "the kill could not be confirmed"', async () => {
  const cwd = workDir('stall-timeout');
  const timeoutS = 5;
  const sleep = sleepFor(2);
  const run = runDirector([...c.args(), '-t', String(timeoutS), 'exec', '--', `${sleep}; echo done`], { cwd, timeoutMs: 60_000 });
  // From the moment the command was seen running (the -t clock had started by then), so a
  // slow start on a loaded machine does not count against the bound.
  const { result: r, stalledAt, endedAt } = await withStall(stallWhenRunning(c, STALLED, sleep), run);
  const wallMs = endedAt - stalledAt;
  assert.is(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`\\[FAILURE\\] ${esc(name(STALLED))} timed out: after ${timeoutS}s; the kill could not be confirmed: the client stopped answering`));
  assert.not.match(r.stdout, /was killed/);
  for (const i of others()) {
    assert.match(r.stdout, new RegExp(`^${esc(name(i))}: done$`, 'm'));
    assert.match(r.stdout, new RegExp(`\\[SUCCESS\\] ${esc(name(i))}`));
  }
  const boundMs = timeoutS * 1000 + KILL_GRACE_MS + SLACK_MS;
  assert.ok(wallMs < boundMs, `director exited after ${wallMs} ms (bound ${boundMs} ms)`);
  const afterDeadline = wallMs - timeoutS * 1000;
  record({
    id: 'stall-exec-timeout',
    area: 'fault',
    case: `exec -t ${timeoutS}: one client's sshd stopped (SIGSTOP) while its command runs`,
    does: 'gives the kill the kill grace, then drops that client as "timed out …; the kill could not be confirmed: the client stopped answering"; the others finish',
    detectMs: afterDeadline,
    figure: `exit 3 ${seconds(afterDeadline)} after the deadline (kill grace ${seconds(KILL_GRACE_MS)})`,
    test: TEST,
  });
});

test('Ctrl-C with a client whose sshd stopped: director exits within the kill grace; that client\'s kill is unconfirmed, the others killed', async () => {
  const cwd = workDir('stall-sigint');
  const sleep = sleepFor(60);
  const w = watchDirector([...c.args(), 'exec', '--', `echo ready; ${sleep}`], { cwd });
  for (const i of c.hosts.keys()) await w.seen(`${name(i)}: ready\n`);
  let stall: Stall | undefined;
  try {
    stall = await stallWhenRunning(c, STALLED, sleep);
    for (const i of others()) await waitForRunning(c, i, sleep);
    const signalledAt = Date.now();
    w.child.kill('SIGINT');
    const r = await w.done;
    const exitMs = Date.now() - signalledAt;
    assert.is(r.code, 130, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`\\[FAILURE\\] ${esc(name(STALLED))} interrupted: the kill could not be confirmed: the client stopped answering`));
    for (const i of others()) assert.match(r.stdout, new RegExp(`\\[FAILURE\\] ${esc(name(i))} interrupted: the remote command was killed`));
    const boundMs = KILL_GRACE_MS + SLACK_MS;
    assert.ok(exitMs < boundMs, `director exited ${exitMs} ms after SIGINT (bound ${boundMs} ms)`);
    record({
      id: 'stall-exec-sigint',
      area: 'fault',
      case: "SIGINT to director while one client's sshd is stopped (SIGSTOP)",
      does: 'kills the others\' commands, gives up on that client after the kill grace ("the kill could not be confirmed") and exits 130',
      detectMs: exitMs,
      figure: `exit 130 ${seconds(exitMs)} after the signal (kill grace ${seconds(KILL_GRACE_MS)})`,
      test: TEST,
    });
  } finally {
    stall?.resume();
    // The kill never reached that host (which is what director reported): its command
    // outlives the connection, as `ssh host sleep` killed the same way would.
    for (const pid of hostProcessesMatching(hostNamespace(c, STALLED), new RegExp(esc(sleep)))) process.kill(pid, 'SIGKILL');
    await nothingLeft();
  }
});

interface LostCase {
  id: string;
  shown: string;
  argv(cwd: string): string[];
  /** The stalled client's failure as the output shows it. */
  failure: RegExp;
  /** Every other client's success as the output shows it. */
  success(i: number): RegExp;
}

/** A quick command (data, mkdir) made slow to start on the stalled host, stopped there mid-command. */
async function lostMidCommand(k: LostCase): Promise<void> {
  const cwd = workDir(k.id);
  const slow = slowStart(c, STALLED);
  try {
    const run = runDirector([...c.args(aliveConfig(cwd)), ...k.argv(cwd)], { cwd, timeoutMs: 60_000 });
    const { result: r, stall, endedAt } = await withStall(stallWhenRunning(c, STALLED, slow.marker), run);
    const exitMs = endedAt - stall.at;
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, k.failure);
    for (const i of others()) assert.match(r.stdout, k.success(i));
    const boundMs = 3000 + SLACK_MS;
    assert.ok(exitMs < boundMs, `director exited ${exitMs} ms after the stall (ServerAliveInterval 1 × 3; bound ${boundMs} ms)`);
    record({
      id: k.id,
      area: 'fault',
      case: `${k.shown}: one client's sshd stopped (SIGSTOP) mid-command, ServerAliveInterval 1 × ServerAliveCountMax 3`,
      does: 'reports that client as "connection lost (nothing received for 3s …)"; the others succeed',
      detectMs: exitMs,
      figure: `exit 1 ${seconds(exitMs)} after the stall`,
      test: TEST,
    });
  } finally {
    slow.undo();
  }
}

test('data: a client that stops answering mid-batch is lost after ServerAliveInterval × ServerAliveCountMax', () => {
  const made = makeData(Array.from({ length: 6 }, (_, i) => `f_${i + 1}.txt`), () => 64 * 1024);
  return lostMidCommand({
    id: 'stall-data',
    shown: 'data',
    argv: () => ['data', made.dir, `stall${process.pid}`],
    failure: new RegExp(`${esc(name(STALLED))}.*connection lost \\(nothing received for 3s`),
    success: (i) => new RegExp(`${esc(name(i))}.*(ok|OK|verified|placed|SUCCESS)`),
  });
});

test('mkdir: a client that stops answering mid-command is lost after ServerAliveInterval × ServerAliveCountMax', () =>
  lostMidCommand({
    id: 'stall-mkdir',
    shown: 'mkdir',
    argv: () => ['mkdir', '~/stall-case', `d${process.pid}`],
    failure: new RegExp(`failed ~/stall-case/d${process.pid} @${esc(name(STALLED))}: .*connection lost \\(nothing received for 3s`),
    success: (i) => new RegExp(`created ~/stall-case/d${process.pid} @${esc(name(i))}`),
  }));

test('exec without -t: a client that stops answering mid-command is lost after -o ServerAliveInterval=1 -o ServerAliveCountMax=2', async () => {
  const cwd = workDir('stall-exec-alive');
  const sleep = sleepFor(2);
  const run = runDirector([...c.args(['-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2']), 'exec', '--', `${sleep}; echo done`], { cwd, timeoutMs: 60_000 });
  const { result: r, stall, endedAt } = await withStall(stallWhenRunning(c, STALLED, sleep), run);
  const exitMs = endedAt - stall.at;
  assert.is(r.code, 4, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`\\[FAILURE\\] ${esc(name(STALLED))} unreachable: connection lost \\(nothing received for 2s \\(ServerAliveInterval 1 × ServerAliveCountMax 2\\)\\)`));
  for (const i of others()) {
    assert.match(r.stdout, new RegExp(`^${esc(name(i))}: done$`, 'm'));
    assert.match(r.stdout, new RegExp(`\\[SUCCESS\\] ${esc(name(i))}`));
  }
  const boundMs = 2000 + SLACK_MS;
  assert.ok(exitMs < boundMs, `director exited ${exitMs} ms after the stall (ServerAliveInterval 1 × 2; bound ${boundMs} ms)`);
  record({
    id: 'stall-exec-alive',
    area: 'fault',
    case: "exec (no time limit): one client's sshd stopped (SIGSTOP) mid-command, -o ServerAliveInterval=1 -o ServerAliveCountMax=2",
    does: 'reports that client as "connection lost (nothing received for 2s …)" and exits 4; the others finish',
    detectMs: exitMs,
    figure: `exit 4 ${seconds(exitMs)} after the stall`,
    test: TEST,
  });
});

test('status --ssh: a client that stops answering during login fails at the connect timeout; the others are OK', async () => {
  const cwd = workDir('stall-status');
  const connectS = 3;
  const run = runDirector([...c.args(aliveConfig(cwd)), '--connect-timeout', String(connectS), 'status', '--ssh'], { cwd, timeoutMs: 60_000 });
  const { result: r, stall, endedAt } = await withStall(stallInLogin(c, STALLED), run);
  const exitMs = endedAt - stall.at;
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`Client: ${esc(name(STALLED))} ON .* SSH connect-timeout`));
  for (const i of others()) assert.match(r.stdout, new RegExp(`Client: ${esc(name(i))} ON .* SSH OK`));
  const boundMs = connectS * 1000 + SLACK_MS;
  assert.ok(exitMs < boundMs, `director exited ${exitMs} ms after the stall (bound ${boundMs} ms)`);
  record({
    id: 'stall-status',
    area: 'fault',
    case: `status --ssh: one client's sshd stopped (SIGSTOP) during login (--connect-timeout ${connectS})`,
    does: 'reports that client as a connect timeout; the others are OK',
    detectMs: exitMs,
    figure: `exit 1 ${seconds(exitMs)} after the stall`,
    test: TEST,
  });
});

test.run();
