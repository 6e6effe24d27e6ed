// Node sets on the command line against real sshd hosts: `-w` names the clients when there is
// no clients.conf (user@host:port and ssh_config aliases, as clients.conf lines), selects from
// clients.conf when there is one, `-x` leaves clients out; a bad set is exit 2 before anything
// is contacted. `director hosts` expands, counts and folds.
import { existsSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fold } from '../../src/nodeset/fold.js';
import { runDirector } from '../support/cli.js';
import { sharedCluster, type TestCluster } from '../support/cluster.js';
import { workDir, type Summary } from '../support/run-e2e.js';
import { silentServer, type SilentServer } from '../support/silent-server.js';

// Counts connections: a refused set must send nothing.
let watch: SilentServer;
test.before(async () => {
  watch = await silentServer('127.0.0.81');
});
test.after(async () => {
  await watch.close();
});

/** Key and known_hosts of the cluster, and no clients.conf. */
const noConf = (c: TestCluster) => ['-i', c.cluster.identity, '--known-hosts', c.cluster.knownHosts];

/** exec's --json: summary.json's fields in the envelope, each client named by `host`. */
type ExecJson = Omit<Summary, 'clients'> & { clients: Array<Summary['clients'][number] & { host: string }> };

async function execJson(args: string[], cwd: string): Promise<ExecJson> {
  const r = await runDirector([...args, '--json', 'exec', '--', 'echo "$DIRECTOR_HOST_INDEX/$DIRECTOR_HOST_COUNT"'], { cwd });
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ExecJson;
}

test('exec -w without clients.conf: the names are the clients (user@host:port, operators, -x), in the order written', async () => {
  const c = await sharedCluster();
  const cwd = workDir('nodes-direct');
  assert.not.ok(existsSync(join(cwd, 'config', 'clients.conf')));
  const [h0, h1, h2, h3] = c.hosts.map((h) => h.name) as [string, string, string, string];
  const me = userInfo().username;
  const doc = await execJson([...noConf(c), '-w', `${me}@${h0},${h3},${h1},${h2}!${h3}`, '-w', h3, '-x', h1], cwd);
  assert.equal(
    doc.clients.map((x) => [x.host, x.state, x.output?.stdout]),
    [
      [`${me}@${h0}`, 'success', '0/3\n'],
      [h2, 'success', '1/3\n'],
      [h3, 'success', '2/3\n'],
    ],
  );
});

test('exec -w alias[1-4]!alias3 without clients.conf: ssh_config aliases give HostName and Port', async () => {
  const c = await sharedCluster();
  const cwd = workDir('nodes-alias');
  const config = join(cwd, 'ssh_config');
  writeFileSync(config, c.hosts.map((h, i) => `Host alias${i + 1}\n  HostName ${h.address}\n  Port ${h.port}\n`).join(''));
  const doc = await execJson([...noConf(c), '-F', config, '-w', 'alias[1-4]!alias3'], cwd);
  assert.equal(
    doc.clients.map((x) => [x.host, x.state]),
    [
      ['alias1', 'success'],
      ['alias2', 'success'],
      ['alias4', 'success'],
    ],
  );
});

test('exec -w with clients.conf selects from it: names or bare hosts, operators; indexes count the selected', async () => {
  const c = await sharedCluster();
  const cwd = workDir('nodes-conf');
  const [h0, h1, h2, h3] = c.hosts.map((h) => h.name) as [string, string, string, string];
  const doc = await execJson([...c.args(), '-w', `${h3},${h0},${h2}^${h0}`, '-H', h1, '-x', h2], cwd);
  assert.equal(
    doc.clients.map((x) => [x.host, x.output?.stdout]),
    [
      [h1, '0/2\n'],
      [h3, '1/2\n'],
    ],
  );
});

test('a bad set, a name not among the clients, a group without clients.conf: exit 2, nothing contacted', async () => {
  const c = await sharedCluster();
  const cwd = workDir('nodes-bad');
  const bait = `127.0.0.81:${watch.port}`;
  const conf = join(cwd, 'with-bait.conf');
  writeFileSync(conf, `${bait}\n[web]\n${c.hosts[0]!.name}\n`);
  const before = watch.connections();
  const cases: Array<[string[], RegExp]> = [
    [[...noConf(c), '-w', `${bait},bad$host`], /-w: bad host name: "bad\$host"/],
    [[...noConf(c), '-w', `${bait},@web`], /-w ".*": @web: groups come from clients\.conf, and there is none \(.*config\/clients\.conf\)/],
    [[...noConf(c), '-g', 'web', '-w', bait], /-g web: groups come from clients\.conf/],
    [[...noConf(c), '-w', `${bait},node*`], /"node\*": a glob needs a clients\.conf/],
    [[...noConf(c), '-w', `${bait},n[1-200000]`], /"n\[1-200000\]" expands to 200000 names, more than the limit of 100000/],
    [[...noConf(c), '-w', `${bait},,x`], /missing node set operand before ","/],
    [[...noConf(c), '-w', `${bait},x[3-1]`], /reversed range "3-1"/],
    [[...noConf(c), '-w', `${bait},x:99999`], /-w: bad port/],
    [['-c', conf, '-w', `${bait},nosuch[1-3],nosuch5`], /-w ".*": not among the clients: nosuch\[1-3,5\] \(4\)/],
    [['-c', conf, '-x', 'nosuch'], /-x "nosuch": not among the clients: nosuch \(1\)/],
    [['-c', conf, '-g', 'db'], /-g "@db": no group "db" in .*with-bait\.conf \(groups: web\)/],
    [['-c', conf, '-w', `${bait},x*`], /no client matches "x\*"/],
    [['-c', conf, '-w', bait, '-x', bait], /no clients left after -w\/-g\/-x/],
  ];
  for (const [args, why] of cases) {
    const r = await runDirector([...args, '--connect-timeout', '1', 'exec', '--', 'true'], { cwd });
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, why);
  }
  assert.is(watch.connections(), before, 'a refused set contacted a client');
});

test('hosts: expand, count, fold a set (as nodeset -e/-c/-f), groups from clients.conf, -x; no set: the selected clients', async () => {
  const c = await sharedCluster();
  const cwd = workDir('nodes-hosts');
  const conf = join(cwd, 'groups.conf');
  writeFileSync(conf, 'lone\n[web]\nweb[01-03]\n[db]\ndb[1-2]\n');
  const run = async (args: string[]) => {
    const r = await runDirector(args, { cwd });
    assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  assert.is(await run(['hosts', 'node[1-3,10]!node2']), 'node1\nnode3\nnode10\n');
  assert.is(await run(['hosts', '-c', 'node[1-100000]!node[5-10]']), '99994\n');
  assert.is(await run(['hosts', '-f', 'node[001-200]!node181']), 'node[001-180,182-200]\n');
  assert.is(await run(['hosts', 'r[1-2]n[1-2]', '--fold']), 'r[1-2]n[1-2]\n');
  assert.is(await run(['-c', conf, 'hosts', '-f', '@web,@db!db2']), 'db1,web[01-03]\n');
  assert.is(await run(['-c', conf, '-x', 'web02', 'hosts', '-f', '@*']), 'db[1-2],lone,web[01,03]\n');
  assert.is(await run(['-c', conf, '-g', 'web', 'hosts']), 'web01\nweb02\nweb03\n');
  assert.is(await run([...c.args(), '-x', c.hosts[0]!.name, 'hosts', '-c']), '3\n');
  assert.is(await run([...c.args(), 'hosts', '-f']), `${fold(c.hosts.map((h) => h.name))}\n`);
  const j = JSON.parse(await run(['--json', 'hosts', 'n[2,1]'])) as unknown;
  assert.equal(j, {
    schemaVersion: 1,
    command: 'hosts',
    ok: true,
    exitCode: 0,
    clients: [
      { host: 'n1', ok: true, state: 'named' },
      { host: 'n2', ok: true, state: 'named' },
    ],
    count: 2,
    folded: 'n[1-2]',
  });
  const both = await runDirector(['hosts', '-e', '-f', 'n1'], { cwd });
  assert.is(both.code, 2);
  assert.match(both.stderr, /choose one of -e, -c and -f/);
  const bad = await runDirector(['hosts', 'n[1-3'], { cwd });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /hosts "n\[1-3": unbalanced "\["/);
  const mixed = await runDirector(['-c', conf, '-w', 'lone', 'hosts', 'n1'], { cwd });
  assert.is(mixed.code, 2);
  assert.match(mixed.stderr, /give a node set or -w\/-g, not both/);
});

test.run();
