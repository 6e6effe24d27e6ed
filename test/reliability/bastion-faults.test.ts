// Bastions that fail, on a topology of the suite's own (test/support/bastion-net.ts): the
// inner hosts listen where only a connection through bastion b1 (and b2) reaches them, and a
// decoy that counts who came stands at each of their addresses on this side, so a client that
// went around its bastion is seen. A bastion that is down, whose host key is wrong, that dies
// or stops answering mid-command; Ctrl-C on the way; a client that stalls behind a live one.
// (Routes that work: test/reliability/ssh-routing.test.ts.)
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exec } from '../../src/commands/exec.js';
import { B1, B2, INNER, startBastionNet, type BastionNet } from '../support/bastion-net.js';
import { execOn, failures, firstLines, JUMP_B1 } from '../support/bastion-run.js';
import { killHost } from '../support/host-control.js';
import { describe, hostNamespace, hostProcessesMatching, processesLeft } from '../support/proc.js';
import { record } from '../support/reliability.js';
import { collectOutput, esc } from '../support/run-e2e.js';
import { silentServer } from '../support/silent-server.js';
import { stallSessions, stallWhenRunning } from '../support/stall.js';
import { within } from '../support/timeout.js';
import { waitUntil } from '../support/wait.js';

const TEST = 'test/reliability/bastion-faults.test.ts';
let net: BastionNet;
/** The inner hosts' aliases: the clients of every case. */
let inner: string[];

test.before(async () => {
  net = await startBastionNet(8);
  inner = net.inner.map((i) => net.alias(i));
});
test.after(async () => {
  await net.stop();
});

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

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

test('a bastion that dies mid-command: every client behind it fails "bastion b1: connection lost", at once', async () => {
  const s = net.setup(JUMP_B1, inner);
  const marker = `sleep 30.${String(process.pid).padStart(6, '0')}`;
  const ready = firstLines(inner.length);
  const running = exec({ words: [`echo ready; ${marker}`], gather: false, keepRemote: false }, { fleet: s.fleet(), events: ready.events });
  let killedAt = 0;
  try {
    await within(30_000, 'every client printed ready', ready.all);
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
  const ready = firstLines(inner.length);
  const alive = { sshOption: ['ServerAliveInterval=1', 'ServerAliveCountMax=2'] };
  const running = exec({ words: [`echo ready; ${marker}; echo done`], gather: false, keepRemote: false }, { fleet: s.fleet(alive), events: ready.events });
  await within(30_000, 'every client printed ready', ready.all);
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

test.run();
