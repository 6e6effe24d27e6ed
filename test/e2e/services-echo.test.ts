// director start, ping --remote and shutdown as a user runs them: output lines, --json, exit
// codes; a client whose sshd forbids forwarding is DOWN with that reason; a bad port.conf or
// --bind stops everything before any client is contacted.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { freePorts } from '../support/local-env.js';
import { onHosts, reapAtExit } from '../support/services.js';
import { tempDir } from '../support/temp.js';

let c: TestCluster;
let portsFile: string;
let ports: number[];
const dir = tempDir('director-echo-cli-');

test.before(async () => {
  c = await startCluster(2);
  reapAtExit(c);
  ports = await freePorts(2);
  portsFile = join(dir, 'port.conf');
  writeFileSync(portsFile, `${ports.join('\n')}\n`);
});
test.after(async () => {
  await c.stop();
});

const esc = (s: string) => s.replace(/[.[\]]/g, '\\$&');

test('director start, ping --remote (text and --json), shutdown, then DOWN (connection refused) and exit 1', async () => {
  const start = await runDirector([...c.args(), '--ports', portsFile, 'start', '--bind', 'client']);
  assert.is(start.code, 0, start.stdout + start.stderr);
  for (const h of c.hosts) {
    const at = ports.map((p) => `${h.address}:${p}`).join(', ');
    assert.match(start.stdout, new RegExp(`^Client ${esc(h.name)}: echo service started \\(node, pid \\d+\\) on ${esc(at)}$`, 'm'));
  }
  const again = await runDirector([...c.args(), '--ports', portsFile, 'start', '--bind', 'client']);
  assert.is(again.code, 1);
  assert.match(again.stdout, /echo already running \(pid \d+\): not started again/);
  assert.equal(onHosts(c, 'echo-node').map((p) => p.length), [1, 1]);

  const ping = await runDirector([...c.args(), '--ports', portsFile, 'ping', '--remote', '-n', '2']);
  assert.is(ping.code, 0, ping.stdout + ping.stderr);
  for (const h of c.hosts) {
    for (const p of ports) {
      assert.match(ping.stdout, new RegExp(`^Client ${esc(h.name)} port ${p}: Echo sent from ${esc(h.address)}:${p} \\(2 replies, min/avg/max [\\d.]+/[\\d.]+/[\\d.]+ ms\\)$`, 'm'));
    }
  }
  const json = await runDirector([...c.args(), '--ports', portsFile, '--json', 'ping', '--remote']);
  const doc = JSON.parse(json.stdout) as { ok: boolean; clients: Array<{ host: string; state: string; address: string; ports: Array<{ ok: boolean; reply: string }> }> };
  assert.ok(doc.ok);
  assert.equal(doc.clients.map((r) => [r.host, r.state, r.address]), c.hosts.map((h) => [h.name, 'up', h.address]));
  assert.ok(doc.clients.every((r) => r.ports.every((x) => x.ok && /^Echo sent from /.test(x.reply))), json.stdout);

  const down = await runDirector([...c.args(), '--ports', portsFile, 'shutdown']);
  assert.is(down.code, 0, down.stdout);
  for (const h of c.hosts) assert.match(down.stdout, `${h.name}: echo stopped`);
  assert.equal(onHosts(c, 'echo-node').map((p) => p.length), [0, 0]);
  const refused = await runDirector([...c.args(), '--ports', portsFile, 'ping', '--remote']);
  assert.is(refused.code, 1);
  for (const h of c.hosts) assert.match(refused.stdout, `Client ${h.name} port ${ports[0]}: DOWN (connection refused)`);
});

test("a client whose sshd forbids TCP forwarding: DOWN with the server's refusal", async () => {
  const closed = await startCluster(1, { sshdConfig: ['AllowTcpForwarding no'] });
  try {
    const r = await runDirector([...closed.args(), '--ports', portsFile, 'ping', '--remote']);
    assert.is(r.code, 1);
    assert.match(r.stdout, /DOWN \(the client's SSH server does not allow forwarding/);
  } finally {
    await closed.stop();
  }
});

test('a bad port.conf or --bind is exit 2 before any client is contacted', async () => {
  const bad = join(dir, 'bad.conf');
  writeFileSync(bad, 'not-a-port\n');
  const noContact = ['-c', '/nonexistent/clients.conf'];
  for (const args of [
    ['--ports', bad, 'start'],
    ['--ports', portsFile, 'start', '--bind', 'a b'],
    ['--ports', portsFile, 'start', '--idle-timeout', '0'],
    ['--ports', bad, 'ping', '--remote'],
    ['shutdown', '--grace', 'x'],
  ]) {
    const r = await runDirector([...noContact, ...args]);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.not.match(r.stderr, /nonexistent/, `${args.join(' ')}: refused before clients.conf was read`);
  }
});

test.run();
