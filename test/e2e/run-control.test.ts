// Time limits and clients that are down: the exit status says why and no remote process is
// left. (A time limit's kill and Ctrl-C/SIGTERM, timed on the hosts: test/reliability/run-faults.test.ts.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { sharedCluster, startCluster } from '../support/cluster.js';
import { esc, onlyRun, workDir } from '../support/run-e2e.js';
import { processesWith } from '../support/proc.js';
import { distinctiveSleep } from '../support/run-spawn.js';

test('-t: a command that ends in time is not touched; mixed results pick exit 3 over 5', async () => {
  const c = await sharedCluster();
  const cwd = workDir('exec-mixed');
  const sleep = distinctiveSleep();
  const r = await runDirector([...c.args(), '-t', '2', 'exec', '--', `case $DIRECTOR_HOST_INDEX in 0) echo ok;; 1) ${sleep};; 2) exit 9;; 3) true;; esac`], { cwd });
  assert.is(r.code, 3, r.stdout);
  assert.match(r.stdout, /^2 ok, 2 failed: \S+ \(1\) timed out; \S+ \(1\) remote exit$/m);
  assert.equal(processesWith(sleep), []);
});

test('a client down (nothing listens on its port) is unreachable: exit 4, the others run; 4 wins over 3 and 5', async () => {
  const c = await sharedCluster();
  const cwd = workDir('exec-down');
  const conf = join(cwd, 'clients.conf');
  writeFileSync(conf, `${c.hosts[0]!.name}\n127.0.0.78:1\n${c.hosts[1]!.name}\n`);
  const args = ['-c', conf, '-i', c.cluster.identity, '--known-hosts', c.cluster.knownHosts];
  const r = await runDirector([...args, 'exec', '--output', 'out', '--', 'echo "up $DIRECTOR_HOST_INDEX"'], { cwd });
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
