// The connection keeper on real sshd hosts: 50 commands on one accepted connection per host
// (counted in sshd's own log), status --keeper, disconnect verified, --no-keeper; the socket
// closed to another user and to a caller without the token; another clients.conf not served;
// Ctrl-C through the keeper; a keeper killed mid-command (an error at once, never a hang);
// the idle limit.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseGlobals } from '../../src/cli/globals.js';
import { runIn } from '../../src/keeper/client.cjs';
import { FrameReader, jsonFrame, KIND, parseJson } from '../../src/keeper/frames.cjs';
import { keeperKey } from '../../src/keeper/key.js';
import { keeperPaths, readCard } from '../../src/keeper/place.cjs';
import { runDirector } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { statFields } from '../../src/process-tree.js';
import { allPids, commandLine, processesWith } from '../support/proc.js';
import { workDir } from '../support/run-e2e.js';
import { distinctiveSleep } from '../support/run-spawn.js';
import { tempDir } from '../support/temp.js';
import { typeInto } from '../support/typist.js';
import { waitUntil } from '../support/wait.js';

/** TCP connections each host's sshd accepted so far (LogLevel VERBOSE logs each one). */
const accepted = (c: TestCluster) => c.hosts.map((h) => (readFileSync(h.logFile, 'utf8').match(/Connection from \S+ port \d+/g) ?? []).length);
/** No such process, or only its zombie (an orphan here may wait for a reaper that never comes). */
const gone = (pid: number) => {
  const state = statFields(pid)?.[0];
  return state === undefined || state === 'Z';
};

let cluster: Promise<TestCluster> | undefined;
const verboseCluster = () => (cluster ??= startCluster(2, { sshdConfig: ['LogLevel VERBOSE'] }));

/** A private runtime folder per test: its keepers are its own. */
const runtime = () => ({ XDG_RUNTIME_DIR: tempDir('director-keeper-') });

test('50 commands through a keeper: one connection accepted per host; status --keeper; --no-keeper; disconnect verified', async () => {
  const c = await verboseCluster();
  const env = runtime();
  const cwd = workDir('keeper-50');
  const before = accepted(c);
  const conn = await runDirector([...c.args(), 'connect'], { cwd, env });
  assert.is(conn.code, 0, conn.stdout + conn.stderr);
  const pid = Number(/keeper pid (\d+) keeps 2 connections/.exec(conn.stdout)?.[1]);
  assert.ok(pid > 0, conn.stdout);
  for (let i = 0; i < 50; i++) {
    const r = await runDirector([...c.args(), 'exec', '--', `echo "n${i} $DIRECTOR_HOST_INDEX"`], { cwd, env });
    assert.is(r.code, 0, r.stderr);
    c.hosts.forEach((h, x) => assert.ok(r.stdout.includes(`${h.name}: n${i} ${x}\n`), r.stdout));
  }
  assert.equal(
    accepted(c).map((n, i) => n - before[i]!),
    [1, 1],
    'one connection per host, made by connect',
  );
  // What the keeper does not run is refused untouched and done here: a usage error, help,
  // a command that works on no connection. The keeper neither prints nor counts them.
  const bad = await runDirector([...c.args(), 'exec', '--fold', '--bogus', '--', 'true'], { cwd, env });
  assert.is(bad.code, 2);
  assert.is(bad.stderr.match(/unknown option '--bogus'/g)?.length, 1, bad.stderr);
  assert.is(bad.stdout, '');
  // Nothing of the refused line stays in the keeper's parser: the next command is not folded.
  const next = await runDirector([...c.args(), 'exec', '--', 'echo next'], { cwd, env });
  assert.is(next.code, 0, next.stderr);
  c.hosts.forEach((h) => assert.ok(next.stdout.includes(`${h.name}: next\n`), next.stdout));
  const hosts = await runDirector([...c.args(), 'hosts', '-c'], { cwd, env });
  assert.equal([hosts.code, hosts.stdout], [0, '2\n'], hosts.stderr);
  const missing = await runDirector([...c.args(), 'mkdir', 'only-one-word'], { cwd, env });
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /missing required argument 'dirName'/);
  assert.equal(accepted(c).map((n, i) => n - before[i]!), [1, 1], 'nothing connected for them');
  const st = await runDirector([...c.args(), 'status', '--keeper'], { cwd, env });
  assert.is(st.code, 0);
  assert.match(st.stdout, new RegExp(`keeper pid ${pid} .* \\(serves these options\\): 2 of 2 connected, idle \\d+s, 52 commands`));
  const direct = await runDirector([...c.args(), '--no-keeper', 'exec', '--', 'true'], { cwd, env });
  assert.is(direct.code, 0);
  assert.equal(accepted(c).map((n, i) => n - before[i]!), [2, 2], '--no-keeper connects on its own');
  const off = await runDirector([...c.args(), 'disconnect'], { cwd, env });
  assert.is(off.code, 0);
  assert.match(off.stdout, new RegExp(`stopped keeper pid ${pid} .*: 2 connections closed`));
  assert.ok(gone(pid), 'the keeper process is gone when disconnect says stopped');
  const none = await runDirector([...c.args(), 'status', '--keeper'], { cwd, env });
  assert.is(none.code, 1);
  assert.match(none.stdout, /no keeper running/);
});

/** Runs a small Node program as the user nobody; its last line of stdout, parsed. */
function asNobody(program: string, ...args: string[]): { code?: string; frame?: string; why?: string } {
  const out = execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '-e', program, ...args], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as { code?: string };
}

const NOBODY_CONNECTS = `
const net = require('node:net');
const [socket, hello] = process.argv.slice(1);
const s = net.connect(socket);
s.on('error', (e) => { console.log(JSON.stringify({ code: e.code })); process.exit(0); });
s.on('connect', () => {
  const body = Buffer.from(hello);
  const head = Buffer.alloc(5); head[0] = 0x48; head.writeUInt32BE(body.length, 1);
  s.write(Buffer.concat([head, body]));
  let got = Buffer.alloc(0);
  s.on('data', (d) => { got = Buffer.concat([got, d]); });
  s.on('close', () => console.log(JSON.stringify({ frame: String.fromCharCode(got[0] ?? 63), why: got.subarray(5).toString() })));
});`;

test('another user cannot reach the socket, nor read the token; a caller without the token is refused; another clients.conf is not served', async () => {
  const c = await verboseCluster();
  const env = runtime();
  const cwd = workDir('keeper-uid');
  const conn = await runDirector([...c.args(), 'connect'], { cwd, env });
  assert.is(conn.code, 0, conn.stderr);
  const raw = { clients: c.cluster.clientsConf, identity: c.cluster.identity, knownHosts: c.cluster.knownHosts };
  const key = keeperKey(parseGlobals(raw, {}))!;
  const dir = join(env.XDG_RUNTIME_DIR, 'director');
  const paths = keeperPaths(dir, key);
  const card = readCard(paths.card)!;
  const hello = JSON.stringify({ kind: 'run', token: 'a guess', key, argv: ['exec', '--', 'id'], cwd: '/', env: {}, tty: { stdin: false, stdout: false, stderr: false } });
  try {
    // The folder is 0700: nobody gets no further than the folder.
    assert.equal(asNobody(NOBODY_CONNECTS, paths.socket, hello), { code: 'EACCES' });
    // Opened up by hand, the socket still answers nobody with a refusal, and the card stays unreadable.
    chmodSync(env.XDG_RUNTIME_DIR, 0o711);
    chmodSync(dir, 0o711);
    chmodSync(paths.socket, 0o666);
    const r = asNobody(NOBODY_CONNECTS, paths.socket, hello);
    assert.is(r.frame, 'N', JSON.stringify(r));
    assert.match(r.why ?? '', /not this keeper's token/);
    assert.equal(asNobody(`try { require('node:fs').readFileSync(process.argv[1]); console.log('{}') } catch (e) { console.log(JSON.stringify({ code: e.code })) }`, paths.card), { code: 'EACCES' });
  } finally {
    chmodSync(paths.socket, 0o600);
    chmodSync(dir, 0o700);
    chmodSync(env.XDG_RUNTIME_DIR, 0o700);
  }
  // The right token with the key of another clients.conf: refused, so the caller goes direct.
  const other = join(cwd, 'clients.conf');
  writeFileSync(other, `# another file\n${c.hosts.map((h) => h.name).join('\n')}\n`);
  const otherKey = keeperKey(parseGlobals({ ...raw, clients: other }, {}))!;
  assert.is.not(otherKey, key);
  assert.is(await runIn({ paths, card }, ['-c', other, 'exec', '--', 'true']), undefined);
  const before = accepted(c);
  const r = await runDirector(['-c', other, '-i', c.cluster.identity, '--known-hosts', c.cluster.knownHosts, 'exec', '--', 'true'], { cwd, env });
  assert.is(r.code, 0, r.stderr);
  assert.equal(accepted(c).map((n, i) => n - before[i]!), [1, 1], 'run directly, on connections of its own');
  // The right token from a caller of another build of director: refused before its argv is looked at.
  const fromOtherBuild = await rawHello(paths.socket, { kind: 'run', token: card.token, build: 'an older build', argv: ['exec', '--', 'true'], cwd, env: {}, tty: { stdin: false, stdout: false, stderr: false } });
  assert.equal(fromOtherBuild, { frame: 'N', why: 'another build of director' });
  await runDirector([...c.args(), 'disconnect'], { cwd, env });
});

/** Sends one hello to a keeper's socket; its first answer frame's kind and refusal reason. */
function rawHello(socket: string, hello: object): Promise<{ frame: string; why?: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    const reader = new FrameReader();
    s.on('error', reject);
    s.on('data', (d: Buffer) => {
      const f = reader.push(d)[0];
      if (f === undefined) return;
      s.destroy();
      resolve({ frame: String.fromCharCode(f.kind), why: f.kind === KIND.refused ? parseJson<{ why: string }>(f).why : undefined });
    });
    s.write(jsonFrame(KIND.hello, hello));
  });
}

test('Ctrl-C through a keeper: exit 130, remote commands killed; a keeper killed mid-command: exit 1 at once, and the next command runs directly', async () => {
  const c = await verboseCluster();
  const env = runtime();
  const cwd = workDir('keeper-kill');
  const conn = await runDirector([...c.args(), 'connect'], { cwd, env });
  const pid = Number(/keeper pid (\d+)/.exec(conn.stdout)?.[1]);
  let sleep = distinctiveSleep();
  let cli = typeInto([...c.args(), 'exec', '--', `echo started; ${sleep}`], { cwd, env, terminal: false });
  cli.end();
  await cli.seen(/started[\s\S]*started/);
  cli.child.kill('SIGINT');
  assert.is(await cli.exit(20_000), 130);
  assert.match(cli.text(), /interrupted: stopping remote commands/);
  assert.match(cli.text(), /interrupted: the remote command was killed/);
  assert.equal(processesWith(sleep), []);
  sleep = distinctiveSleep();
  cli = typeInto([...c.args(), 'exec', '--', `echo started; ${sleep}`], { cwd, env, terminal: false });
  cli.end();
  try {
    await cli.seen(/started[\s\S]*started/);
    process.kill(pid, 'SIGKILL');
    assert.is(await cli.exit(10_000), 1, 'no hang');
    assert.match(cli.text(), new RegExp(`the connection keeper \\(pid ${pid}\\) went away during the command .*what the clients did is unknown`));
  } finally {
    // The remote commands outlive a killed keeper, as they outlive a director killed with -9.
    for (const p of allPids()) if (commandLine(p)?.startsWith(sleep)) process.kill(p, 'SIGKILL');
  }
  const before = accepted(c);
  const r = await runDirector([...c.args(), 'exec', '--', 'echo direct'], { cwd, env });
  assert.is(r.code, 0, r.stderr);
  assert.equal(accepted(c).map((n, i) => n - before[i]!), [1, 1]);
});

test('connect again reuses the running keeper; --persist: it leaves by itself once idle that long', async () => {
  const c = await verboseCluster();
  const env = runtime();
  const cwd = workDir('keeper-idle');
  const first = await runDirector([...c.args(), 'connect', '--persist', '1h'], { cwd, env });
  const pid = Number(/keeper pid (\d+)/.exec(first.stdout)?.[1]);
  const before = accepted(c);
  const again = await runDirector([...c.args(), 'connect', '--persist', '2s'], { cwd, env });
  assert.is(again.code, 0);
  assert.match(again.stdout, new RegExp(`keeper pid ${pid} keeps 2 connections; it leaves after 2s without a command`));
  assert.equal(accepted(c).map((n, i) => n - before[i]!), [0, 0]);
  // Commands it does not run (each offered to it, and refused) are not use: it still leaves.
  const started = Date.now();
  while (!gone(pid) && Date.now() - started < 20_000) {
    const h = await runDirector([...c.args(), 'hosts', '-c'], { cwd, env });
    assert.equal([h.code, h.stdout], [0, '2\n'], h.stderr);
  }
  assert.ok(gone(pid), 'the keeper left after 2 s without a command it ran, though refused ones kept coming');
  const st = await runDirector([...c.args(), 'status', '--keeper'], { cwd, env });
  assert.match(st.stdout, /no keeper running/);
});

test('a keeper that does not answer (stopped): the command runs here after a few seconds, and never again there when it wakes', async () => {
  const c = await verboseCluster();
  const env = runtime();
  const cwd = workDir('keeper-stopped');
  const conn = await runDirector([...c.args(), 'connect'], { cwd, env });
  const pid = Number(/keeper pid (\d+)/.exec(conn.stdout)?.[1]);
  const mark = `ran-${process.pid}-${Date.now()}`;
  const count = () => c.hosts.map((h) => (existsSync(join(h.home, mark)) ? readFileSync(join(h.home, mark), 'utf8').split('\n').filter(Boolean).length : 0));
  process.kill(pid, 'SIGSTOP');
  try {
    const t = Date.now();
    const r = await runDirector([...c.args(), 'exec', '--', `echo x >> ${mark}`], { cwd, env: { ...env, DIRECTOR_DEBUG: '1' } });
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`keeper pid ${pid} did not answer within \\d+s: running directly`));
    assert.ok(Date.now() - t < 15_000, 'not a hang');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  // Awake, it reads the old request and refuses it: the command ran once on each host.
  const st = await runDirector([...c.args(), 'status', '--keeper'], { cwd, env });
  assert.match(st.stdout, new RegExp(`keeper pid ${pid} .*, 1 commands`), st.stdout);
  assert.equal(count(), [1, 1]);
  await runDirector([...c.args(), 'disconnect'], { cwd, env });
});

test.after(async () => {
  if (cluster) await (await cluster).stop();
});

test.run();
