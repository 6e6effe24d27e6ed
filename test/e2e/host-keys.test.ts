// Host key checking against real sshd hosts: unknown recorded (and usable by OpenSSH's ssh),
// strict refusal, changed key refused with file:line and both fingerprints.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';

let c: TestCluster;

test.before(async () => {
  c = await startCluster(2);
});
test.after(async () => {
  await c.stop();
});

test('accept-new records unknown hosts in OpenSSH format; ssh then accepts them strictly', async () => {
  const kh = join(c.dir, 'fresh_known_hosts');
  const r = await runDirector([...c.argsWithKnownHosts(kh), 'status', '--ssh']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /added \[127\.0\.\d+\.1\]:\d+ \(ssh-ed25519 SHA256:/);
  const lines = readFileSync(kh, 'utf8').trim().split('\n');
  assert.is(lines.length, 2);
  const h = c.hosts[0]!;
  const out = execFileSync('ssh', ['-i', c.cluster.identity, '-o', `UserKnownHostsFile=${kh}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-p', String(h.port), h.address, 'echo ok'], { encoding: 'utf8' });
  assert.is(out.trim(), 'ok');
  // A second run adds nothing.
  await runDirector([...c.argsWithKnownHosts(kh), 'status', '--ssh']);
  assert.is(readFileSync(kh, 'utf8').trim().split('\n').length, 2);
});

test('strict refuses a host that is not in known_hosts', async () => {
  const kh = join(c.dir, 'empty_known_hosts');
  writeFileSync(kh, '');
  const r = await runDirector([...c.argsWithKnownHosts(kh), '--host-key-checking', 'strict', 'status', '--ssh']);
  assert.is(r.code, 1);
  assert.match(r.stdout, /SSH host-key: .* is not in .*empty_known_hosts/);
  assert.is(readFileSync(kh, 'utf8'), '');
});

test('hashed known_hosts entries are honoured', async () => {
  const kh = join(c.dir, 'hashed_known_hosts');
  writeFileSync(kh, readFileSync(c.cluster.knownHosts));
  execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
  assert.match(readFileSync(kh, 'utf8'), /^\|1\|/);
  const r = await runDirector([...c.argsWithKnownHosts(kh), '--host-key-checking', 'strict', 'status', '--ssh']);
  assert.is(r.code, 0, r.stdout);
});

test('a changed host key is refused, naming host, file:line and both fingerprints; others go on', async () => {
  const kh = join(c.dir, 'changed_known_hosts');
  writeFileSync(kh, readFileSync(c.cluster.knownHosts));
  const before = c.hosts[1]!.hostKeyPublic;
  await c.cluster.rekeyHost(1);
  const after = c.hosts[1]!.hostKeyPublic;
  const fp = (pub: string) => execFileSync('ssh-keygen', ['-lf', '-'], { input: pub, encoding: 'utf8' }).split(' ')[1]!;
  const r = await runDirector([...c.argsWithKnownHosts(kh), 'status', '--ssh']);
  assert.is(r.code, 1);
  const h = c.hosts[1]!;
  assert.match(r.stdout, `HOST KEY CHANGED for [${h.address}]:${h.port}`);
  assert.match(r.stdout, `${kh}:2`);
  assert.ok(r.stdout.includes(fp(before)) && r.stdout.includes(fp(after)), r.stdout);
  assert.match(r.stdout, /1 ok, 1 failed: .* \(host key\)/);
  assert.is(readFileSync(kh, 'utf8'), readFileSync(c.cluster.knownHosts, 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
});

test.run();
