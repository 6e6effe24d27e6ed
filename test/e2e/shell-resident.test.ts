// director shell's resident shell (ssh/resident-shell.ts) on real sshd hosts: each line goes
// into one long-lived channel per client, no SSH session per line (sshd's log, LogLevel
// VERBOSE, says "Starting session" for every channel); output byte for byte with its exit
// status, a line printing token-shaped text, Ctrl-C and the time limit killing the line's
// processes (none left, counted on the hosts) with the resident shell usable after, a resident
// shell killed on the host (the line says so, the next line gets a new one), and every kind of
// remote (login shells, dropbear, no SFTP, chatty rc files) giving the same as exec's channels.
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exec } from '../../src/commands/exec.js';
import { ShellSession } from '../../src/commands/shell.js';
import type { RunOutcome } from '../../src/run/types.js';
import type { Fleet } from '../../src/ssh/fleet.js';
import { SessionPool } from '../../src/ssh/session-pool.js';
import { startCluster, type FleetOptions, type TestCluster } from '../support/cluster.js';
import { ALL_KINDS, CHATTY_LINE, KINDS } from '../support/matrix-kinds.js';
import { matrixSupported, startMatrix } from '../support/matrix.js';
import { commandLine, hostPath, hostProcesses, processesWith } from '../support/proc.js';
import { workDir } from '../support/run-e2e.js';
import { distinctiveSleep } from '../support/run-spawn.js';
import { waitUntil } from '../support/wait.js';

interface Shell {
  session: ShellSession;
  pool: SessionPool;
}

async function openShell(fleet: (o: FleetOptions) => Fleet, timeoutMs?: number): Promise<Shell> {
  const pool = new SessionPool({ holdProcess: false });
  const session = new ShellSession(fleet({ pool }), pool, { view: 'quiet', timeoutMs });
  const connected = await session.connect(new AbortController().signal);
  assert.ok(connected.every((r) => r.ok), JSON.stringify(connected));
  return { session, pool };
}

interface Ran {
  outcome: RunOutcome;
  notices: string[];
  out: Buffer[];
  err: Buffer[];
}

/** Runs a line on every client; each client's stdout and stderr as the bytes kept in its folder. */
async function line(sh: Shell, command: string, signal = new AbortController().signal, hosts?: string, live: string[] = []): Promise<Ran> {
  const notices: string[] = [];
  const events = { notice: (m: string) => notices.push(m), lines: (_c: unknown, _s: unknown, block: Buffer) => void live.push(block.toString()) };
  const outcome = await sh.session.run({ kind: 'run', command, ...(hosts ? { hosts } : {}) }, signal, events, workDir('resident-out'));
  const read = (dir: string | undefined, name: string) => readFileSync(join(dir as string, name));
  return { outcome, notices, out: outcome.hosts.map((h) => read(h.dir, 'stdout')), err: outcome.hosts.map((h) => read(h.dir, 'stderr')) };
}

/** Channels sshd opened so far on host `i` (its log at LogLevel VERBOSE says so for each). */
function sessionsOn(c: TestCluster, i: number): number {
  return (readFileSync(c.hosts[i]!.logFile, 'utf8').match(/Starting session: /g) ?? []).length;
}

/** director's loop: the login shell running it (POSIX shells), else the /bin/sh that does (fish, tcsh). */
const RESIDENT = /^(\S+ -c [\s\S]*__director_nl=|\/bin\/sh -c eval )/;

/** The resident shell on host `i`: the one process running director's loop. */
function residentPid(c: TestCluster, i: number): number | undefined {
  return hostProcesses(c, i).find((p) => RESIDENT.test(commandLine(p) ?? ''));
}

let c: TestCluster;

test.before(async () => {
  c = await startCluster(2, { sshdConfig: ['LogLevel VERBOSE'] });
});

test.after(async () => {
  await c.stop();
});

test('lines: bytes as written (no final newline, binary), stderr apart, exit codes, token-shaped text; no new SSH session per line', async () => {
  const sh = await openShell((o) => c.fleet(o));
  try {
    const before = [0, 1].map((i) => sessionsOn(c, i));
    assert.ok(before.every((n) => n >= 1), `the resident shell's own session is in the log: ${before}`);
    assert.ok(residentPid(c, 0) !== undefined && residentPid(c, 1) !== undefined, 'a resident sh on each host once connected');
    let r = await line(sh, `printf 'a\\nb'`);
    assert.is(r.outcome.exitCode, 0);
    r.out.forEach((b) => assert.is(b.toString(), 'a\nb'));
    r = await line(sh, `printf '\\000\\001\\377\\r\\n__x'; printf 'to err' >&2; exit 7`);
    assert.is(r.outcome.exitCode, 5);
    r.outcome.hosts.forEach((h) => assert.is(h.code, 7));
    r.out.forEach((b) => assert.equal([...b], [0, 1, 0xff, 0x0d, 0x0a, 0x5f, 0x5f, 0x78]));
    r.err.forEach((b) => assert.is(b.toString(), 'to err'));
    // Text shaped like the frames, with tokens the line cannot know: passed on as output.
    const fake = '__director_line_0123456789abcdef01234567__';
    r = await line(sh, `echo "${fake} end 0"; printf '${fake} pid 1'; echo "$DIRECTOR_HOST_INDEX/$DIRECTOR_HOST_COUNT" >&2`);
    assert.is(r.outcome.exitCode, 0);
    r.out.forEach((b) => assert.is(b.toString(), `${fake} end 0\n${fake} pid 1`));
    r.err.forEach((b, i) => assert.is(b.toString(), `${i}/2\n`));
    // Megabytes through the frames, with the channel's flow control between them and the files.
    r = await line(sh, 'yes 0123456789 | head -c 3000000; printf tail');
    r.out.forEach((b) => assert.ok(b.equals(Buffer.concat([Buffer.from('0123456789\n'.repeat(272728)).subarray(0, 3000000), Buffer.from('tail')])), `${b.length} bytes`));
    r = await line(sh, 'echo after');
    r.out.forEach((b) => assert.is(b.toString(), 'after\n'));
    assert.equal([0, 1].map((i) => sessionsOn(c, i)), before, 'no SSH session opened for 5 lines');
    // The count is the right one: exec's way opens one per client.
    await exec({ words: ['true'], gather: false, keepRemote: false }, { fleet: c.fleet({ pool: sh.pool }) });
    assert.equal([0, 1].map((i) => sessionsOn(c, i)), before.map((n) => n + 1));
  } finally {
    sh.session.close();
  }
});

test('Ctrl-C and the time limit kill the line (nothing left on the hosts); the resident shell runs the next line', async () => {
  const sh = await openShell((o) => c.fleet(o));
  try {
    const resident = [residentPid(c, 0), residentPid(c, 1)];
    const sleep = distinctiveSleep();
    const stop = new AbortController();
    const live: string[] = [];
    const running = line(sh, `echo started; ${sleep} & ${sleep}; echo never`, stop.signal, undefined, live);
    await waitUntil(() => processesWith(sleep).filter((l) => l.startsWith('sleep ')).length === 4, 20_000, 'two sleeps on each host');
    await waitUntil(() => live.join('') === 'started\nstarted\n', 20_000, 'the output shown while the line runs');
    stop.abort();
    let r = await running;
    r.outcome.hosts.forEach((h) => {
      assert.is(h.state, 'interrupted');
      assert.match(h.error?.message ?? '', /the remote command was killed/);
    });
    r.out.forEach((b) => assert.is(b.toString(), 'started\n'));
    assert.equal(processesWith(sleep), [], 'nothing of the line left on the hosts');
    r = await line(sh, 'echo next');
    r.out.forEach((b) => assert.is(b.toString(), 'next\n'));
    assert.equal([residentPid(c, 0), residentPid(c, 1)], resident, 'the same resident shells');
    sh.session.settings.timeoutMs = 500;
    const slow = distinctiveSleep();
    r = await line(sh, `echo started; ${slow}`);
    r.outcome.hosts.forEach((h) => assert.match(`${h.state} ${h.error?.message}`, /^timeout after 0\.5s; the remote command was killed$/));
    r.out.forEach((b) => assert.is(b.toString(), 'started\n'));
    assert.equal(processesWith(slow), []);
    sh.session.settings.timeoutMs = undefined;
    r = await line(sh, 'echo again');
    r.out.forEach((b) => assert.is(b.toString(), 'again\n'));
  } finally {
    sh.session.close();
  }
});

test('a resident shell killed on the host: its line says so (its processes stopped), the next line gets a new one; killed while idle too', async () => {
  const sh = await openShell((o) => c.fleet(o));
  try {
    const [first0, first1] = [residentPid(c, 0) as number, residentPid(c, 1) as number];
    const sleep = distinctiveSleep();
    const running = line(sh, `${sleep}; echo never`, undefined, c.hosts[1]!.name);
    await waitUntil(() => processesWith(sleep).some((l) => l.startsWith('sleep ')), 20_000, 'the sleep running');
    process.kill(first1, 'SIGKILL');
    let r = await running;
    const h = r.outcome.hosts[0]!;
    assert.is(h.state, 'failed');
    assert.match(h.error?.message ?? '', /resident shell on the client ended during the line \(killed by signal KILL\); the line's processes were killed/);
    assert.equal(processesWith(sleep), [], 'the line stopped with its resident shell');
    // Host 0's resident shell dies while no line runs.
    process.kill(first0, 'SIGKILL');
    await waitUntil(() => residentPid(c, 0) === undefined, 10_000, 'the idle resident shell gone');
    // A line sent before the director heard of the death reports it; the next one gets a new shell.
    r = await line(sh, 'echo raced');
    if (r.outcome.hosts[0]!.state !== 'success') assert.match(r.outcome.hosts[0]!.error?.message ?? '', /^director's resident shell on the client ended during the line \(killed by signal KILL\)/);
    r = await line(sh, 'echo back');
    assert.is(r.outcome.exitCode, 0, JSON.stringify(r.outcome.hosts.map((x) => x.error?.message)));
    r.out.forEach((b) => assert.is(b.toString(), 'back\n'));
    const now = [residentPid(c, 0), residentPid(c, 1)];
    assert.ok(now[0] !== undefined && now[0] !== first0 && now[1] !== undefined && now[1] !== first1, `new resident shells: ${now}`);
  } finally {
    sh.session.close();
  }
});

test("a background process writing after its line ended: into the line running then, or said between lines; later frames intact", async () => {
  const sh = await openShell((o) => c.fleet(o));
  const home = userInfo().homedir;
  const w = c.hosts[0]!.name;
  try {
    let r = await line(sh, `rm -f "$HOME/.bg1" "$HOME/.bg2"; (sleep 0.2; echo late; : > "$HOME/.bg1") & echo quick`, undefined, w);
    assert.is(r.out[0]!.toString(), 'quick\n', 'the line ends with its shell, not with its background process');
    r = await line(sh, `until [ -e "$HOME/.bg1" ]; do sleep 0.05; done; echo second`, undefined, w);
    assert.is(r.out[0]!.toString(), 'late\nsecond\n');
    r = await line(sh, `(sleep 0.2; printf between; : > "$HOME/.bg2") & echo quick`, undefined, w);
    assert.is(r.out[0]!.toString(), 'quick\n');
    await waitUntil(() => existsSync(hostPath(c, 0, join(home, '.bg2'))), 20_000, 'the background process written');
    r = await line(sh, 'printf fourth', undefined, w);
    assert.is(r.out[0]!.toString(), 'fourth');
    assert.equal(r.notices, [`${w}: 7 bytes of output came between lines (a background process of an earlier line wrote them after its line ended); not shown`]);
    r = await line(sh, 'rm -f "$HOME/.bg1" "$HOME/.bg2"; echo fifth', undefined, w);
    assert.is(r.out[0]!.toString(), 'fifth\n');
    assert.equal(r.notices, []);
  } finally {
    sh.session.close();
  }
});

test('a client where the resident shell cannot start (no base64 on its PATH) runs each line on a channel of its own', async () => {
  const bare = await startCluster(1, { sshdConfig: ['LogLevel VERBOSE', 'SetEnv PATH=/nonexistent'] });
  const sh = await openShell((o) => bare.fleet(o));
  try {
    assert.is(residentPid(bare, 0), undefined);
    assert.match(sh.session.hosts()[0]?.kept?.noResident ?? "", /^the resident shell did not start: it ended: .*base64/, JSON.stringify(sh.session.hosts()[0]?.kept));
    const before = sessionsOn(bare, 0);
    for (const n of [1, 2]) {
      const r = await line(sh, `echo "line ${n} $DIRECTOR_HOST_INDEX"; exit ${n}`);
      assert.is(r.outcome.hosts[0]!.code, n);
      assert.is(r.out[0]!.toString(), `line ${n} 0\n`);
      assert.is(sessionsOn(bare, 0), before + n, 'one SSH session for the line');
    }
  } finally {
    sh.session.close();
    await bare.stop();
  }
});

test('every kind of remote: 3 lines through its resident shell give what exec gives on channels of their own', async () => {
  if (!matrixSupported()) return void console.log('  (matrix skipped: needs root)');
  const m = await startMatrix(ALL_KINDS);
  const sh = await openShell((o) => m.fleet(o));
  try {
    for (const command of ['echo "hi $DIRECTOR_HOST_INDEX"', `printf 'no newline'`, 'echo oops >&2; exit 3']) {
      const viaShell = await line(sh, command);
      const root = workDir('resident-exec');
      const viaExec = await exec({ words: [command], outputRoot: root, gather: false, keepRemote: false }, { fleet: m.fleet() });
      viaShell.outcome.hosts.forEach((h, i) => {
        const kind = m.hosts[i]!.kind;
        const e = viaExec.hosts[i]!;
        assert.is(h.code, e.code, `${kind}: ${command}: ${h.error?.message}`);
        // The resident login shell read its rc files once, when it started: not again per line, as exec's shells do.
        const rcOnce = (text: string) => (KINDS[kind].chatty ? text.replace(`${CHATTY_LINE} (.bashrc)\n`, '') : text);
        assert.is(viaShell.out[i]!.toString(), rcOnce(readFileSync(join(e.dir!, 'stdout'), 'utf8')), `${kind} stdout: ${command}`);
        assert.is(viaShell.err[i]!.toString(), rcOnce(readFileSync(join(e.dir!, 'stderr'), 'utf8')), `${kind} stderr: ${command}`);
      });
    }
    const resident = m.hosts.map((_h, i) => hostProcesses(m, i).find((p) => RESIDENT.test(commandLine(p) ?? '')));
    assert.equal(resident.map((p) => p !== undefined), m.hosts.map(() => true), 'a resident shell on every kind');
    // It is the login shell itself where that reads sh (lines by eval), /bin/sh under fish and tcsh.
    resident.forEach((p, i) => {
      const kind = m.hosts[i]!.kind;
      const loop = commandLine(p!) ?? '';
      assert.is(loop.startsWith('/bin/sh -c eval '), !KINDS[kind].posix, `${kind}: ${loop.slice(0, 40)}`);
    });
    // Ctrl-C on every kind: nothing left, and the resident shells run the next line.
    const sleep = distinctiveSleep();
    const stop = new AbortController();
    const running = line(sh, `${sleep}; echo never`, stop.signal);
    await waitUntil(() => processesWith(sleep).filter((l) => l.startsWith('sleep ')).length === m.hosts.length, 30_000, 'the sleep on every host');
    stop.abort();
    const stopped = await running;
    stopped.outcome.hosts.forEach((h, i) => assert.is(`${h.state}: ${h.error?.message}`, 'interrupted: the remote command was killed', m.hosts[i]!.kind));
    assert.equal(processesWith(sleep), []);
    const after = await line(sh, 'echo ok');
    after.out.forEach((b, i) => assert.is(b.toString(), 'ok\n', m.hosts[i]!.kind));
  } finally {
    sh.session.close();
    m.kill();
  }
});

test.run();
