// Security checks against real sshd hosts: host keys checked by default (a changed key is
// refused, unknown hosts recorded atomically, `off` warns), private keys and passphrases
// never shown, director's own files written atomically and owner-only, local services on
// 127.0.0.1 only. Each case records its figures for the README's Reliability table.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector, type CliResult } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { rekeyHost } from '../support/host-control.js';
import { makeData } from '../support/data-files.js';
import { withEnv } from '../support/local-env.js';
import { record } from '../support/reliability.js';
import { tempDir } from '../support/temp.js';

const FILE = 'test/reliability/security.test.ts';
let c: TestCluster;

test.before(async () => {
  c = await startCluster(2);
});
test.after(async () => {
  await c.stop();
});

const mode = (file: string) => statSync(file).mode & 0o777;
const octal = (m: number) => `0${m.toString(8)}`;

test('accept-new records unknown hosts in OpenSSH format, atomically, 0600; ssh then accepts them strictly', async () => {
  const kh = join(c.dir, 'fresh_known_hosts');
  const r = await runDirector([...c.argsWithKnownHosts(kh), 'status', '--ssh']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /added \[127\.0\.\d+\.1\]:\d+ \(ssh-ed25519 SHA256:/);
  const lines = readFileSync(kh, 'utf8').trim().split('\n');
  assert.is(lines.length, 2);
  assert.is(mode(kh), 0o600, 'a new known_hosts is owner-only');
  const h = c.hosts[0]!;
  const out = execFileSync('ssh', ['-i', c.cluster.identity, '-o', `UserKnownHostsFile=${kh}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-p', String(h.port), h.address, 'echo ok'], { encoding: 'utf8' });
  assert.is(out.trim(), 'ok');
  // A second run adds nothing and does not touch the file.
  const inode = statSync(kh).ino;
  await runDirector([...c.argsWithKnownHosts(kh), 'status', '--ssh']);
  assert.is(readFileSync(kh, 'utf8').trim().split('\n').length, 2);
  assert.is(statSync(kh).ino, inode);

  // An existing file (one line without a final newline, mode 0644) gets the other host by a
  // rename (new inode), keeps its mode and its line, and no temporary is left beside it.
  const dir = tempDir('director-kh-');
  const kh2 = join(dir, 'known_hosts');
  writeFileSync(kh2, lines[0]!);
  chmodSync(kh2, 0o644);
  const before = statSync(kh2).ino;
  const r2 = await runDirector([...c.argsWithKnownHosts(kh2), 'status', '--ssh']);
  assert.is(r2.code, 0, r2.stdout + r2.stderr);
  assert.equal(readFileSync(kh2, 'utf8').split('\n'), [lines[0], lines[1], '']);
  assert.is.not(statSync(kh2).ino, before, 'rewritten by rename, not in place');
  assert.is(mode(kh2), 0o644, 'an existing mode is kept, never widened');
  assert.equal(readdirSync(dir), ['known_hosts']);
  // `--known-hosts /dev/null` (here a null device of our own) is appended to, never replaced:
  // a rename would put a regular file where the device was.
  const nullDev = join(dir, 'null');
  execFileSync('mknod', ['-m', '666', nullDev, 'c', '1', '3']);
  const r3 = await runDirector([...c.argsWithKnownHosts(nullDev), 'status', '--ssh']);
  assert.is(r3.code, 0, r3.stdout + r3.stderr);
  assert.ok(statSync(nullDev).isCharacterDevice(), 'still a device');
  rmSync(nullDev);
  record({
    id: 'sec-accept-new',
    area: 'security',
    case: 'Unknown host under the default policy (accept-new)',
    does: 'Records its key in OpenSSH format through a temporary file and a rename; a new known_hosts is 0600, an existing one keeps its mode',
    figure: `${lines.length} hosts added, new file ${octal(mode(kh))}, ${readdirSync(dir).length - 1} temporaries left; a device as known_hosts stays a device`,
    test: FILE,
  });
});

test('strict refuses a host that is not in known_hosts', async () => {
  const kh = join(c.dir, 'empty_known_hosts');
  writeFileSync(kh, '');
  const r = await runDirector([...c.argsWithKnownHosts(kh), '--host-key-checking', 'strict', 'status', '--ssh']);
  assert.is(r.code, 1);
  assert.match(r.stdout, /SSH host-key: .* is not in .*empty_known_hosts/);
  assert.is(readFileSync(kh, 'utf8'), '');
  record({
    id: 'sec-strict-unknown',
    area: 'security',
    case: 'Unknown host under --host-key-checking strict',
    does: 'Refuses it before logging in (host key error), known_hosts untouched',
    figure: `exit ${r.code}, ${(r.stdout.match(/host-key/g) ?? []).length}/2 hosts refused`,
    test: FILE,
  });
});

test('hashed known_hosts entries are honoured', async () => {
  const kh = join(c.dir, 'hashed_known_hosts');
  writeFileSync(kh, readFileSync(c.cluster.knownHosts));
  execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
  assert.match(readFileSync(kh, 'utf8'), /^\|1\|/);
  const r = await runDirector([...c.argsWithKnownHosts(kh), '--host-key-checking', 'strict', 'status', '--ssh']);
  assert.is(r.code, 0, r.stdout);
});

test('--host-key-checking off warns, once, on stderr', async () => {
  const kh = join(c.dir, 'off_known_hosts');
  writeFileSync(kh, '');
  const r = await runDirector([...c.argsWithKnownHosts(kh), '--host-key-checking', 'off', 'status', '--ssh']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const warnings = r.stderr.match(/warning: host key checking is off \(--host-key-checking off or StrictHostKeyChecking no\): host keys are not verified/g) ?? [];
  assert.is(warnings.length, 1, r.stderr);
  assert.is(readFileSync(kh, 'utf8'), '', 'off records nothing');
  record({
    id: 'sec-off-warns',
    area: 'security',
    case: '--host-key-checking off',
    does: 'Connects without checking and says so on stderr; records nothing',
    figure: `${warnings.length} warning per run`,
    test: FILE,
  });
});

// ---- private keys and passphrases ---------------------------------------------------------

/** Every piece of a private key file worth hiding: its base64 body cut into 16-character pieces. */
function secretPieces(keyFile: string): string[] {
  const body = readFileSync(keyFile, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('-----')).join('');
  const pieces: string[] = [];
  for (let i = 0; i + 16 <= body.length; i += 16) pieces.push(body.slice(i, i + 16));
  return pieces;
}

function leaks(texts: readonly string[], secrets: readonly string[]): string[] {
  return secrets.filter((s) => texts.some((t) => t.includes(s)));
}

/** Everything a run left on the director: printed output and every file under `dir`. */
function everything(r: CliResult, dir: string, keyFiles: readonly string[]): string[] {
  const out = [r.stdout, r.stderr];
  for (const f of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const file = join(f.parentPath, f.name);
    if (f.isFile() && !keyFiles.includes(file)) out.push(readFileSync(file, 'latin1'));
  }
  return out;
}

test('an encrypted key with DIRECTOR_PASSPHRASE works; neither the passphrase nor the key shows anywhere', async () => {
  const passphrase = 'correct horse battery staple 7f3a';
  const dir = tempDir('director-keys-');
  const key = join(dir, 'id_encrypted');
  copyFileSync(c.cluster.identity, key);
  chmodSync(key, 0o600);
  execFileSync('ssh-keygen', ['-q', '-p', '-N', passphrase, '-f', key], { stdio: 'ignore' });
  const secrets = [passphrase, ...secretPieces(key), ...secretPieces(c.cluster.identity)];
  const args = ['-c', c.cluster.clientsConf, '-i', key, '--known-hosts', c.cluster.knownHosts];
  const env = { DIRECTOR_PASSPHRASE: passphrase, DIRECTOR_TRACE: '1', DIRECTOR_DEBUG: '1' };

  // Works, and the remote environment does not see the passphrase either.
  const ok = await runDirector([...args, 'exec', '--output', join(dir, 'out'), '--', 'env'], { env, cwd: dir });
  assert.is(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /DIRECTOR_HOST_INDEX=/);
  const ran = await runDirector([...args, '--json', 'status', '--ssh'], { env, cwd: dir });
  assert.is(ran.code, 0, ran.stdout + ran.stderr);

  // Missing, wrong: a usage error that names the file and nothing else of it.
  const none = await runDirector([...args, 'status', '--ssh'], { env: { DIRECTOR_TRACE: '1' }, cwd: dir });
  assert.is(none.code, 2);
  assert.match(none.stderr, `cannot use identity file ${key}: it is encrypted; give its passphrase in DIRECTOR_PASSPHRASE`);
  const wrong = await runDirector([...args, 'status', '--ssh'], { env: { ...env, DIRECTOR_PASSPHRASE: 'wrong horse 9c1e' }, cwd: dir });
  assert.is(wrong.code, 2);
  assert.match(wrong.stderr, /DIRECTOR_PASSPHRASE does not open it \(wrong passphrase\?\)/);
  assert.not.ok(wrong.stderr.includes('wrong horse'), 'the wrong passphrase is not echoed');

  // A damaged key file: the error names it but quotes none of its contents.
  const damaged = join(dir, 'id_damaged');
  const text = readFileSync(c.cluster.identity, 'utf8');
  const keyLines = text.split('\n');
  keyLines.splice(2, 2); // two lines of the body gone: a truncated copy
  writeFileSync(damaged, keyLines.join('\n'), { mode: 0o600 });
  const bad = await runDirector(['-c', c.cluster.clientsConf, '-i', damaged, '--known-hosts', c.cluster.knownHosts, 'status', '--ssh'], { env, cwd: dir });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, `cannot use identity file ${damaged}`);

  const seen = [...everything(ok, dir, [key, damaged]), ran.stdout, ran.stderr, none.stdout, none.stderr, wrong.stdout, wrong.stderr, bad.stdout, bad.stderr];
  const leaked = leaks(seen, secrets);
  assert.equal(leaked, [], 'no secret in any output, log or file');
  record({
    id: 'sec-secrets',
    area: 'security',
    case: 'Encrypted key: right, missing and wrong passphrase; a damaged key file',
    does: 'Reads the passphrase from DIRECTOR_PASSPHRASE only; errors name the key file and never quote the key or the passphrase',
    figure: `${secrets.length} secret pieces searched in ${seen.length} outputs, logs (DIRECTOR_TRACE, DIRECTOR_DEBUG) and files: ${leaked.length} found`,
    test: FILE,
  });
});

// ---- director's own files -----------------------------------------------------------------

test('placement records and local state are written by rename, 0600 in a 0700 folder, no temporaries left', async () => {
  const cwd = tempDir('director-sec-cwd-');
  const first = makeData(['s_1.txt', 's_2.txt']);
  const r1 = await runDirector([...c.args(), 'data', first.dir, 'secp'], { cwd });
  assert.is(r1.code, 0, r1.stdout + r1.stderr);
  const record1 = join(cwd, '.director', 'secp', 'placement.json');
  const ino = statSync(record1).ino;
  const second = makeData(['s_3.txt']);
  const r2 = await runDirector([...c.args(), 'data', second.dir, 'secp'], { cwd });
  assert.is(r2.code, 0, r2.stdout + r2.stderr);
  assert.is(mode(record1), 0o600);
  assert.is(mode(join(cwd, '.director')), 0o700);
  assert.is.not(statSync(record1).ino, ino, 'replaced by rename');
  assert.equal(readdirSync(join(cwd, '.director', 'secp')), ['placement.json'], 'no temporary left');
  const files = (JSON.parse(readFileSync(record1, 'utf8')) as { files: unknown[] }).files.length;
  assert.is(files, 3);

  await withEnv(1, async (env) => {
    const start = await env.run(['start_local']);
    assert.is(start.code, 0, start.stdout + start.stderr);
    const stateMode = mode(env.stateFile);
    assert.is(stateMode, 0o600);
    const stateTemps = readdirSync(dirname(env.stateFile)).filter((n) => n !== 'local.json');
    assert.equal(stateTemps, [], 'no temporary beside the state file');
    // Listening on 127.0.0.1 only: another loopback address of the same machine is refused.
    const port = env.ports[0]!;
    const listeners = listening(port);
    assert.equal(listeners, ['127.0.0.1'], `listeners on ${port}: ${listeners.join(', ')}`);
    const other = await tryConnect('127.0.0.2', port);
    assert.is(other, 'ECONNREFUSED');
    assert.is(await tryConnect('127.0.0.1', port), 'connected');
    const stop = await env.run(['shutdown_local']);
    assert.is(stop.code, 0, stop.stdout + stop.stderr);
    record({
      id: 'sec-local-bind',
      area: 'security',
      case: 'Local services: where they listen',
      does: 'Bind 127.0.0.1 only; another address of the same machine is refused',
      figure: `listeners: ${listeners.join(', ')}; 127.0.0.2 → ${other}`,
      test: FILE,
    });
    record({
      id: 'sec-own-files',
      area: 'security',
      case: "director's own files: placement records, local-mode state, known_hosts additions",
      does: 'Written whole to a temporary file, fsynced and renamed; records and state 0600 in a 0700 .director folder',
      figure: `placement.json ${octal(mode(record1))}, .director ${octal(mode(join(cwd, '.director')))}, local.json ${octal(stateMode)}, ${readdirSync(join(cwd, '.director', 'secp')).length - 1 + stateTemps.length} temporaries left`,
      test: FILE,
    });
  });
});

/** Local addresses of the sockets listening on `port`, from /proc/net/tcp and tcp6. */
function listening(port: number): string[] {
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== '0A') continue; // 0A = LISTEN
      const [addr, p] = f[1]!.split(':');
      if (parseInt(p!, 16) !== port) continue;
      out.push(addr!.length === 8 ? addr!.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join('.') : `[${addr}]`);
    }
  }
  return out;
}

function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((done) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      done('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

// Last: it changes host 1's key for good.
test('a changed host key is refused by default, naming host, file:line and both fingerprints; others go on', async () => {
  const kh = join(c.dir, 'changed_known_hosts');
  writeFileSync(kh, readFileSync(c.cluster.knownHosts));
  const before = c.hosts[1]!.hostKeyPublic;
  await rekeyHost(c.cluster, 1);
  const after = c.hosts[1]!.hostKeyPublic;
  const fp = (pub: string) => execFileSync('ssh-keygen', ['-lf', '-'], { input: pub, encoding: 'utf8' }).split(' ')[1]!;
  // No --host-key-checking: the default policy.
  const r = await runDirector([...c.argsWithKnownHosts(kh), 'exec', '--', 'echo', 'ran']);
  assert.is(r.code, 4, r.stdout + r.stderr);
  const h = c.hosts[1]!;
  assert.match(r.stdout + r.stderr, `HOST KEY CHANGED for [${h.address}]:${h.port}`);
  assert.match(r.stdout + r.stderr, `${kh}:2`);
  assert.ok((r.stdout + r.stderr).includes(fp(before)) && (r.stdout + r.stderr).includes(fp(after)), r.stdout);
  assert.is((r.stdout.match(/\bran\b/g) ?? []).length, 1, 'only the host with the right key ran the command');
  assert.is(readFileSync(kh, 'utf8'), readFileSync(c.cluster.knownHosts, 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
  record({
    id: 'sec-changed-key',
    area: 'security',
    case: 'A host whose key changed (default policy)',
    does: 'Refuses it before authenticating, naming host, known_hosts file:line and both fingerprints; the other hosts go on',
    figure: `exit ${r.code}; 1 of 2 hosts ran the command`,
    test: FILE,
  });
});

test.run();
