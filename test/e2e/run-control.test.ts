// Time limits, Ctrl-C and clients that are down: the remote processes are really gone
// (checked on each host), what was gathered is written, and the exit status says why.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { sharedCluster, startCluster, type TestCluster } from '../support/cluster.js';
import { esc, leftovers, onlyRun, workDir } from '../support/run-e2e.js';
import { distinctiveSleep, hostCommandLines, processesWith, watchDirector } from '../support/run-spawn.js';

/** Host i's processes whose command line mentions `marker` (e.g. "sleep 4242"). */
function remoteWith(c: TestCluster, i: number, marker: string): string[] {
  return hostCommandLines(c.cluster.processes(i)).filter((l) => l.includes(marker));
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  // uvu has no per-test timeout: this wait ends on its own.
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('-t: on expiry the remote command and its children are killed; the client is reported timed out (exit 3)', async () => {
  const c = await sharedCluster();
  const cwd = workDir('run-timeout');
  // A child in the background and one in the foreground: both must go.
  const sleep = distinctiveSleep();
  writeFileSync(join(cwd, 'slow.sh'), `#!/bin/sh\necho started\n${sleep}1 &\n${sleep}\necho never\n`);
  const seenOnHosts = new Set<number>();
  const spy = setInterval(() => c.hosts.forEach((_, i) => remoteWith(c, i, sleep).length > 0 && seenOnHosts.add(i)), 50);
  const started = Date.now();
  const r = await runDirector([...c.args(), '-t', '1.5', 'run', 'slow.sh'], { cwd, timeoutMs: 30_000 });
  const took = Date.now() - started;
  clearInterval(spy);
  assert.is(seenOnHosts.size, 4, 'the sleep ran under every host\'s sshd');
  assert.is(r.code, 3, r.stdout + r.stderr);
  assert.ok(took < 10_000, `took ${took} ms`);
  for (const h of c.hosts) assert.match(r.stdout, new RegExp(`\\[FAILURE\\] ${esc(h.name)} timed out: after 1\\.5s`));
  for (let i = 0; i < c.hosts.length; i++) {
    assert.equal(remoteWith(c, i, sleep), [], `no sleep left on host ${i}`);
    assert.equal(leftovers(c.hosts[i]!.tmp), [], 'temporaries removed after a timeout too');
  }
  const { dir, summary } = onlyRun(join(cwd, 'output', 'slow.sh'));
  assert.ok(summary.clients.every((x) => x.timedOut && x.state === 'timeout' && x.error?.kind === 'timeout'));
  for (const h of c.hosts) assert.is(readFileSync(join(dir, h.name, 'stdout'), 'utf8'), 'started\n');
  assert.equal(processesWith(sleep), [], 'not re-parented anywhere either');
});

test('-t: a command that ends in time is not touched; mixed results pick exit 3 over 5', async () => {
  const c = await sharedCluster();
  const cwd = workDir('exec-mixed');
  const sleep = distinctiveSleep();
  const r = await runDirector([...c.args(), '-t', '2', 'exec', '--', `case $DIRECTOR_HOST_INDEX in 0) echo ok;; 1) ${sleep};; 2) exit 9;; 3) true;; esac`], { cwd });
  assert.is(r.code, 3, r.stdout);
  assert.match(r.stdout, /^2 ok, 2 failed: .*\(timed out\), .*\(remote exit\)$/m);
  assert.equal(processesWith(sleep), []);
});

test('Ctrl-C: remote processes are stopped, the gathered output and summary.json are written, exit 130', async () => {
  const c = await sharedCluster();
  const cwd = workDir('exec-sigint');
  const sleep = distinctiveSleep();
  const w = watchDirector([...c.args(), 'exec', '-o', 'out', '--', `echo "ready $DIRECTOR_HOST_INDEX"; echo kept > "$DIRECTOR_OUTPUT_DIR/part.txt"; ${sleep}`], { cwd });
  for (let i = 0; i < c.hosts.length; i++) await w.seen(`ready ${i}`);
  for (let i = 0; i < c.hosts.length; i++) await until(`sleep on host ${i}`, () => remoteWith(c, i, sleep).length > 0);
  w.child.kill('SIGINT');
  const r = await w.done;
  assert.is(r.code, 130, r.stdout + r.stderr);
  assert.match(r.stderr, /interrupted/);
  for (let i = 0; i < c.hosts.length; i++) {
    assert.equal(remoteWith(c, i, sleep), [], `host ${i} clean`);
    assert.equal(leftovers(c.hosts[i]!.tmp), []);
  }
  assert.equal(processesWith(sleep), [], 'no survivor anywhere');
  const { dir, summary } = onlyRun(join(cwd, 'out', 'exec'));
  assert.is(summary.interrupted, true);
  assert.is(summary.exitCode, 130);
  c.hosts.forEach((h, i) => {
    assert.is(summary.clients[i]?.state, 'interrupted');
    assert.is(readFileSync(join(dir, h.name, 'stdout'), 'utf8'), `ready ${i}\n`);
    assert.is(readFileSync(join(dir, h.name, 'files', 'part.txt'), 'utf8'), 'kept\n');
  });
});

test('a client down (nothing listens on its port) is unreachable: exit 4, the others run; 4 wins over 3 and 5', async () => {
  const c = await sharedCluster();
  const cwd = workDir('exec-down');
  const conf = join(cwd, 'clients.conf');
  writeFileSync(conf, `${c.hosts[0]!.name}\n127.0.0.78:1\n${c.hosts[1]!.name}\n`);
  const args = ['-c', conf, '-i', c.cluster.identity, '--known-hosts', c.cluster.knownHosts];
  const r = await runDirector([...args, 'exec', '-o', 'out', '--', 'echo "up $DIRECTOR_HOST_INDEX"'], { cwd });
  assert.is(r.code, 4, r.stdout + r.stderr);
  assert.match(r.stdout, /\[FAILURE\] 127\.0\.0\.78:1 unreachable: connection refused/);
  assert.match(r.stdout, new RegExp(`^${esc(c.hosts[0]!.name)}: up 0$`, 'm'));
  assert.match(r.stdout, new RegExp(`^${esc(c.hosts[1]!.name)}: up 2$`, 'm'), 'indexes follow clients.conf, the down one included');
  const { summary } = onlyRun(join(cwd, 'out', 'exec'));
  assert.equal(summary.clients.map((x) => x.state), ['success', 'unreachable', 'success']);
  assert.is(summary.clients[1]?.error?.kind, 'unreachable');
  const sleep = distinctiveSleep();
  const mixed = await runDirector([...args, '-t', '1', 'exec', '--', `[ $DIRECTOR_HOST_INDEX = 0 ] && ${sleep}; exit 5`], { cwd });
  assert.is(mixed.code, 4, mixed.stdout);
  assert.match(mixed.stdout, /timed out.*unreachable.*remote exit|\(timed out\), .*\(unreachable\), .*\(remote exit\)/);
  assert.equal(processesWith(sleep), []);
});

test('a stopped host of its own cluster is unreachable (exit 4) and reported, not a hang', async () => {
  const own = await startCluster(2);
  try {
    const cwd = workDir('run-stopped');
    await own.cluster.stopHost(1);
    writeFileSync(join(cwd, 'hi.sh'), '#!/bin/sh\necho hi\n');
    const r = await runDirector([...own.args(), '--connect-timeout', '3', 'run', 'hi.sh'], { cwd, timeoutMs: 30_000 });
    assert.is(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`\\[FAILURE\\] ${esc(own.hosts[1]!.name)} unreachable`));
    assert.match(r.stdout, new RegExp(`^${esc(own.hosts[0]!.name)}: hi$`, 'm'));
    const { summary } = onlyRun(join(cwd, 'output', 'hi.sh'));
    assert.equal(summary.clients.map((x) => x.state), ['success', 'unreachable']);
  } finally {
    await own.stop();
  }
});

test.run();
