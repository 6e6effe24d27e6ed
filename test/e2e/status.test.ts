// director status against real sshd hosts, an unanswering host in a network namespace
// and a wrong key (a silent TCP port: test/reliability/run-faults.test.ts). Behaviour
// through the command function; the CLI for its lines, --json and the exit code.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { status, type StatusResult } from '../../src/commands/status.js';
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
  const doc = JSON.parse(r.stdout) as { ok: boolean; clients: Array<{ host: string; on: boolean; ssh: { ok: boolean } }> };
  assert.is(doc.ok, true);
  assert.equal(doc.clients.map((x) => x.host), c.hosts.map((h) => h.name));
  assert.ok(doc.clients.every((x) => x.on && x.ssh.ok));
});

/** Per client, in clients.conf order: ON/OFF, and with --ssh "ssh ok" or the error's kind. */
const states = (r: StatusResult) =>
  r.clients.map((x) => [x.on ? 'ON' : 'OFF', x.ssh === undefined ? '' : x.ssh.ok ? 'ssh ok' : `ssh ${x.ssh.error.kind}`].join(' ').trim());

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
    // --ssh to the dead host: a connect timeout, reported, not a hang. (First: once the
    // pings have given up on its address, the kernel answers a connect with "no route".)
    const s = await status({ ssh: true }, { fleet: c.fleet({ clients: conf, connectTimeout: '2' }) });
    assert.is(s.exitCode, 1);
    assert.equal(states(s), ['ON ssh ok', 'OFF ssh connect-timeout', 'ON ssh ok']);

    const started = Date.now();
    const r = await status({ ssh: false }, { fleet: c.fleet({ clients: conf }) });
    const took = Date.now() - started;
    assert.is(r.exitCode, 1);
    assert.equal(r.clients.map((x) => x.client.name), [c.hosts[0]!.name, dead.address, c.hosts[1]!.name]);
    assert.equal(states(r), ['ON', 'OFF', 'ON']);
    assert.equal(r.clients.map((s) => s.ok), [true, false, true], 'two ok, the dead host failed');
    assert.is(r.clients[1]!.received, 0);
    assert.ok(took < 8000, `took ${took} ms`);
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
  const r = await status({ ssh: true }, { fleet: c.fleet({ clients: conf }) });
  assert.is(r.exitCode, 1);
  assert.equal(states(r), ['ON ssh ok', 'ON ssh unreachable']);
  const refused = r.clients[1]!.ssh;
  assert.match(refused && !refused.ok ? refused.error.message : '', /connection refused/);

  const a = await status({ ssh: true }, { fleet: c.fleet({ identity: wrong }) });
  assert.is(a.exitCode, 1);
  assert.equal(states(a), ['ON ssh auth', 'ON ssh auth', 'ON ssh auth', 'ON ssh auth']);
});

test('status CLI: an OFF host and a failed login are named on their lines and in the tally', async () => {
  const c = await sharedCluster();
  const conf = join(tmp, 'cli-refused.conf');
  writeFileSync(conf, `${c.hosts[0]!.name}\n127.0.0.78:1\n`);
  const r = await runDirector(['-c', conf, '-i', c.cluster.identity, '--known-hosts', c.cluster.knownHosts, 'status', '--ssh']);
  assert.is(r.code, 1);
  assert.match(r.stdout, /127\.0\.0\.78:1 ON .* SSH unreachable: connection refused/);
  assert.match(r.stdout, /1 ok, 1 failed: 127\.0\.0\.78:1/);
});

test.run();
