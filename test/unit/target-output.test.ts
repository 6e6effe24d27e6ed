import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import SSHConfig from 'ssh-config';
import { homedir } from 'node:os';
import { parseClients } from '../../src/config/clients.js';
import { resolveTarget, sshSeconds } from '../../src/ssh/target.js';
import { parseGlobals } from '../../src/cli/globals.js';
import { Printer } from '../../src/output/printer.js';
import { summaryLine } from '../../src/output/results.js';
import { HostError } from '../../src/ssh/host-error.js';

const CONFIG = SSHConfig.parse(`
Host web*
  HostName %h.example.internal
  User deploy
  Port 2222
  IdentityFile ~/.ssh/web_key
Match exec "touch /tmp/director-should-not-run"
  User nobody
Host *
  User fallback
`);

test('ssh_config gives HostName, User, Port and IdentityFile; clients.conf and -l win', () => {
  const [web, alice, other] = parseClients('web1\nalice@web2:2200\nother\n', 'f');
  const t = resolveTarget(web!, { sshConfig: CONFIG });
  assert.equal(t, {
    hostname: 'web1.example.internal',
    port: 2222,
    username: 'deploy',
    identityFiles: [`${homedir()}/.ssh/web_key`],
    alive: { intervalMs: 15_000, countMax: 3 },
  });
  const a = resolveTarget(alice!, { sshConfig: CONFIG, user: 'cli' });
  assert.equal([a.username, a.port], ['alice', 2200]);
  assert.is(resolveTarget(web!, { sshConfig: CONFIG, user: 'cli' }).username, 'cli');
  assert.is(resolveTarget(other!, { sshConfig: CONFIG }).username, 'fallback');
  assert.equal(resolveTarget(other!, { sshConfig: null }).port, 22);
});

test('ssh_config ServerAliveInterval/ServerAliveCountMax per host, OpenSSH time format, 0 = off, bad values refused', () => {
  const cfg = SSHConfig.parse(`
Host slow
  ServerAliveInterval 1m30s
Host off
  ServerAliveInterval 0
Host quick
  ServerAliveInterval 1
  ServerAliveCountMax 5
Host bad
  ServerAliveInterval soon
Host badcount
  ServerAliveCountMax -1
`);
  const [slow, off, quick, other, bad, badcount] = parseClients('slow\noff\nquick\nother\nbad\nbadcount\n', 'f');
  assert.equal(resolveTarget(slow!, { sshConfig: cfg }).alive, { intervalMs: 90_000, countMax: 3 });
  assert.equal(resolveTarget(off!, { sshConfig: cfg }).alive.intervalMs, 0);
  assert.equal(resolveTarget(quick!, { sshConfig: cfg }).alive, { intervalMs: 1000, countMax: 5 });
  assert.equal(resolveTarget(other!, { sshConfig: cfg }).alive, { intervalMs: 15_000, countMax: 3 });
  assert.equal(resolveTarget(other!, { sshConfig: null }).alive, { intervalMs: 15_000, countMax: 3 });
  assert.throws(() => resolveTarget(bad!, { sshConfig: cfg }), /ServerAliveInterval is not a time: "soon"/);
  assert.throws(() => resolveTarget(badcount!, { sshConfig: cfg }), /ServerAliveCountMax is not a number/);
  assert.equal(['90', '2m', '1h1s', 'x', '1x', ''].map(sshSeconds), [90, 120, 3601, undefined, undefined, undefined]);
});

test('global options: defaults, env, validation', () => {
  const g = parseGlobals({}, { DIRECTOR_CLIENTS: 'x.conf' }, '/w');
  assert.equal([g.clients, g.parallel, g.connectTimeout, g.hostKeyChecking, g.color], ['/w/x.conf', 32, 10, 'accept-new', true]);
  assert.is(parseGlobals({}, { NO_COLOR: '1' }, '/w').color, false);
  assert.is(parseGlobals({ color: false }, {}, '/w').color, false);
  assert.throws(() => parseGlobals({ parallel: '0' }, {}, '/w'), /--parallel/);
  assert.throws(() => parseGlobals({ timeout: '-1' }, {}, '/w'), /--timeout/);
  assert.throws(() => parseGlobals({ hostKeyChecking: 'maybe' }, {}, '/w'), /strict, accept-new or off/);
});

function sink(isTTY: boolean): Writable & { isTTY: boolean; text: string } {
  const w = new Writable({
    write(c: Buffer, _e, cb) {
      w.text += c.toString();
      cb();
    },
  }) as Writable & { isTTY: boolean; text: string };
  w.isTTY = isTTY;
  w.text = '';
  return w;
}

test('colour only on a terminal and never with --no-color; --json silences the human report', () => {
  const saved = process.env['FORCE_COLOR'];
  delete process.env['FORCE_COLOR'];
  try {
    const tty = sink(true);
    new Printer({ json: false, color: true, stdout: tty, stderr: sink(true) }).line(new Printer({ json: false, color: true, stdout: tty }).c.red('x'));
    assert.match(tty.text, /\u001b\[31m/);
    const pipe = sink(false);
    const p = new Printer({ json: false, color: true, stdout: pipe });
    p.line(p.c.red('x'));
    assert.is(pipe.text, 'x\n');
    const off = sink(true);
    const q = new Printer({ json: false, color: false, stdout: off });
    q.line(q.c.red('x'));
    assert.is(off.text, 'x\n');
    const j = sink(false);
    const r = new Printer({ json: true, color: false, stdout: j });
    r.line('human');
    r.document({ a: 1 });
    assert.equal(JSON.parse(j.text), { a: 1 });
  } finally {
    if (saved !== undefined) process.env['FORCE_COLOR'] = saved;
  }
});

test('summary line names the failed clients with their kind', () => {
  const [a, b, c] = parseClients('a\nb\nc\n', 'f');
  const p = new Printer({ json: false, color: false, stdout: sink(false) });
  assert.is(summaryLine([{ client: a!, ok: true }, { client: b!, ok: false, error: new HostError('auth', 'x') }, { client: c!, ok: false, error: new HostError('connect-timeout', 'y') }], p), '1 ok, 2 failed: b (1) auth failed; c (1) connect timeout');
  assert.is(summaryLine([{ client: a!, ok: true }], p), '1 ok, 0 failed');
});

test('summary line folds the failed clients of each kind: node[001-180,182-200] (199)', () => {
  const all = parseClients('node[001-200]\nalice@db[1-3]:2222\n', 'f');
  const p = new Printer({ json: false, color: false, stdout: sink(false) });
  const outcomes = all.map((client) => {
    if (client.name === 'node181') return { client, ok: true };
    if (client.host.startsWith('db')) return { client, ok: false, error: new HostError('auth', 'no key') };
    return { client, ok: false, error: new HostError('connect-timeout', 'slow') };
  });
  assert.is(summaryLine(outcomes, p), '1 ok, 202 failed: node[001-180,182-200] (199) connect timeout; alice@db[1-3]:2222 (3) auth failed');
});

test.run();
