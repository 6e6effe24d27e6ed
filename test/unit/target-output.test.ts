import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { parseClients } from '../../src/config/clients.js';
import { TargetResolver, type TargetOptions } from '../../src/ssh/target.js';
import { parseGlobals } from '../../src/cli/globals.js';
import { Printer } from '../../src/output/printer.js';
import { summaryLine } from '../../src/output/results.js';
import { HostError } from '../../src/ssh/host-error.js';

/** A TargetResolver over an in-memory ssh_config at /cfg (no other file exists). */
function resolver(config: string, o: Omit<TargetOptions, 'reader' | 'configFile'> = {}): TargetResolver {
  const files: Record<string, string> = { '/cfg': config };
  return new TargetResolver({
    configFile: '/cfg',
    home: '/home/me',
    localUser: 'me',
    thisHost: 'here',
    env: {},
    reader: { read: (p) => files[p] ?? null, glob: (p) => (p in files ? [p] : []) },
    ...o,
  });
}

const CONFIG = `
Host web*
  HostName %h.example.internal
  User deploy
  Port 2222
  IdentityFile ~/.ssh/web_key
Host *
  User fallback
`;

test('ssh_config gives HostName, User, Port and IdentityFile; clients.conf and -l win', () => {
  const [web, alice, other] = parseClients('web1\nalice@web2:2200\nother\n', 'f');
  const t = resolver(CONFIG).forClient(web!);
  assert.equal(
    [t.hostname, t.port, t.username, t.identityFiles, t.alive, t.route, t.connectTimeoutMs],
    ['web1.example.internal', 2222, 'deploy', ['/home/me/.ssh/web_key'], { intervalMs: 15_000, countMax: 3 }, { kind: 'direct' }, 10_000],
  );
  const a = resolver(CONFIG, { user: 'cli' }).forClient(alice!);
  assert.equal([a.username, a.port], ['alice', 2200]);
  assert.is(resolver(CONFIG, { user: 'cli' }).forClient(web!).username, 'cli');
  assert.is(resolver(CONFIG).forClient(other!).username, 'fallback');
  assert.equal(resolver('').forClient(other!).port, 22);
  assert.is(resolver(CONFIG, { options: ['User=opt'] }).forClient(other!).username, 'opt', '-o wins over the files');
});

test('-i comes first, then IdentityFile; without IdentityFile, -i replaces ssh\'s default files', () => {
  const [web, other] = parseClients('web1\nother\n', 'f');
  assert.equal(resolver(CONFIG, { identity: '/k/id' }).forClient(web!).identityFiles, ['/k/id', '/home/me/.ssh/web_key']);
  assert.equal(resolver(CONFIG, { identity: '/k/id' }).forClient(other!).identityFiles, ['/k/id']);
  assert.ok(resolver(CONFIG).forClient(other!).identityFiles.includes('/home/me/.ssh/id_ed25519'));
  const only = resolver('Host *\n  IdentitiesOnly yes\n  IdentityAgent /run/agent.sock\n').forClient(other!);
  assert.equal([only.identitiesOnly, only.identityAgent], [true, '/run/agent.sock']);
  assert.is(resolver('Host *\n  IdentityAgent none\n', { env: { SSH_AUTH_SOCK: '/a' } }).forClient(other!).identityAgent, undefined);
  assert.is(resolver('', { env: { SSH_AUTH_SOCK: '/a' } }).forClient(other!).identityAgent, '/a');
});

test('host keys: StrictHostKeyChecking (ask is strict), UserKnownHostsFile, HostKeyAlias; the command line wins', () => {
  const [h] = parseClients('h\n', 'f');
  const cfg = 'Host h\n  StrictHostKeyChecking ask\n  UserKnownHostsFile ~/kh1 /etc/kh2\n  HostKeyAlias H-Alias\n';
  const t = resolver(cfg).forClient(h!).hostKeys;
  assert.equal(t, { policy: 'strict', files: ['/home/me/kh1', '/etc/kh2'], globalFiles: ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'], alias: 'h-alias' });
  assert.is(resolver('Host h\n  StrictHostKeyChecking no\n').forClient(h!).hostKeys.policy, 'off');
  assert.is(resolver('Host h\n  StrictHostKeyChecking accept-new\n').forClient(h!).hostKeys.policy, 'accept-new');
  assert.is(resolver('').forClient(h!).hostKeys.policy, 'accept-new', 'director\'s default when ssh_config is silent');
  const cli = resolver(cfg, { knownHosts: '/mine', hostKeyChecking: 'accept-new' }).forClient(h!).hostKeys;
  assert.equal([cli.policy, cli.files, cli.globalFiles], ['accept-new', ['/mine'], []]);
});

test('ProxyJump: the last hop is the bastion, resolved with its own config and the earlier hops as -J; shared by clients', () => {
  const [a, b] = parseClients('a\nb\n', 'f');
  const cfg = 'Host a b\n  ProxyJump j1,jumper@j2:2022\nHost j2\n  HostName 10.0.0.2\n  User nobody\nHost j1\n  Port 2200\n';
  const r = resolver(cfg);
  const ta = r.forClient(a!);
  const tb = r.forClient(b!);
  if (ta.route.kind !== 'jump' || tb.route.kind !== 'jump') throw new Error('not a jump route');
  const j2 = ta.route.via;
  assert.equal([j2.host, j2.hostname, j2.port, j2.username], ['j2', '10.0.0.2', 2022, 'jumper']);
  assert.is(tb.route.via, j2, 'one bastion object for both clients');
  if (j2.route.kind !== 'jump') throw new Error('j2 is not reached through j1');
  assert.equal([j2.route.via.host, j2.route.via.port, j2.route.via.route], ['j1', 2200, { kind: 'direct' }]);
  const viaJ = resolver('', { jump: 'b1' }).forClient(a!);
  assert.equal(viaJ.route.kind === 'jump' && viaJ.route.via.host, 'b1', '-J');
  const cmd = resolver('Host a\n  ProxyCommand nc %h %p\n  HostName inner\n').forClient(a!);
  assert.equal(cmd.route, { kind: 'command', command: 'nc inner 22' });
  assert.throws(() => resolver('Host *\n  ProxyJump x\n').forClient(a!), /\/cfg:2: jumphost loop via x/, 'as ssh');
  assert.throws(() => resolver('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n').forClient(a!), /more than 8 bastions in a row/);
});

test('a refused keyword stops with file:line unless --ignore-ssh-option names it', () => {
  const [a] = parseClients('a\n', 'f');
  const cfg = 'Host a\n  BindAddress 127.0.0.5\n';
  assert.throws(() => resolver(cfg).forClient(a!), /\/cfg:2: BindAddress for a: .*nothing was contacted/);
  assert.is(resolver(cfg, { ignore: ['BindAddress'] }).forClient(a!).hostname, 'a');
});

test('ssh_config ServerAliveInterval/ServerAliveCountMax per host, OpenSSH time format, 0 = off, bad values refused', () => {
  const cfg = `
Host slow
  ServerAliveInterval 1m30s
Host off
  ServerAliveInterval 0
Host quick
  ServerAliveInterval 1
  ServerAliveCountMax 5
`;
  const [slow, off, quick, other] = parseClients('slow\noff\nquick\nother\n', 'f');
  const r = resolver(cfg);
  assert.equal(r.forClient(slow!).alive, { intervalMs: 90_000, countMax: 3 });
  assert.equal(r.forClient(off!).alive.intervalMs, 0);
  assert.equal(r.forClient(quick!).alive, { intervalMs: 1000, countMax: 5 });
  assert.equal(r.forClient(other!).alive, { intervalMs: 15_000, countMax: 3 });
  assert.throws(() => resolver('Host *\n  ServerAliveInterval soon\n').forClient(other!), /\/cfg:2/);
  assert.throws(() => resolver('Host *\n  ServerAliveCountMax -1\n').forClient(other!), /\/cfg:2/);
});

test('global options: defaults, env, validation', () => {
  const g = parseGlobals({}, { DIRECTOR_CLIENTS: 'x.conf' }, '/w');
  assert.equal([g.clients, g.parallel, g.connectTimeout, g.hostKeyChecking, g.knownHosts, g.color], ['/w/x.conf', 32, undefined, undefined, undefined, true]);
  assert.equal(parseGlobals({ connectTimeout: '3', sshOption: ['A=b'], jump: 'j' }, {}, '/w').connectTimeout, 3);
  assert.equal([parseGlobals({ sshConfig: 'none' }, {}, '/w').sshConfig, parseGlobals({ sshConfig: 'cfg' }, {}, '/w').sshConfig], ['none', '/w/cfg'], '-F none reads no file, as ssh');
  assert.is(parseGlobals({}, { NO_COLOR: '1' }, '/w').color, false);
  assert.is(parseGlobals({ color: false }, {}, '/w').color, false);
  assert.throws(() => parseGlobals({ parallel: '0' }, {}, '/w'), /--parallel/);
  assert.throws(() => parseGlobals({ timeout: '-1' }, {}, '/w'), /--timeout/);
  assert.throws(() => parseGlobals({ hostKeyChecking: 'maybe' }, {}, '/w'), /strict, accept-new or off/);
  // -J with -o ProxyCommand/ProxyJump: ssh refuses one order and drops the other's -o.
  assert.throws(() => parseGlobals({ sshOption: ['ProxyCommand nc %h %p'], jump: 'b1' }, {}, '/w'), /-J and -o ProxyCommand nc %h %p both/);
  assert.throws(() => parseGlobals({ sshOption: ['proxyjump=b2'], jump: 'b1' }, {}, '/w'), /-J and -o proxyjump=b2 both/);
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
