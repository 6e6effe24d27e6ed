// Logging in as OpenSSH does, against a real sshd whose log (LogLevel DEBUG1) shows every key
// offered, in order: an ssh-agent full of unrelated keys with and without IdentitiesOnly, a
// key only the agent holds, the order of agent and file keys — each compared with what
// `ssh` itself does in the same setup — and the words of a failed login (who, what the server
// takes, which keys by fingerprint, never a byte of a key).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { status } from '../../src/commands/status.js';
import { describeKey, keyPair, startAgent, type KeyPair, type TestAgent } from '../support/agent.js';
import { DIRECTOR_BIN, directorEnv, runDirector } from '../support/cli.js';
import { fleetOn, startCluster, type TestCluster } from '../support/cluster.js';
import { directorInPty } from '../support/pty.js';
import { waitUntil } from '../support/wait.js';
import { sshWith } from '../support/reference-ssh.js';
import { record } from '../support/reliability.js';
import { tempDir } from '../support/temp.js';

const TEST = 'test/reliability/ssh-auth.test.ts';
let c: TestCluster;
/** The key the host's authorized_keys holds. */
let right: KeyPair;
let unrelated: KeyPair[];
let keysDir: string;

test.before(async () => {
  c = await startCluster(1, { sshdConfig: ['LogLevel DEBUG1', 'PasswordAuthentication yes'] });
  keysDir = tempDir('director-auth-keys-');
  right = describeKey(c.cluster.identity);
  unrelated = Array.from({ length: 7 }, (_, i) => keyPair(keysDir, `unrelated${i + 1}`));
});
test.after(async () => {
  agent?.stop();
  await c.stop();
});

interface Setup {
  dir: string;
  config: string;
  clients: string;
}

/** clients.conf naming `node`, and an ssh_config for it that ssh and director both read. */
function setup(lines: string[], user = 'root'): Setup {
  const h = c.hosts[0]!;
  const dir = tempDir('director-auth-');
  const config = join(dir, 'ssh_config');
  writeFileSync(
    config,
    [
      'Host node',
      `  HostName ${h.address}`,
      `  Port ${h.port}`,
      `  User ${user}`,
      `  UserKnownHostsFile ${c.cluster.knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      ...lines.map((l) => `  ${l}`),
      '',
    ].join('\n'),
  );
  const clients = join(dir, 'clients.conf');
  writeFileSync(clients, 'node\n');
  return { dir, config, clients };
}

/** The key fingerprints sshd saw offered on the connections made by `act`, in order. */
async function offeredDuring<T>(act: () => Promise<T>): Promise<{ value: T; offered: string[][] }> {
  const log = c.hosts[0]!.logFile;
  const from = statSync(log).size;
  const value = await act();
  const text = readFileSync(log).subarray(from).toString('utf8');
  const offered: string[][] = [];
  for (const line of text.split('\n')) {
    if (/Connection from /.test(line)) offered.push([]);
    const m = /userauth_pubkey: .*pkblob \S+ (SHA256:\S+)/.exec(line);
    const conn = offered[offered.length - 1];
    // A key offered, then signed with after the server's yes, is one offer.
    if (m && conn && conn[conn.length - 1] !== m[1]) conn.push(m[1]!);
  }
  return { value, offered: offered.filter((o) => o.length > 0) };
}

/** Logs in to `node` through the status command, as director's CLI would with `-F`. */
async function login(s: Setup, extra: Record<string, unknown> = {}) {
  const fleet = fleetOn({ clientsConf: s.clients, identity: c.cluster.identity, knownHosts: c.cluster.knownHosts }, { sshConfig: s.config, identity: undefined, knownHosts: undefined, hostKeyChecking: undefined, ...extra });
  const r = await status({ ssh: true }, { fleet });
  return r.clients[0]!.ssh!;
}

function refLogin(s: Setup, extra: string[] = []) {
  return sshWith(['-F', s.config, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', ...extra, 'node', 'true']);
}

let agent: TestAgent;
async function floodedAgent(): Promise<TestAgent> {
  agent ??= await startAgent().then((a) => {
    a.add(...unrelated.map((k) => k.file));
    return a;
  });
  return agent;
}

test('7 unrelated agent keys: sshd cuts the login (kind auth, as it cuts ssh); IdentitiesOnly + IdentityFile logs in, as ssh does', async () => {
  const a = await floodedAgent();
  const flood = setup([`IdentityAgent ${a.socket}`, `IdentityFile ${right.file}`]);
  const cut = await offeredDuring(() => login(flood));
  assert.is(cut.value.ok, false);
  if (cut.value.ok) return;
  assert.is(cut.value.error.kind, 'auth', cut.value.error.message);
  assert.match(cut.value.error.message, /^root@127\.0\.\d+\.1: the server ended the login after 6 refused keys \("Too many authentication failures": its MaxAuthTries\) — tried: agent key \(SHA256:/);
  assert.match(cut.value.error.message, /give this host IdentitiesOnly yes and its IdentityFile/);
  const sixFirst = unrelated.slice(0, 6).map((k) => k.fingerprint);
  assert.equal(cut.offered, [sixFirst], 'director offered the agent keys in the agent\'s order and was cut after 6');
  const refCut = await offeredDuring(() => refLogin(flood));
  assert.is(refCut.value.code, 255);
  assert.match(refCut.value.stderr, /Too many authentication failures/);
  assert.equal(refCut.offered, cut.offered, 'ssh offered the same keys in the same order');

  const only = setup([`IdentityAgent ${a.socket}`, `IdentityFile ${right.file}`, 'IdentitiesOnly yes']);
  const ok = await offeredDuring(() => login(only));
  assert.ok(ok.value.ok, ok.value.ok ? '' : ok.value.error.message);
  assert.equal(ok.offered, [[right.fingerprint]], 'only the configured key was offered');
  const refOk = await offeredDuring(() => refLogin(only));
  assert.is(refOk.value.code, 0, refOk.value.stderr);
  assert.equal(refOk.offered, ok.offered);
  record({
    id: 'auth-agent-flood',
    area: 'fault',
    case: 'ssh-agent holding 7 unrelated keys (sshd MaxAuthTries 6), with and without IdentitiesOnly',
    does: 'Offers keys in OpenSSH\'s order: cut after 6 like ssh and said as an auth failure with the keys tried and the IdentitiesOnly hint; with IdentitiesOnly only the configured key is offered and it logs in, as ssh does',
    figure: `without: ${cut.offered[0]!.length} keys offered, kind ${cut.value.error.kind}; with: ${ok.offered[0]!.length} key offered, logged in`,
    test: TEST,
  });
});

test('the order of offered keys is OpenSSH\'s: configured keys the agent holds, other agent keys, then files', async () => {
  const a = await startAgent();
  const [a1, a2, both, fileOnly] = [keyPair(keysDir, 'order-a1'), keyPair(keysDir, 'order-a2'), keyPair(keysDir, 'order-both'), keyPair(keysDir, 'order-file')];
  a.add(a1.file, a2.file, both.file);
  const s = setup([`IdentityAgent ${a.socket}`, `IdentityFile ${fileOnly.file}`, `IdentityFile ${both.file}`]);
  const want = [both, a1, a2, fileOnly].map((k) => k.fingerprint);
  const mine = await offeredDuring(() => login(s));
  const ref = await offeredDuring(() => refLogin(s, ['-v']));
  a.stop();
  assert.equal(mine.offered, [want], 'director, seen by sshd');
  assert.equal(ref.offered, [want], 'ssh, seen by sshd');
  const refOffers = ref.value.stderr.split('\n').flatMap((l) => /Offering public key: .* (SHA256:\S+)/.exec(l)?.[1] ?? []);
  assert.equal(refOffers, want, 'ssh -v says the same order');
  assert.is(mine.value.ok, false);
  if (mine.value.ok) return;
  assert.is(mine.value.error.kind, 'auth');
  const tried = [...mine.value.error.message.matchAll(/SHA256:[A-Za-z0-9+/]+/g)].map((m) => m[0]);
  assert.equal(tried, want, 'the failure lists what was tried, in order');
  assert.match(mine.value.error.message, `${both.file} (${both.fingerprint}, from the agent), agent key (${a1.fingerprint} order-a1@test)`);
  record({
    id: 'auth-key-order',
    area: 'security',
    case: 'Agent keys and IdentityFile keys together: which are offered, in which order',
    does: 'Offers agent copies of configured keys first, then the other agent keys, then key files, as OpenSSH\'s pubkey_prepare: the order sshd logged matches ssh\'s in the same setup',
    figure: `${want.length}/${want.length} offers in ssh's order`,
    test: TEST,
  });
});

test('a key only the agent holds: IdentityFile naming just its .pub (IdentitiesOnly), and -i key.pub', async () => {
  const a = await startAgent();
  const dir = tempDir('director-agent-only-');
  const copy = join(dir, 'only-in-agent');
  copyFileSync(right.file, copy);
  copyFileSync(right.pub, `${copy}.pub`);
  a.add(...unrelated.map((k) => k.file), copy);
  rmSync(copy); // only the .pub is left on disk
  const s = setup([`IdentityAgent ${a.socket}`, `IdentityFile ${copy}.pub`, 'IdentitiesOnly yes']);
  const mine = await offeredDuring(() => login(s));
  assert.ok(mine.value.ok, mine.value.ok ? '' : mine.value.error.message);
  assert.equal(mine.offered, [[right.fingerprint]]);
  const ref = await offeredDuring(() => refLogin(s));
  assert.is(ref.value.code, 0, ref.value.stderr);
  assert.equal(ref.offered, mine.offered);

  // -i key.pub: the agent's copy (IdentitiesOnly from -o), or the private key beside it.
  const plain = setup([]);
  const viaAgent = await runDirector(['-c', plain.clients, '-F', plain.config, '-o', 'IdentitiesOnly=yes', '-i', `${copy}.pub`, 'exec', '--', 'echo in'], { env: { SSH_AUTH_SOCK: a.socket } });
  assert.is(viaAgent.code, 0, viaAgent.stdout + viaAgent.stderr);
  assert.match(viaAgent.stdout, /^node: in$/m);
  const beside = await runDirector(['-c', plain.clients, '-F', plain.config, '-i', right.pub, 'exec', '--', 'echo in'], { env: { SSH_AUTH_SOCK: undefined } });
  assert.is(beside.code, 0, beside.stdout + beside.stderr);
  // An encrypted key (no .pub beside it) whose decrypted copy the agent holds: no passphrase needed.
  const locked = join(dir, 'locked');
  copyFileSync(right.file, locked);
  execFileSync('ssh-keygen', ['-q', '-p', '-N', 'not given to director', '-f', locked]);
  const viaLocked = await runDirector(['-c', plain.clients, '-F', plain.config, '-o', 'IdentitiesOnly=yes', '-i', locked, 'exec', '--', 'echo in'], { env: { SSH_AUTH_SOCK: a.socket } });
  assert.is(viaLocked.code, 0, viaLocked.stdout + viaLocked.stderr);
  a.stop();
  const none = await runDirector(['-c', plain.clients, '-F', plain.config, '-i', `${copy}.pub`, 'exec', '--', 'echo in'], { env: { SSH_AUTH_SOCK: undefined } });
  assert.is(none.code, 2, none.stdout + none.stderr);
  assert.match(none.stderr, `cannot use identity file ${copy}.pub: no private key beside it (${copy}) (and no agent to ask: SSH_AUTH_SOCK is not set)`);
  record({
    id: 'auth-agent-only-key',
    area: 'fault',
    case: 'A key only ssh-agent holds, named by its .pub (IdentityFile with IdentitiesOnly, or -i key.pub) or by an encrypted key file; -i key.pub with no agent',
    does: 'Signs with the agent\'s copy (the only key offered, as ssh); -i key.pub uses the private key beside it; with neither, a usage error naming the file before any connection',
    figure: `1 key offered; exit 0, 0, 0, 2`,
    test: TEST,
  });
});

/** Every base64 piece of a key file long enough to mean something (the PEM body lines, the public key). */
function keyPieces(k: KeyPair): string[] {
  const body = readFileSync(k.file, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
  return [...body.map((l) => l.slice(0, 40)), k.publicBase64, k.publicBase64.slice(-40)];
}

test('failures say user@host, what the server takes and the keys tried by fingerprint; kind auth; never a byte of a key', async () => {
  const a = await floodedAgent();
  const s = setup([`IdentityAgent ${a.socket}`]);
  const wrongKey = keyPair(tempDir('director-wrong-'), 'wrong');
  const nosuch = setup([], 'nosuchuser');
  const h = c.hosts[0]!;
  const runs = {
    wrongUser: await runDirector(['-c', nosuch.clients, '-F', nosuch.config, '-i', right.file, 'exec', '--', 'true']),
    wrongKeys: await runDirector(['-c', s.clients, '-F', s.config, '-o', 'IdentitiesOnly=yes', '-i', wrongKey.file, '-v', 'exec', '--', 'true']),
    json: await runDirector(['-c', nosuch.clients, '-F', nosuch.config, '-i', right.file, '--json', 'status', '--ssh']),
    nothing: await runDirector(['-c', s.clients, '-F', s.config, '-o', 'IdentityAgent=none', '-o', `IdentityFile=${join(keysDir, 'absent')}`, 'exec', '--', 'true']),
    flood: await runDirector(['-c', s.clients, '-F', s.config, '-v', 'exec', '--', 'true']),
  };
  const ref = await refLogin(nosuch, ['-i', right.file, '-o', 'IdentitiesOnly=yes']);
  assert.match(ref.stderr, `nosuchuser@${h.address}: Permission denied (publickey,password).`);

  assert.is(runs.wrongUser.code, 4, runs.wrongUser.stdout + runs.wrongUser.stderr);
  const text = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
  assert.match(text(runs.wrongUser), `auth failed: nosuchuser@${h.address}: permission denied (publickey,password) — tried: ${right.file} (${right.fingerprint})`);
  assert.match(text(runs.wrongKeys), `auth failed: root@${h.address}: permission denied (publickey,password) — tried: ${wrongKey.file} (${wrongKey.fingerprint}) (the server also takes a password: -A asks for one)`);
  assert.match(runs.wrongKeys.stderr, `node: auth: refused ${wrongKey.file} (${wrongKey.fingerprint})`);
  const doc = JSON.parse(runs.json.stdout) as { clients: Array<{ ssh?: { error?: { kind: string; message: string } } }> };
  assert.is(doc.clients[0]!.ssh?.error?.kind, 'auth');
  assert.match(text(runs.nothing), `auth failed: root@${h.address}: no identity to offer: looked for ${join(keysDir, 'absent')} (it does not exist); no agent`);
  assert.match(runs.flood.stderr, `node: auth: refused agent key (${unrelated[5]!.fingerprint} unrelated6@test)`);
  assert.match(text(runs.flood), /auth failed: .*Too many authentication failures/);
  for (const r of Object.values(runs)) assert.not.match(text(r), /unreachable/);

  const secrets = [right, wrongKey, ...unrelated].flatMap(keyPieces);
  const outputs = Object.values(runs).map(text);
  const leaked = secrets.filter((piece) => outputs.some((o) => o.includes(piece)));
  assert.equal(leaked, [], 'no key bytes in any output');
  record({
    id: 'auth-failure-words',
    area: 'security',
    case: 'Login refused: wrong user, wrong key, no identity at all, an agent flood cut by sshd (CLI, -v, --json)',
    does: 'Kind auth (never "unreachable"): user@host, the methods the server takes, each key tried by path and SHA256 fingerprint, or what was looked for; no key bytes anywhere',
    figure: `${Object.keys(runs).length} runs, ${secrets.length} key pieces searched: ${leaked.length} found`,
    test: TEST,
  });
});

/** A login user whose password is `password` (made once, the password set each run). */
function passwordUser(password: string): string {
  const name = 'director-pw';
  try {
    execFileSync('useradd', ['-M', '-d', `/home/${name}`, '-s', '/bin/sh', '-c', 'director test (password login)', name], { stdio: 'pipe' });
  } catch (e) {
    if ((e as { status?: number }).status !== 9) throw e; // 9: the name is taken (made by an earlier run)
  }
  execFileSync('chpasswd', [], { input: `${name}:${password}\n` });
  mkdirSync(`/home/${name}`, { recursive: true });
  return name;
}

test('-A asks once on the terminal, shows nothing typed, and logs in where the server takes a password (after the keys)', async () => {
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const user = passwordUser(password);
  const h = c.hosts[0]!;
  const dir = tempDir('director-askpass-');
  const config = join(dir, 'ssh_config');
  const common = [`  HostName ${h.address}`, `  Port ${h.port}`, `  User ${user}`, `  UserKnownHostsFile ${c.cluster.knownHosts}`, '  IdentityAgent none', '  IdentitiesOnly yes', `  IdentityFile ${unrelated[0]!.file}`];
  writeFileSync(config, ['Host pw1', ...common, 'Host pw2', ...common, ''].join('\n'));
  writeFileSync(join(dir, 'clients.conf'), 'pw1\npw2\n');
  const args = ['-c', join(dir, 'clients.conf'), '-F', config, '-A', '-v', 'exec', '--', 'id -un'];
  const prompt = /Password for the clients \(asked once; not shown\): /;
  /** director on a terminal, `typed` typed once the prompt shows. */
  const typing = async (typed: string) => {
    const run = directorInPty(args, { cols: 200, cwd: dir });
    await waitUntil(() => prompt.test(run.output()), 20_000, 'the password prompt');
    run.type(`${typed}\r`);
    const code = await run.done;
    return { code, screen: run.output() };
  };
  const ok = await typing(password);
  assert.is(ok.code, 0, ok.screen);
  assert.match(ok.screen, /^pw1: director-pw\r?$/m);
  assert.match(ok.screen, /^pw2: director-pw\r?$/m);
  assert.is(ok.screen.match(new RegExp(prompt.source, 'g'))?.length, 1, 'asked once for both clients');
  assert.match(ok.screen, `pw1: auth: refused ${unrelated[0]!.file} (${unrelated[0]!.fingerprint})`);
  assert.match(ok.screen, 'pw1: auth: accepted password');
  assert.not.ok(ok.screen.includes(password), 'the password is not echoed or printed');

  const wrong = await typing('not-the-password');
  assert.is(wrong.code, 4, wrong.screen);
  assert.match(wrong.screen, `auth failed: ${user}@${h.address}: permission denied (publickey,password) — tried: ${unrelated[0]!.file} (${unrelated[0]!.fingerprint}), password`);
  assert.not.ok(wrong.screen.includes('not-the-password'));

  // Ctrl-C at the prompt is Ctrl-C for the command; with no terminal at all, a usage error.
  const interrupted = directorInPty(args, { cols: 200, cwd: dir });
  await waitUntil(() => prompt.test(interrupted.output()), 20_000, 'the password prompt');
  interrupted.type('\x03');
  assert.is(await interrupted.done, 130, interrupted.output());
  const noTty = spawnSync('setsid', ['-w', process.execPath, DIRECTOR_BIN, ...args], { encoding: 'utf8', env: directorEnv(), timeout: 30_000 });
  assert.is(noTty.status, 2, noTty.stdout + noTty.stderr);
  assert.match(noTty.stderr, '-A, --ask-pass needs a terminal to ask on');
  record({
    id: 'auth-ask-pass',
    area: 'security',
    case: '-A on a terminal: right and wrong password, two clients (sshd PasswordAuthentication yes); Ctrl-C at the prompt; no terminal',
    does: 'Asks once on /dev/tty with echo off before connecting, offers the keys first and then the password; never shows, logs or passes it on (argv, environment)',
    figure: `asked ${ok.screen.match(new RegExp(prompt.source, 'g'))?.length} time(s) for 2 clients; typed text shown 0 times; exit 0 / 4; Ctrl-C 130; no terminal 2`,
    test: TEST,
  });
});

test.run();
