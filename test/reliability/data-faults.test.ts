// Faults during `director data`, against real sshd hosts: a client killed mid-transfer, a
// client whose disk fills up, clients that report wrong checksums, and director itself
// stopped by SIGINT or SIGTERM. In every case each file ends verified on a client or intact
// in the source folder, nothing with wrong bytes sits at a final name, the placement record
// matches the hosts, nothing keeps running on them, and a rerun completes the job.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { holders, makeData, recordedCopies, type Made } from '../support/data-files.js';
import { killHost } from '../support/host-control.js';
import { fakeBinaryInHost, hostTemporaries, hostViewReader, projectPathInHost, tmpfsInHost } from '../support/host-view.js';
import { describe, hostNamespace, hostProcessesMatching, processesLeft, processesWith, writingFileEndingWith } from '../support/proc.js';
import { inHost, ledger, record, recordMismatches, type Figure, type Ledger, type RemoteReader } from '../support/reliability.js';
import { esc } from '../support/run-e2e.js';
import { watchDirector } from '../support/run-spawn.js';
import { waitUntil } from '../support/wait.js';
import { tempDir } from '../support/temp.js';
import { within } from '../support/timeout.js';

const TEST = 'test/reliability/data-faults.test.ts';
const MB = 1024 * 1024;

let c: TestCluster;
let cwd: string;

test.before(async () => {
  c = await startCluster(3);
  cwd = tempDir('director-data-faults-');
});
test.after(async () => {
  await c.stop();
});

const data = (made: Made, project: string, extra: string[] = []) => runDirector([...c.args(extra), 'data', made.dir, project], { cwd });
const watchData = (made: Made, project: string) => watchDirector([...c.args(), 'data', made.dir, project], { cwd });

/** `<stem>_1.txt` … `<stem>_<count>.txt`: with mod placement, file n goes to host (n-1) mod 3. */
const numbered = (stem: string, count: number) => Array.from({ length: count }, (_, i) => `${stem}_${i + 1}.txt`);
const placedOn = (paths: readonly string[], host: number) => paths.filter((_, i) => i % c.hosts.length === host);
const hostIndexes = () => c.hosts.map((_, i) => i);

/** The files the placement record lists (its journal too, mid-run), with their client. */
const recorded = (project: string) => recordedCopies(cwd, project);

/** Is this process writing one of director's temporaries right now (an open fd on one)? */
const writingTemporary = (pid: number) => writingFileEndingWith(pid, '.director-tmp');

/**
 * What must hold after any fault: no file lost, none with wrong bytes at a final name, the
 * record agrees with the hosts, every local copy that went is in the record, and director
 * left no process of its own behind.
 */
function assertNothingLost(made: Made, project: string, read?: RemoteReader) {
  const l = ledger(made, c, project, read);
  assert.equal(l.lost, [], 'files lost');
  assert.equal(l.partial, [], 'wrong bytes at a final name');
  assert.equal(recordMismatches(cwd, project, c, read), [], 'the placement record disagrees with the hosts');
  const inRecord = new Set(recorded(project).map((f) => f.path));
  for (const rel of made.files.keys()) if (!existsSync(join(made.dir, rel))) assert.ok(inRecord.has(rel), `${rel} deleted but not recorded`);
  assert.equal(processesWith(made.dir), [], 'a director process is still alive');
  return l;
}

/** Processes left on each host (namespaces taken before the fault); asserts there are none. */
async function assertNoProcessesLeft(namespaces: readonly string[], except: readonly number[] = []): Promise<number> {
  let total = 0;
  for (const i of hostIndexes()) {
    if (except.includes(i)) continue;
    const left = await processesLeft(c, i, namespaces[i]);
    assert.equal(describe(left), '', `processes left on host ${i}`);
    total += left.length;
  }
  return total;
}

/** The same command again finishes the job: every file verified, the source folder empty. */
async function assertRerunCompletes(made: Made, project: string, read?: RemoteReader): Promise<void> {
  const again = await data(made, project);
  assert.is(again.code, 0, again.stdout + again.stderr);
  const l = ledger(made, c, project, read);
  assert.is(l.verifiedRemote.length, made.files.size, 'every file verified after the rerun');
  assert.equal(l.stillLocal, [], 'source folder emptied by the rerun');
  for (const i of hostIndexes()) assert.equal(hostTemporaries(c, i, project), [], `temporaries left on host ${i} after the rerun`);
}

test('a client killed (sshd and its sessions, SIGKILL) mid-transfer: its unverified files stay local; a rerun after restart completes', async () => {
  const project = 'killed';
  const victim = 2;
  const paths = numbered('big', 36);
  const made = makeData(paths, () => 3 * MB); // 36 MB a host: two batches each
  const mine = placedOn(paths, victim);
  const namespaces = hostIndexes().map((i) => hostNamespace(c, i));
  const w = watchData(made, project);
  // Once the victim has verified a batch and is still unpacking another, freeze that tar
  // (SIGSTOP), so the kill lands mid-batch however fast this machine is.
  const victimName = c.hosts[victim]!.name;
  await waitUntil(
    () => {
      const tars = hostProcessesMatching(namespaces[victim]!, /^tar -x/);
      if (!recorded(project).some((f) => f.client === victimName)) {
        // Both batches unpack at once: hold the later one back, so the other one verifies
        // while it is still mid-way (the window is otherwise as short as a record write).
        const later = Math.max(...tars);
        if (tars.length > 1 && writingTemporary(later)) process.kill(later, 'SIGSTOP');
        return false;
      }
      for (const pid of tars) process.kill(pid, 'SIGSTOP');
      return tars.length > 0;
    },
    30_000,
    'host 2 verified one batch while unpacking another',
  );
  const unverifiedAtKill = mine.filter((rel) => !recorded(project).some((f) => f.path === rel)).length;
  const killedAt = Date.now();
  killHost(c.cluster, victim);
  let detectMs: number;
  let exitMs: number;
  let l: Ledger;
  let kept: string[];
  let processes: number;
  try {
    // Non-interactive output has one line per client as it finishes: the victim's says it failed.
    await w.seen(new RegExp(`^${esc(victimName)}: \\d+ verified, [1-9]\\d* failed .* connection lost`, 'm'));
    detectMs = Date.now() - killedAt;
    const r = await within(30_000, 'director exits after the kill', w.done);
    exitMs = Date.now() - killedAt;
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.ok(unverifiedAtKill > 0 && unverifiedAtKill < mine.length, `killed mid-way: ${unverifiedAtKill} of ${mine.length} unverified`);

    l = assertNothingLost(made, project);
    kept = mine.filter((rel) => l.stillLocal.includes(rel));
    // A batch already past its md5sum may still have been recorded as the kill landed.
    assert.ok(kept.length > 0 && kept.length <= unverifiedAtKill, `the victim's unverified files stay local: ${kept.length} of ${unverifiedAtKill}`);
    for (const rel of kept) assert.match(r.stdout, new RegExp(`^  ${esc(rel)} → ${esc(victimName)}: connection lost`, 'm'));
    for (const rel of paths.filter((p) => !mine.includes(p))) assert.ok(l.verifiedRemote.includes(rel), `${rel}: the other clients finish`);
    for (const rel of kept) assert.equal(holders(c, project, rel), [], `${rel}: nothing at its final name`);
    const crashTemps = readdirSync(join(c.hosts[victim]!.home, 'director/data', project)).filter((n) => n.endsWith('.director-tmp'));
    assert.ok(crashTemps.length > 0, 'the killed tar left temporaries behind (never counted as files; the rerun replaces them)');
    // The survivors: nothing left of director's sessions. (The dead host's namespace is gone;
    // its number may already belong to someone else's.)
    processes = await assertNoProcessesLeft(namespaces, [victim]);
  } finally {
    await c.cluster.startHost(victim);
  }
  await assertRerunCompletes(made, project);
  processes += await assertNoProcessesLeft(hostIndexes().map((i) => hostNamespace(c, i)));
  record({
    id: 'data-client-killed',
    area: 'fault',
    case: 'A client killed (sshd and its sessions, SIGKILL) in the middle of `data`',
    does: 'Fails that client\'s unverified files, which stay in the source folder; the other clients finish; the same command after a restart sends the rest',
    filesLost: l.lost.length,
    processesLeft: processes,
    detectMs,
    figure: `exit 1 after ${exitMs} ms; ${mine.length - kept.length}/${mine.length} of its files verified before the kill, ${kept.length} kept`,
    test: TEST,
  });
});

test('a client whose disk fills up: the files that do not fit fail with "No space left on device" and stay local; the others finish', async () => {
  const project = 'diskfull';
  const full = 1;
  const paths = numbered('fill', 18);
  const made = makeData(paths, () => 300 * 1024); // 1.8 MB a host; host 1 gets a 1 MB tmpfs
  const mine = placedOn(paths, full);
  const fullName = c.hosts[full]!.name;
  const namespaces = hostIndexes().map((i) => hostNamespace(c, i));
  const unmount = tmpfsInHost(c, full, projectPathInHost(project), '1m');
  const read = hostViewReader(c, project);
  try {
    const r = await data(made, project);
    assert.is(r.code, 1, r.stdout + r.stderr);
    const l = assertNothingLost(made, project, read);
    const fit = mine.filter((rel) => l.verifiedRemote.includes(rel));
    const kept = mine.filter((rel) => l.stillLocal.includes(rel));
    assert.ok(fit.length > 0 && kept.length > 0, `some files fit and some did not: ${fit.length} fit, ${kept.length} kept`);
    assert.is(fit.length + kept.length, mine.length);
    for (const rel of kept) assert.match(r.stdout, new RegExp(`^  ${esc(rel)} → ${esc(fullName)}: the client could not write it: .*No space left on device`, 'm'));
    assert.not.match(r.stdout, /Exiting with failure status/, 'tar\'s closing line is not the reason');
    for (const rel of paths.filter((p) => !mine.includes(p))) assert.ok(l.verifiedRemote.includes(rel), `${rel}: the other clients finish`);
    assert.equal(hostTemporaries(c, full, project), [], 'no temporary left on the full host');
    const processes = await assertNoProcessesLeft(namespaces);

    // Room made (the same tmpfs, larger): the same command sends the rest.
    inHost(c, full, ['mount', '-o', 'remount,size=16m', projectPathInHost(project)]);
    await assertRerunCompletes(made, project, read);
    record({
      id: 'data-disk-full',
      area: 'fault',
      case: 'A client\'s disk fills up during `data`',
      does: 'Verifies the files that fit, fails the rest with "No space left on device" and keeps them local, removes the partial temporaries; the other clients finish; exit 1',
      filesLost: l.lost.length,
      processesLeft: processes,
      figure: `exit 1; ${fit.length}/${mine.length} files fit, ${kept.length} kept`,
      test: TEST,
    });
  } finally {
    unmount();
  }
});

test('clients that report wrong checksums (a lying md5sum; a file altered after it was written): those files fail checksum, stay local, nothing at their final names', async () => {
  const project = 'badsum';
  const liar = 1;
  const corrupter = 2;
  const paths = numbered('sum', 15);
  const made = makeData(paths);
  const bad = [...placedOn(paths, liar), ...placedOn(paths, corrupter)];
  const namespaces = hostIndexes().map((i) => hostNamespace(c, i));
  // Both sit on the path director uses: the batch command runs `xargs -0 -r md5sum -z --`
  // over the temporaries it just unpacked. Only files that exist are answered for, as the
  // real md5sum does (the existence check before sending sees nothing there).
  const undo = [
    fakeBinaryInHost(c, liar, '/usr/bin/md5sum', `for a; do case $a in -z|--) ;; *) [ -f "$a" ] && printf '%s  %s\\0' 0123456789abcdef0123456789abcdef "$a";; esac; done; true`),
    fakeBinaryInHost(c, corrupter, '/usr/bin/md5sum', `for a; do case $a in *.director-tmp) printf X >> "$a";; esac; done; exec "$REAL" "$@"`),
  ];
  try {
    const r = await data(made, project);
    assert.is(r.code, 1, r.stdout + r.stderr);
    for (const rel of bad) {
      const host = placedOn(paths, liar).includes(rel) ? liar : corrupter;
      assert.match(r.stdout, new RegExp(`^  ${esc(rel)} → ${esc(c.hosts[host]!.name)}: checksum mismatch: sent [0-9a-f]{32}, client has [0-9a-f]{32}$`, 'm'));
      assert.equal(holders(c, project, rel), [], `${rel}: nothing at its final name`);
    }
    assert.match(r.stdout, new RegExp(`^${placedOn(paths, 0).length} of ${paths.length} files verified on their clients, ${bad.length} failed$`, 'm'));
    const l = assertNothingLost(made, project);
    assert.equal(l.stillLocal.sort(), [...bad].sort(), 'exactly the files with a bad sum stay local');
    for (const i of [liar, corrupter]) assert.equal(hostTemporaries(c, i, project), [], `temporaries removed on host ${i}`);
    assert.ok(recorded(project).every((f) => f.client === c.hosts[0]!.name), 'only the honest client is in the record');

    // --json says the same, file by file.
    const j = await data(made, project, ['--json']);
    assert.is(j.code, 1);
    const doc = JSON.parse(j.stdout) as { verified: number; failed: number; clients: Array<{ files: Array<{ path: string; ok: boolean; kind?: string }> }> };
    assert.is(doc.failed, bad.length);
    const kinds = doc.clients.flatMap((x) => x.files).filter((f) => !f.ok);
    assert.equal(kinds.map((f) => f.path).sort(), [...bad].sort());
    assert.ok(kinds.every((f) => f.kind === 'checksum'), JSON.stringify(kinds));
    assertNothingLost(made, project);
    const processes = await assertNoProcessesLeft(namespaces);

    for (const u of undo) u();
    await assertRerunCompletes(made, project);
    record({
      id: 'data-wrong-checksum',
      area: 'fault',
      case: 'A client reports wrong checksums (lying md5sum, or bytes altered after the write)',
      does: 'Counts those files as failed checksum (text and --json), removes their temporaries, keeps them local; nothing lands at a final name',
      filesLost: l.lost.length,
      processesLeft: processes,
      figure: `exit 1; ${kinds.length}/${bad.length} bad sums caught`,
      test: TEST,
    });
  } finally {
    for (const u of undo) u();
  }
});

test('batches of one client unpacking into folders that do not exist yet: the folders are made first, so no tar has to race another to make one', async () => {
  const project = 'newfolders';
  const host = 0;
  // Every file of host 0 in a folder of its own, three levels below the project folder.
  const paths = numbered('f', 30).map((name, i) => `n${i % 5}/m${i % 2}/${name}`);
  const made = makeData(paths);
  // A tar that never makes a folder, as two GNU tars racing to make the same one fail the
  // loser's file ("Cannot open: No such file or directory"): this one fails every file whose
  // folder is not there before it starts (names here have no spaces), and writes nothing.
  const undo = fakeBinaryInHost(
    c,
    host,
    '/usr/bin/tar',
    [
      'case "$1" in -x) ;; *) exec "$REAL" "$@";; esac',
      't=$(mktemp) || exit 2; cat > "$t"; missing=0',
      'for n in $("$REAL" -tf "$t"); do [ -d "$(dirname "$n")" ] || { echo "tar: $n: Cannot open: No such file or directory" >&2; missing=1; }; done',
      '[ $missing = 0 ] && "$REAL" "$@" < "$t"; s=$?; rm -f "$t"; [ $missing = 0 ] || exit 2; exit $s',
    ].join('\n'),
  );
  try {
    const r = await data(made, project);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.not.match(r.stdout, /Cannot open/);
    const l = assertNothingLost(made, project);
    assert.is(l.verifiedRemote.length, paths.length, 'every file verified on its host');
    assert.equal(l.stillLocal, []);
    for (const rel of placedOn(paths, host)) assert.equal(holders(c, project, rel), [host], `${rel} on host ${host}`);
    record({
      id: 'data-new-folders',
      area: 'fault',
      case: 'Batches of one client unpacking at once into folders that do not exist yet (a tar that never makes a folder)',
      does: 'Makes the files\' folders with one `mkdir -p` before any batch unpacks, so no two tars race to make one (that race failed 1–3 of 100 000 files with "Cannot open")',
      filesLost: l.lost.length,
      figure: `${l.verifiedRemote.length}/${paths.length} verified`,
      test: TEST,
    });
  } finally {
    undo();
  }
});

/**
 * Director stopped by a signal while host 1 is mid-batch: at `stage` 'unpack' its tar is
 * frozen (SIGSTOP) with a temporary half written; at 'verify' its md5sum hangs (a fake that
 * sleeps) over temporaries written whole. Hosts 0 and 2 run freely meanwhile.
 */
async function signalMidTransfer(sig: 'SIGINT' | 'SIGTERM', stage: 'unpack' | 'verify', project: string): Promise<Pick<Figure, 'filesLost' | 'processesLeft' | 'detectMs' | 'figure'>> {
  const slow = 1;
  const paths = numbered(stage, 36);
  const made = makeData(paths, () => 3 * MB);
  const mine = placedOn(paths, slow);
  const namespaces = hostIndexes().map((i) => hostNamespace(c, i));
  const undo =
    stage === 'verify' ? fakeBinaryInHost(c, slow, '/usr/bin/md5sum', `for a; do case $a in *.director-tmp) exec sleep 600;; esac; done; exec "$REAL" "$@"`) : () => undefined;
  try {
    const w = watchData(made, project);
    await waitUntil(
      () => {
        if (recorded(project).length === 0) return false; // some files done…
        if (stage === 'verify') return hostProcessesMatching(namespaces[slow]!, /^sleep 600/).length > 0;
        const tars = hostProcessesMatching(namespaces[slow]!, /^tar -x/);
        if (tars.length === 0 || !hostTemporaries(c, slow, project).some((n) => n.endsWith('.director-tmp'))) return false;
        for (const pid of tars) process.kill(pid, 'SIGSTOP'); // …and some half-way
        return true;
      },
      30_000,
      `host ${slow} mid-${stage} after a first verified file`,
    );
    const doneAtSignal = recorded(project).length;
    const signalledAt = Date.now();
    w.child.kill(sig);
    const r = await within(20_000, `director exits after ${sig}`, w.done);
    const exitMs = Date.now() - signalledAt;
    assert.is(r.code, sig === 'SIGINT' ? 130 : 143, r.stdout + r.stderr);
    assert.match(r.stderr, sig === 'SIGINT' ? /interrupted: stopping remote commands/ : /terminated: stopping remote commands/);

    const l = assertNothingLost(made, project);
    assert.ok(doneAtSignal > 0 && l.verifiedRemote.length < paths.length, `mid-transfer: ${l.verifiedRemote.length} of ${paths.length} verified`);
    const kept = mine.filter((rel) => l.stillLocal.includes(rel));
    assert.ok(kept.length > 0, `host ${slow} had files in flight`);
    for (const rel of l.stillLocal) assert.match(r.stdout, new RegExp(`^  ${esc(rel)} → .*: interrupted$`, 'm'));
    for (const i of hostIndexes()) assert.equal(hostTemporaries(c, i, project), [], `temporaries removed on host ${i}`);
    const processes = await assertNoProcessesLeft(namespaces);

    undo();
    await assertRerunCompletes(made, project);
    return { filesLost: l.lost.length, processesLeft: processes, detectMs: exitMs, figure: `exit ${r.code}; ${l.verifiedRemote.length}/${paths.length} files verified before it` };
  } finally {
    undo();
  }
}

test('SIGINT (Ctrl-C) to director while a client is unpacking: exit 130, nothing half-done, remote processes stopped, a rerun completes', async () => {
  const figures = await signalMidTransfer('SIGINT', 'unpack', 'sigint');
  record({
    id: 'data-sigint',
    area: 'fault',
    case: 'Ctrl-C (SIGINT) to director in the middle of `data`',
    does: 'Kills the remote tar/md5sum, removes their temporaries, keeps every unverified file local, writes the record and exits 130; a rerun sends the rest',
    ...figures,
    test: TEST,
  });
});

test('SIGTERM to director while a client is verifying: exit 143, nothing half-done, remote processes stopped, a rerun completes', async () => {
  const figures = await signalMidTransfer('SIGTERM', 'verify', 'sigterm');
  record({ id: 'data-sigterm', area: 'fault', case: 'SIGTERM to director in the middle of `data`', does: 'The same tidy-up as Ctrl-C, and exit 143', ...figures, test: TEST });
});

test.run();
