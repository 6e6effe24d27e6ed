// director status against real sshd hosts, an unanswering host in a network namespace
// and a wrong key (a silent TCP port: test/reliability/run-faults.test.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ed25519Pair } from '../../src/sandbox/cluster.js';
import { runDirector } from '../support/cli.js';
import { sharedCluster } from '../support/cluster.js';
import { deadHost, netnsSupported } from '../support/netns.js';
import { tempDir } from '../support/temp.js';

const tmp = tempDir('director-status-');

test('status: every live host is ON, in clients.conf order, exit 0', async () => {
  const c = await sharedCluster();
  const r = await runDirector([...c.args(), 'status']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.is(lines[0], 'Determining online status of clients...');
  c.hosts.forEach((h, i) => assert.match(lines[i + 1] ?? '', new RegExp(`^Client: ${h.name.replace(/\./g, '\\.')} ON \\(\\d+\\.\\d+ ms\\)$`)));
  assert.match(r.stdout, /4 ok, 0 failed/);
});

test('status --ssh logs in to each host; --json gives one document', async () => {
  const c = await sharedCluster();
  const r = await runDirector([...c.args(), '--json', 'status', '--ssh']);
  assert.is(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { ok: boolean; clients: Array<{ client: string; on: boolean; ssh: { ok: boolean } }> };
  assert.is(doc.ok, true);
  assert.equal(doc.clients.map((x) => x.client), c.hosts.map((h) => h.name));
  assert.ok(doc.clients.every((x) => x.on && x.ssh.ok));
});

test('status: a host that does not answer is OFF within seconds, the rest ON, exit 1', async () => {
  if (!netnsSupported()) {
    console.log('  (skipped: network namespaces need root)');
    return;
  }
  const c = await sharedCluster();
  const dead = deadHost();
  try {
    const conf = join(tmp, 'with-dead.conf');
    writeFileSync(conf, `${c.hosts[0]!.name}\n${dead.address}\n${c.hosts[1]!.name}\n`);
    const started = Date.now();
    const r = await runDirector(['-c', conf, '-i', c.cluster.identity, '--known-hosts', c.cluster.knownHosts, 'status']);
    const took = Date.now() - started;
    assert.is(r.code, 1, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[1] ?? '', / ON /);
    assert.is(lines[2], `Client: ${dead.address} OFF`);
    assert.match(lines[3] ?? '', / ON /);
    assert.match(r.stdout, new RegExp(`2 ok, 1 failed: ${dead.address.replace(/\./g, '\\.')}`));
    assert.ok(took < 8000, `took ${took} ms`);

    // --ssh to the dead host: a connect timeout, reported, not a hang.
    const s = await runDirector(['-c', conf, '-i', c.cluster.identity, '--known-hosts', c.cluster.knownHosts, '--connect-timeout', '2', 'status', '--ssh']);
    assert.is(s.code, 1);
    assert.match(s.stdout, new RegExp(`Client: ${dead.address.replace(/\./g, '\\.')} OFF SSH connect-timeout`));
  } finally {
    dead.cleanup();
  }
});

test('status --ssh: a refused port is unreachable; a wrong key is an auth failure', async () => {
  const c = await sharedCluster();
  const wrong = join(tmp, 'wrong_key');
  writeFileSync(wrong, ed25519Pair('wrong').private, { mode: 0o600 });
  const conf = join(tmp, 'refused.conf');
  writeFileSync(conf, `${c.hosts[0]!.name}\n127.0.0.78:1\n`);
  const r = await runDirector(['-c', conf, '-i', c.cluster.identity, '--known-hosts', c.cluster.knownHosts, 'status', '--ssh']);
  assert.is(r.code, 1);
  assert.match(r.stdout, /127\.0\.0\.78:1 ON .* SSH unreachable: connection refused/);

  const a = await runDirector([...c.args(), '-i', wrong, '--json', 'status', '--ssh']);
  assert.is(a.code, 1);
  const doc = JSON.parse(a.stdout) as { clients: Array<{ ssh: { ok: boolean; error?: { kind: string } } }> };
  assert.ok(doc.clients.every((x) => x.ssh.ok === false && x.ssh.error?.kind === 'auth'), a.stdout);
});

test.run();
