// Clients behind bastions, on a topology of the suite's own (test/support/bastion-net.ts):
// the inner hosts listen where only a connection through bastion b1 (and b2) reaches them,
// and a decoy that counts who came stands at each of their addresses on this side, so a
// client that went around its bastion is seen. ProxyJump (ssh_config, Include, Match, -J, two
// hops), ProxyCommand (nc in the namespace, ssh -W), one bastion connection for all its
// clients, every command end to end that way, status, -o, -v against ssh -G, a refused
// keyword. (Bastions that fail: test/reliability/bastion-faults.test.ts.)
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { data } from '../../src/commands/data.js';
import { mkdir } from '../../src/commands/mkdir.js';
import { run } from '../../src/commands/run.js';
import { status } from '../../src/commands/status.js';
import { DEFAULT_REMOTE_ROOT } from '../../src/transfer/placement-record.js';
import { DEFAULT_EXTENSIONS } from '../../src/transfer/scan.js';
import { B1, B2, INNER, startBastionNet, type BastionNet } from '../support/bastion-net.js';
import { answeredByOwnHosts, execOn, JUMP_B1 } from '../support/bastion-run.js';
import { runDirector } from '../support/cli.js';
import type { FleetOptions } from '../support/cluster.js';
import { makeData } from '../support/data-files.js';
import { processesWith } from '../support/proc.js';
import { record } from '../support/reliability.js';
import { collectOutput, esc } from '../support/run-e2e.js';
import { within } from '../support/timeout.js';
import { waitUntil } from '../support/wait.js';

const TEST = 'test/reliability/ssh-routing.test.ts';
let net: BastionNet;
/** The inner hosts' aliases: the clients of most cases. */
let inner: string[];

test.before(async () => {
  net = await startBastionNet(8);
  inner = net.inner.map((i) => net.alias(i));
});
test.after(async () => {
  await net.stop();
});

test('ProxyJump from ssh_config, an Include, a Match block, -J alias and -J user@host:port: every client through b1', async () => {
  const b1 = net.host(B1);
  const cases: Array<{ name: string; lines: string[]; files?: Record<string, string>; o?: FleetOptions }> = [
    { name: 'ProxyJump', lines: JUMP_B1 },
    { name: 'Include', lines: ['Include @DIR@/conf.d/*.conf'], files: { 'conf.d/jump.conf': 'Host inner*\n  ProxyJump b1\n' } },
    { name: 'Match', lines: ['@HOSTS@', 'Match host 127.0.213.*', '  ProxyJump b1'] },
    { name: '-J b1', lines: [], o: { jump: 'b1' } },
    { name: '-J root@address:port', lines: [], o: { jump: `root@${b1.address}:${b1.port}` } },
  ];
  for (const k of cases) {
    const s = net.setup(k.lines, inner);
    for (const [rel, text] of Object.entries(k.files ?? {})) {
      mkdirSync(join(s.dir, rel, '..'), { recursive: true });
      writeFileSync(join(s.dir, rel), text);
    }
    answeredByOwnHosts(net, await execOn(s, 'cat ~/.name', k.o), inner, k.name);
  }
});

test('two hops (ProxyJump b1,b2 and -J b1,b2), and one connection per bastion for all 8 clients, also with -p 2', async () => {
  const cases: Array<{ name: string; lines: string[]; o?: FleetOptions; hops: number[] }> = [
    { name: 'ProxyJump b1,b2', lines: ['Host inner*', '  ProxyJump b1,b2'], hops: [B1, B2] },
    { name: '-J b1,b2', lines: [], o: { jump: 'b1,b2' }, hops: [B1, B2] },
    { name: 'ProxyJump b1, -p 2', lines: JUMP_B1, o: { parallel: '2' }, hops: [B1] },
  ];
  for (const k of cases) {
    const before = [net.accepted(B1), net.accepted(B2)];
    answeredByOwnHosts(net, await execOn(net.setup(k.lines, inner), 'cat ~/.name', k.o), inner, k.name);
    const opened = [net.accepted(B1) - before[0]!, net.accepted(B2) - before[1]!];
    assert.equal(opened, [1, k.hops.includes(B2) ? 1 : 0], `${k.name}: connections b1 and b2 accepted`);
  }
  record({
    id: 'bastion-shared-connection',
    area: 'fault',
    case: `${inner.length} clients behind one bastion (ProxyJump, -J, two hops, -p 2)`,
    does: 'opens one connection per bastion for the run and a forwarded channel per client on it',
    figure: `1 bastion connection for ${inner.length} clients (sshd's own count)`,
    test: TEST,
  });
});

test('ProxyCommand: nc inside the namespace, ssh -W through b1, and -o ProxyJump=none before a ProxyCommand; nothing left running', async () => {
  const b1 = net.host(B1);
  const nc = `ip netns exec ${net.ns} busybox nc %h %p`;
  const sshW = [
    'ssh -F none', `-i ${net.c.cluster.identity}`, '-o IdentitiesOnly=yes', `-o UserKnownHostsFile=${net.c.cluster.knownHosts}`,
    '-o GlobalKnownHostsFile=/dev/null', '-o StrictHostKeyChecking=yes', '-o BatchMode=yes', `-p ${b1.port}`, `-W %h:%p root@${b1.address}`,
  ].join(' ');
  const cases: Array<{ name: string; lines: string[]; o?: FleetOptions }> = [
    { name: 'ProxyCommand nc', lines: ['Host inner*', `  ProxyCommand ${nc}`] },
    { name: 'ProxyCommand ssh -W', lines: ['Host inner*', `  ProxyCommand ${sshW}`] },
    // OpenSSH runs the command here; connecting straight to HostName would be the bypass.
    { name: '-o ProxyJump=none, then ProxyCommand', lines: ['Host inner*', `  ProxyCommand ${nc}`], o: { sshOption: ['ProxyJump=none'] } },
  ];
  for (const k of cases) answeredByOwnHosts(net, await execOn(net.setup(k.lines, inner), 'cat ~/.name', k.o), inner, k.name);
  // A ProxyCommand that cannot connect: its own words and exit status, never a direct connection.
  const refused = await execOn(net.setup(['Host inner*', `  ProxyCommand ip netns exec ${net.ns} busybox nc %h 1`], inner), 'true');
  for (const h of refused.r.hosts) {
    assert.match(`${h.state} ${h.error?.message}`, /^unreachable ProxyCommand "ip netns exec .* busybox nc 127\.0\.213\.\d+ 1" \(exit status 1\): .*[Cc]onnection refused/, h.client.name);
  }
  assert.is(net.bypasses(), 0);
  await waitUntil(() => processesWith('busybox nc 127.0.213.').length + processesWith('-W 127.0.213.').length === 0, 5000, 'the ProxyCommands ended');
});

test('mkdir, data (md5-verified files land on the inner hosts), run and exec through a bastion', async () => {
  const s = net.setup(JUMP_B1, inner);
  const before = net.accepted(B1);
  const dirName = `d${process.pid}`;
  const m = await within(60_000, 'mkdir', mkdir({ path: '~/through-bastion', dirName }, { fleet: s.fleet() }));
  assert.is(m.exitCode, 0);
  for (const i of net.inner) assert.ok(existsSync(join(net.host(i).home, 'through-bastion', dirName)), net.alias(i));

  const made = makeData(Array.from({ length: 16 }, (_, i) => `tweets_${i + 1}.txt`));
  const project = `bastion${process.pid}`;
  const d = await within(
    60_000,
    'data',
    data(
      { dir: made.dir, project, remoteRoot: DEFAULT_REMOTE_ROOT, placement: 'mod', extensions: DEFAULT_EXTENSIONS, keep: false, force: false, stateDir: join(s.dir, '.director'), wait: false },
      { fleet: s.fleet() },
    ),
  );
  assert.is(d.exitCode, 0);
  assert.is(d.verified, made.files.size);
  const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
  for (const [rel, bytes] of made.files) {
    const holders = net.inner.filter((i) => {
      const f = join(net.host(i).home, 'director/data', project, rel);
      return existsSync(f) && md5(readFileSync(f)) === md5(bytes);
    });
    assert.is(holders.length, 1, `${rel} on one inner host with its md5`);
    assert.not.ok(existsSync(join(made.dir, rel)), `${rel} removed locally after its verification`);
  }

  const script = join(s.dir, 'who.sh');
  writeFileSync(script, '#!/bin/sh\necho "run $DIRECTOR_HOST_INDEX $(cat ~/.name)"\n');
  const out = collectOutput();
  const r = await within(
    60_000,
    'run',
    run({ script, args: [], outputRoot: join(s.dir, 'output'), stateDir: join(s.dir, '.director'), keepRemote: false }, { fleet: s.fleet(), events: out.events }),
  );
  assert.is(r.exitCode, 0);
  inner.forEach((c, i) => assert.is(out.text(i), `run ${i} ${c}\n`));
  answeredByOwnHosts(net, await execOn(s, 'cat ~/.name'), inner, 'exec');
  assert.is(net.accepted(B1) - before, 4, 'one bastion connection per command');
});

test('status: routed clients are logged in to through the bastion, never pinged; a bastion that is down makes them OFF', async () => {
  const s = net.setup(JUMP_B1, inner);
  // 127.0.213.x answers ICMP here (every 127/8 address does): a ping would have said ON with a time.
  const up = await within(60_000, 'status', status({ ssh: false }, { fleet: s.fleet() }));
  assert.is(up.exitCode, 0);
  for (const c of up.clients) {
    assert.equal([c.through, c.on, c.received, c.rttMs, c.ssh?.ok], ['bastion b1', true, 0, undefined, true], c.client.name);
  }
  const cli = await runDirector([...s.args(), 'status'], { timeoutMs: 60_000 });
  assert.is(cli.code, 0, cli.stdout + cli.stderr);
  for (const c of inner) assert.match(cli.stdout, new RegExp(`^Client: ${c} ON \\(through bastion b1, no ICMP\\) SSH OK$`, 'm'));
  await net.c.cluster.stopHost(B1);
  try {
    const down = await within(60_000, 'status', status({ ssh: true }, { fleet: s.fleet() }));
    assert.is(down.exitCode, 1);
    for (const c of down.clients) {
      assert.equal([c.on, c.received, c.ssh?.ok === false && c.ssh.error.message], [false, 0, 'bastion b1: connection refused'], c.client.name);
    }
  } finally {
    await net.c.cluster.startHost(B1);
  }
  assert.is(net.bypasses(), 0);
});

test('-o Port= and -o User= win over the files, as with ssh; a clients.conf user@host:port wins over -o', async () => {
  const s = net.setup(['Host inner*', '  Port 1', '  User nosuch', ...JUMP_B1], inner.slice(0, 2));
  const h = net.host(INNER);
  const opts = [`Port=${h.port}`, 'User=root'];
  // inner2 keeps the wrong Port from the file under -o Port (for inner1): it must fail, as ssh would.
  const got = await execOn(s, 'cat ~/.name', { sshOption: opts });
  assert.is(got.r.hosts[0]!.state, 'success');
  assert.is(got.text(0), 'inner1\n');
  assert.match(`${got.r.hosts[1]!.error?.message}`, new RegExp(`^bastion b1: cannot reach 127\\.0\\.213\\.2:${h.port}: connection refused`));
  const t = net.setup(['Host inner*', '  Port 1', '  User nosuch', ...JUMP_B1], [`root@inner2:${net.host(INNER + 1).port}`]);
  const line = await execOn(t, 'cat ~/.name', { sshOption: ['User=nosuch2', 'Port=2'] });
  assert.is(line.text(0), 'inner2\n', 'clients.conf user and port win');
});

/** user@hostname:port of each hop of a -v line, the client first, then its bastions outward. */
function verboseChain(stderr: string, client: string): string[] {
  const line = stderr.split('\n').find((l) => l.startsWith(`${client}: `));
  if (line === undefined) throw new Error(`no -v line for ${client}:\n${stderr}`);
  const head = line.slice(client.length + 2).split(';')[0]!;
  return head.split(' through bastion ');
}

/** The same chain by OpenSSH: `ssh -G` for the client, then for each ProxyJump hop (last hop first), as ssh -W would run it. */
async function sshGChain(config: string, client: string, extra: string[]): Promise<string[]> {
  const g = async (args: string[]): Promise<Map<string, string>> => {
    const r = await runTool('ssh', ['-G', '-F', config, ...args]);
    return new Map(r.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
  };
  const [user, host, port] = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(client)!.slice(1);
  const me = await g([...extra, ...(user ? ['-l', user] : []), ...(port ? ['-p', port] : []), host!]);
  const chain = [`${me.get('user')}@${me.get('hostname')}:${me.get('port')}`];
  let jump = me.get('proxyjump');
  while (jump !== undefined) {
    const hops = jump.split(',');
    const [hu, hh, hp] = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(hops.pop()!)!.slice(1);
    const hop = await g([...(hops.length > 0 ? ['-J', hops.join(',')] : []), ...(hu ? ['-l', hu] : []), ...(hp ? ['-p', hp] : []), hh!]);
    chain.push(`${hop.get('user')}@${hop.get('hostname')}:${hop.get('port')}`);
    jump = hop.get('proxyjump');
  }
  return chain;
}

function runTool(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile(cmd, args, (err, stdout) => (err ? reject(err) : resolve(stdout))));
}

test('-v: each client\'s user@hostname:port and bastions agree with ssh -G on a table of configs (Host, Match, Include, clients.conf, -o, -J)', async () => {
  const b1 = net.host(B1);
  const p = (i: number) => net.host(INNER + i).port;
  const s = net.setup(
    [
      'Host r-direct', `  HostName ${b1.address}`, `  Port ${b1.port}`,
      'Host r-jump', '  HostName 127.0.213.1', `  Port ${p(0)}`, '  ProxyJump b1',
      'Host r-two', '  HostName 127.0.213.2', `  Port ${p(1)}`, '  User root', `  ProxyJump root@b1:${b1.port},b2`,
      'Host r-match', '  HostName 127.0.213.3',
      'Match originalhost r-inc', '  Include @DIR@/inc.conf',
      'Host 127.0.213.5', `  Port ${p(4)}`,
      'Host 127.0.213.*', '  ProxyJump b1',
      '@HOSTS@',
      'Match host 127.0.213.3', `  Port ${p(2)}`, '  ProxyJump b1',
      // Hops are resolved without the command line's -o (as the ssh -W that ssh runs for them).
      'Host b1 b2', '  User root',
      'Host *', '  User nosuch',
    ],
    ['r-direct', 'r-jump', 'r-two', 'r-match', 'r-inc', '127.0.213.5', `root@127.0.213.6:${p(5)}`],
  );
  writeFileSync(join(s.dir, 'inc.conf'), `HostName 127.0.213.4\nPort ${p(3)}\nUser root\nProxyJump b1\n`);
  const clients = readFileSync(s.clients, 'utf8').trim().split('\n');
  for (const extra of [[], ['-J', 'b1']]) {
    const r = await runDirector([...s.args(['-v', '-o', 'User=root', ...extra]), 'exec', '--', 'cat ~/.name'], { timeoutMs: 60_000 });
    for (const c of clients) assert.equal(verboseChain(r.stderr, c), await sshGChain(s.config, c, ['-o', 'User=root', ...extra]), `${c} ${extra.join(' ')}`);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.not.match(r.stderr, /PRIVATE KEY|AAAA/, 'no key material under -v');
  }
  assert.is(net.bypasses(), 0);
});

test('a refused keyword (BindAddress in the bastion\'s block, or -o) stops with file:line, exit 2, before any connection; --ignore-ssh-option lets it pass', async () => {
  const s = net.setup([...JUMP_B1, 'Host b1', '  BindAddress 10.252.0.1'], inner);
  const before = net.accepted(B1);
  const r = await runDirector([...s.args(), 'exec', '--', 'true'], { timeoutMs: 60_000 });
  assert.is(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`${esc(s.config)}:4: BindAddress for inner1 \\(through b1\\): .*nothing was contacted`));
  const o = await runDirector([...s.args(['-o', 'BindAddress=127.0.0.1']), 'exec', '--', 'true'], { timeoutMs: 60_000 });
  assert.is(o.code, 2, o.stdout + o.stderr);
  assert.match(o.stderr, /BindAddress for inner1: .*nothing was contacted/);
  assert.is(net.accepted(B1), before, 'the bastion was not contacted');
  const ok = await runDirector([...s.args(['--ignore-ssh-option', 'BindAddress']), 'exec', '--', 'cat ~/.name'], { timeoutMs: 60_000 });
  assert.is(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^inner1: inner1$/m);
  assert.is(net.bypasses(), 0);
});

test('over the whole file: no connection ever went around a bastion', () => {
  const routed = net.accepted(B1);
  assert.is(net.bypasses(), 0);
  assert.ok(routed > 20, `the bastion carried ${routed} connections`);
  record({
    id: 'bastion-never-bypassed',
    area: 'security',
    case: 'clients only a bastion reaches (ProxyJump from ssh_config, Include, Match; -J; two hops; ProxyCommand nc and ssh -W; -o ProxyJump=none before a ProxyCommand), with a decoy at each inner address on the director\'s side',
    does: 'every connection goes the configured way; a route that fails fails the client, never a direct connection (bastion-faults.test.ts: down, dead, stopped, wrong key, interrupted)',
    figure: `0 connections to the decoys in ${routed} bastion connections`,
    test: TEST,
  });
});

test.run();
