// Clients behind bastions, on a topology of the suite's own (test/support/bastion-net.ts):
// the inner hosts listen where only a connection through bastion b1 (and b2) can reach them,
// and a decoy that counts who came stands at each of their addresses here, so a client that
// went around its bastion is seen. ProxyJump (ssh_config, Include, Match, -J, two hops),
// ProxyCommand (nc in the namespace, ssh -W), one bastion connection for all its clients,
// host keys checked at every hop, a bastion that is down or dies mid-run, Ctrl-C on the way,
// a client that stalls behind a live bastion, and every command end to end that way.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { data } from '../../src/commands/data.js';
import { exec } from '../../src/commands/exec.js';
import { mkdir } from '../../src/commands/mkdir.js';
import { run } from '../../src/commands/run.js';
import { status } from '../../src/commands/status.js';
import type { RunOutcome } from '../../src/run/types.js';
import { DEFAULT_REMOTE_ROOT } from '../../src/transfer/placement-record.js';
import { DEFAULT_EXTENSIONS } from '../../src/transfer/scan.js';
import { B1, B2, INNER, startBastionNet, type BastionNet, type Setup } from '../support/bastion-net.js';
import { runDirector } from '../support/cli.js';
import type { FleetOptions } from '../support/cluster.js';
import { makeData } from '../support/data-files.js';
import { killHost } from '../support/host-control.js';
import { describe, hostNamespace, hostProcessesMatching, processesLeft, processesWith } from '../support/proc.js';
import { record } from '../support/reliability.js';
import { collectOutput, esc } from '../support/run-e2e.js';
import { silentServer } from '../support/silent-server.js';
import { stallSessions, stallWhenRunning } from '../support/stall.js';
import { tempDir } from '../support/temp.js';
import { within } from '../support/timeout.js';
import { waitUntil } from '../support/wait.js';

const TEST = 'test/reliability/ssh-routing.test.ts';
let net: BastionNet;
/** The inner hosts' aliases, the clients of most cases. */
let inner: string[];

test.before(async () => {
  net = await startBastionNet(8);
  inner = net.inner.map((i) => net.alias(i));
});
test.after(async () => {
  await net.stop();
});

const JUMP_B1 = ['Host inner*', '  ProxyJump b1'];
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** exec `words` on the setup's clients; what each printed, by client index. */
async function execOn(s: Setup, words: string, o: FleetOptions = {}): Promise<{ r: RunOutcome; text(i: number): string }> {
  const out = collectOutput();
  const r = await within(60_000, `exec ${words}`, exec({ words: [words], gather: false, keepRemote: false }, { fleet: s.fleet(o), events: out.events }));
  return { r, text: (i) => out.text(i) };
}

/** Every client answered from its own host (its home's .name), and nobody went around a bastion. */
function answeredByOwnHosts(got: { r: RunOutcome; text(i: number): string }, clients: string[], what: string): void {
  assert.equal(
    got.r.hosts.map((h) => `${h.client.name} ${h.state}${h.error ? ` ${h.error.message}` : ''}`),
    clients.map((c) => `${c} success`),
    what,
  );
  clients.forEach((c, i) => assert.is(got.text(i), `${c}\n`, `${what}: ${c} answered`));
  assert.is(net.bypasses(), 0, `${what}: a connection went around the bastion`);
}

/** What each client ended as: `name kind: message`. */
const failures = (r: RunOutcome) => r.hosts.map((h) => `${h.client.name} ${h.error?.kind ?? h.state}: ${h.error?.message ?? ''}`);

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
    answeredByOwnHosts(await execOn(s, 'cat ~/.name', k.o), inner, k.name);
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
    answeredByOwnHosts(await execOn(net.setup(k.lines, inner), 'cat ~/.name', k.o), inner, k.name);
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
  for (const k of cases) answeredByOwnHosts(await execOn(net.setup(k.lines, inner), 'cat ~/.name', k.o), inner, k.name);
  // A ProxyCommand that cannot connect: its own words and exit status, never a direct connection.
  const refused = await execOn(net.setup(['Host inner*', `  ProxyCommand ip netns exec ${net.ns} busybox nc %h 1`], inner), 'true');
  for (const h of refused.r.hosts) {
    assert.match(`${h.state} ${h.error?.message}`, /^unreachable ProxyCommand "ip netns exec .* busybox nc 127\.0\.213\.\d+ 1" \(exit status 1\): .*[Cc]onnection refused/, h.client.name);
  }
  assert.is(net.bypasses(), 0);
  await waitUntil(() => processesWith('busybox nc 127.0.213.').length + processesWith('-W 127.0.213.').length === 0, 5000, 'the ProxyCommands ended');
});

test('a bastion that is down fails every client behind it, "bastion b1: connection refused"; nobody connects straight', async () => {
  const s = net.setup(JUMP_B1, inner);
  const two = net.setup(['Host inner*', '  ProxyJump b1,b2'], inner);
  await net.c.cluster.stopHost(B1);
  try {
    const got = await execOn(s, 'cat ~/.name');
    assert.equal(failures(got.r), inner.map((c) => `${c} unreachable: bastion b1: connection refused`));
    const viaTwo = await execOn(two, 'cat ~/.name');
    assert.equal(failures(viaTwo.r), inner.map((c) => `${c} unreachable: bastion b1: connection refused`));
  } finally {
    await net.c.cluster.startHost(B1);
  }
  await net.c.cluster.stopHost(B2);
  try {
    const b2 = net.host(B2);
    const got = await execOn(two, 'cat ~/.name');
    assert.equal(failures(got.r), inner.map((c) => `${c} unreachable: bastion b1: cannot reach bastion b2 at ${b2.address}:${b2.port}: connection refused`));
  } finally {
    await net.c.cluster.startHost(B2);
  }
  // One inner host down behind a live bastion: that client alone, named by the bastion.
  const down = INNER + 2;
  await net.c.cluster.stopHost(down);
  try {
    const got = await execOn(s, 'cat ~/.name');
    const h = net.host(down);
    assert.equal(
      failures(got.r),
      inner.map((c) => (c === net.alias(down) ? `${c} unreachable: bastion b1: cannot reach ${h.address}:${h.port}: connection refused` : `${c} success: `)),
    );
  } finally {
    await net.c.cluster.startHost(down);
  }
  assert.is(net.bypasses(), 0, 'a connection went around the bastion');
  record({
    id: 'bastion-down',
    area: 'security',
    case: 'ssh_config routes the clients through a bastion that is down (ProxyJump b1, b1,b2; b2 down; one inner host down)',
    does: 'fails every client behind it with "bastion b1: connection refused" (or which hop could not reach which); never connects straight to HostName',
    figure: `${inner.length}/${inner.length} failed naming the bastion, 0 direct connections`,
    test: TEST,
  });
});

test('host keys are checked at every hop: unknown b1 under strict, a changed b2, a changed inner key, and ssh_config-only trust', async () => {
  const write = (dir: string, lines: string[]) => {
    const file = join(dir, 'known_hosts');
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
  const all = net.c.hosts.map((h) => h.index);
  const line = (i: number) => net.knownHostsLine(i);
  const innerBefore = net.inner.map((i) => net.accepted(i));

  // b1 unknown, strict (--host-key-checking): nobody behind it is contacted.
  const s = net.setup(['Host inner*', '  ProxyJump b1,b2'], inner);
  const noB1 = write(s.dir, all.filter((i) => i !== B1).map(line));
  const strict = await execOn(s, 'true', { knownHosts: noB1, hostKeyChecking: 'strict' });
  for (const h of strict.r.hosts) {
    assert.is(h.error?.kind, 'host-key', h.client.name);
    assert.match(h.error!.message, new RegExp(`^bastion b1: \\[${esc(net.host(B1).address)}\\]:${net.host(B1).port} is not in .*strict checking refuses unknown hosts`));
  }
  assert.equal(net.inner.map((i) => net.accepted(i)), innerBefore, 'no inner host was contacted');

  // b2's key changed (another host's key on record): refused even under accept-new.
  const t = net.setup(['Host inner*', '  ProxyJump b1,b2'], inner);
  const badB2 = write(t.dir, all.map((i) => (i === B2 ? net.knownHostsLine(B2, INNER) : line(i))));
  const changed = await execOn(t, 'true', { knownHosts: badB2, hostKeyChecking: 'accept-new' });
  for (const h of changed.r.hosts) {
    assert.is(h.error?.kind, 'host-key', h.client.name);
    assert.match(h.error!.message, /^bastion b2: /);
  }
  assert.equal(net.inner.map((i) => net.accepted(i)), innerBefore, 'no inner host was contacted');

  // One inner host's key changed: that client alone, in its own name.
  const u = net.setup(JUMP_B1, inner);
  const badInner = write(u.dir, all.map((i) => (i === INNER ? net.knownHostsLine(INNER, INNER + 1) : line(i))));
  const one = await execOn(u, 'true', { knownHosts: badInner });
  assert.is(one.r.hosts[0]!.error?.kind, 'host-key');
  assert.not.match(one.r.hosts[0]!.error!.message, /^bastion/);
  assert.ok(one.r.hosts.slice(1).every((h) => h.state === 'success'));

  // Trust from ssh_config alone (no --known-hosts, no --host-key-checking): b1's own block is strict.
  const v = net.setup(['Host b1', '  StrictHostKeyChecking yes', '  UserKnownHostsFile @DIR@/empty', ...JUMP_B1, 'Host *', `  UserKnownHostsFile ${net.c.cluster.knownHosts}`], inner);
  writeFileSync(join(v.dir, 'empty'), '');
  const own = await execOn(v, 'true', { knownHosts: undefined, hostKeyChecking: undefined });
  for (const h of own.r.hosts) assert.match(`${h.error?.kind} ${h.error?.message}`, /^host-key bastion b1: .* is not in .*empty/, h.client.name);
  assert.is(readFileSync(join(v.dir, 'empty'), 'utf8'), '', 'nothing recorded under strict');
  assert.is(net.bypasses(), 0);
  record({
    id: 'bastion-host-key-per-hop',
    area: 'security',
    case: 'host key of a bastion unknown (strict), of the second bastion changed, of one inner host changed, strictness from the bastion\'s own ssh_config block',
    does: 'refuses at the hop whose key is wrong, naming it ("bastion b1: … is not in …"); nobody behind it is contacted',
    figure: '4/4 refused at the right hop, 0 inner hosts contacted behind a refused bastion',
    test: TEST,
  });
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
  answeredByOwnHosts(await execOn(s, 'cat ~/.name'), inner, 'exec');
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

test('a bastion that dies mid-command: every client behind it fails "bastion b1: connection lost", at once', async () => {
  const s = net.setup(JUMP_B1, inner);
  const marker = `sleep 30.${String(process.pid).padStart(6, '0')}`;
  const ready = new Set<number>();
  let allReady: () => void = () => undefined;
  const readyNow = new Promise<void>((resolve) => (allReady = resolve));
  const running = exec(
    { words: [`echo ready; ${marker}`], gather: false, keepRemote: false },
    {
      fleet: s.fleet(),
      events: {
        lines(client) {
          ready.add(client.index);
          if (ready.size === inner.length) allReady();
        },
      },
    },
  );
  let killedAt = 0;
  try {
    await within(30_000, 'every client printed ready', readyNow);
    killedAt = Date.now();
    killHost(net.c.cluster, B1);
    const r = await within(20_000, 'exec after the bastion died', running);
    const tookMs = Date.now() - killedAt;
    for (const h of r.hosts) assert.match(`${h.state} ${h.error?.message}`, /^unreachable bastion b1: connection lost \(/, h.client.name);
    assert.ok(tookMs < 3000, `clients failed ${tookMs} ms after the bastion died`);
    record({
      id: 'bastion-lost-mid-run',
      area: 'fault',
      case: `the bastion's sshd killed while ${inner.length} clients behind it run a command`,
      does: 'fails every client behind it with "bastion b1: connection lost (…)"; no hang, no retry around it',
      detectMs: tookMs,
      figure: `${inner.length}/${inner.length} failed ${seconds(tookMs)} after the kill`,
      test: TEST,
    });
  } finally {
    await running.catch(() => undefined);
    // The inner sshds lost their peer; the commands (no terminal, no SIGHUP) outlive them.
    for (const i of net.inner) for (const pid of hostProcessesMatching(hostNamespace(net.c, i), new RegExp(esc(marker)))) process.kill(pid, 'SIGKILL');
    await net.c.cluster.startHost(B1);
  }
});

test('a bastion that stops answering (its sshd stopped) mid-command: its clients are lost within their keepalive bound; no hang', async () => {
  const s = net.setup(JUMP_B1, inner);
  const marker = `sleep 4.${String(process.pid).padStart(6, '0')}`;
  const ready = new Set<number>();
  let allReady: () => void = () => undefined;
  const readyNow = new Promise<void>((resolve) => (allReady = resolve));
  const running = exec(
    { words: [`echo ready; ${marker}; echo done`], gather: false, keepRemote: false },
    {
      fleet: s.fleet({ sshOption: ['ServerAliveInterval=1', 'ServerAliveCountMax=2'] }),
      events: {
        lines(client) {
          ready.add(client.index);
          if (ready.size === inner.length) allReady();
        },
      },
    },
  );
  await within(30_000, 'every client printed ready', readyNow);
  const stall = stallSessions(net.c, B1);
  try {
    const r = await within(20_000, 'exec with its bastion stopped', running);
    const tookMs = Date.now() - stall.at;
    for (const h of r.hosts) assert.match(`${h.state} ${h.error?.message}`, /^unreachable connection lost \(nothing received for 2s /, h.client.name);
    const bound = 2000 + 2500;
    assert.ok(tookMs < bound, `clients given up ${tookMs} ms after the bastion stopped (bound ${bound} ms)`);
    record({
      id: 'bastion-stalled',
      area: 'fault',
      case: `the bastion's sshd stopped (SIGSTOP) while ${inner.length} clients behind it run a command, -o ServerAliveInterval=1 -o ServerAliveCountMax=2`,
      does: 'gives up each client after its keepalive bound ("connection lost (nothing received for 2s …)"), although the bastion never confirms the closing of their channels',
      detectMs: tookMs,
      figure: `${inner.length}/${inner.length} lost ${seconds(tookMs)} after the stall`,
      test: TEST,
    });
  } finally {
    stall.resume();
  }
  for (const i of net.inner) assert.equal(describe(await processesLeft(net.c, i, undefined, 8000)), '', `processes left on ${net.alias(i)}`);
});

test('Ctrl-C while connecting through a bastion that never answers: every client interrupted at once', async () => {
  const silent = await silentServer('127.0.214.9');
  try {
    const s = net.setup([], inner);
    const ac = new AbortController();
    const running = exec({ words: ['true'], gather: false, keepRemote: false }, { fleet: s.fleet({ jump: `root@${silent.address}:${silent.port}`, connectTimeout: '60', signal: ac.signal }) });
    await waitUntil(() => silent.connections() === 1, 10_000, 'director connected to the bastion');
    const at = Date.now();
    ac.abort();
    const r = await within(10_000, 'exec after Ctrl-C', running);
    const tookMs = Date.now() - at;
    assert.equal(r.hosts.map((h) => h.state), inner.map(() => 'interrupted'));
    assert.ok(tookMs < 2500, `interrupted after ${tookMs} ms`);
    await waitUntil(() => silent.heldMs().length === 1, 5000, 'the bastion connection was closed');
    assert.is(silent.connections(), 1, 'one connection for all clients');
  } finally {
    await silent.close();
  }
});

test('a client that stalls behind a live bastion (ServerAliveInterval 1 × 2 from -o) is lost in time; the others and the bastion finish', async () => {
  const s = net.setup(JUMP_B1, inner);
  const marker = `sleep 2.${String(process.pid).padStart(6, '0')}`;
  const stalled = INNER;
  const before = net.accepted(B1);
  const out = collectOutput();
  const running = exec(
    { words: [`${marker}; echo done`], gather: false, keepRemote: false },
    { fleet: s.fleet({ sshOption: ['ServerAliveInterval=1', 'ServerAliveCountMax=2'] }), events: out.events },
  );
  const stall = await stallWhenRunning(net.c, stalled, marker);
  try {
    const r = await within(30_000, 'exec with a stalled client', running);
    const tookMs = Date.now() - stall.at;
    const [first, ...rest] = r.hosts;
    assert.match(`${first!.state} ${first!.error?.message}`, /^unreachable connection lost \(nothing received for 2s \(ServerAliveInterval 1 × ServerAliveCountMax 2\)\)/);
    for (const h of rest) assert.is(h.state, 'success', h.client.name);
    rest.forEach((_, i) => assert.is(out.text(i + 1), 'done\n'));
    assert.is(net.accepted(B1) - before, 1, 'the bastion connection carried the others to the end');
    const bound = 2000 + 2500;
    assert.ok(tookMs < bound, `the stalled client was given up ${tookMs} ms after the stall (bound ${bound} ms)`);
    record({
      id: 'stall-through-bastion',
      area: 'fault',
      case: "a client behind a bastion whose sshd is stopped (SIGSTOP) mid-exec, -o ServerAliveInterval=1 -o ServerAliveCountMax=2",
      does: 'reports that client as "connection lost (nothing received for 2s …)"; the bastion connection stays up and the others finish',
      detectMs: tookMs,
      figure: `exit ${r.exitCode} ${seconds(tookMs)} after the stall`,
      test: TEST,
    });
  } finally {
    stall.resume();
  }
  assert.equal(describe(await processesLeft(net.c, stalled, undefined, 5000)), '', 'processes left on the stalled host');
});

test('-o Port= and -o User= win over the files as with ssh; clients.conf user@host:port over -o; -v agrees with ssh -G', async () => {
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

async function runTool(cmd: string, args: string[]): Promise<string> {
  const { execFile } = await import('node:child_process');
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
    case: 'clients only a bastion reaches (ProxyJump, -J, two hops, ProxyCommand), with a decoy at each inner address on the director\'s side; bastion down, dead, wrong key, interrupted',
    does: 'every connection goes through the configured route; a failure of the route fails the client, never a direct connection',
    figure: `0 connections to the decoys in ${routed} bastion connections`,
    test: TEST,
  });
});

test.run();
