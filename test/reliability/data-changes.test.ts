// Local files that change while `director data` sends them, and a director killed outright.
// A file rewritten in place during its read must not land at its final name as a mix of old
// and new bytes, nor lose its new content when `touch -d` puts its mtime back; one deleted by
// someone else meanwhile is "gone before removal", not "kept". After a SIGKILL mid-data, the
// next run of the project removes the temporaries the killed one left, and says how many.
// Each state is waited for (a frozen tar, a waiting md5sum), never slept for.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { holders, makeData, md5, recordedCopies, remoteBytes, type Made } from '../support/data-files.js';
import { fakeBinaryInHost, hostProjectDir, hostTemporaries } from '../support/host-view.js';
import { hostNamespace, hostProcessesMatching, processesWith } from '../support/proc.js';
import { ledger, record } from '../support/reliability.js';
import { esc } from '../support/run-e2e.js';
import { watchDirector } from '../support/run-spawn.js';
import { tempDir } from '../support/temp.js';
import { within } from '../support/timeout.js';
import { waitUntil } from '../support/wait.js';

const TEST = 'test/reliability/data-changes.test.ts';
const MB = 1024 * 1024;

let c: TestCluster;
let cwd: string;

test.before(async () => {
  c = await startCluster(3);
  cwd = tempDir('director-data-changes-');
});
test.after(async () => {
  await c.stop();
});

const data = (made: Made, project: string, extra: string[] = []) => runDirector([...c.args(extra), 'data', made.dir, project], { cwd });
const watchData = (made: Made, project: string) => watchDirector([...c.args(), 'data', made.dir, project], { cwd });
const hostIndexes = () => c.hosts.map((_, i) => i);

const recorded = (project: string) => recordedCopies(cwd, project);

/** Freeze (SIGSTOP) the unpacking tar of `host` once it has written part of a temporary; returns its pids. */
async function freezeTarMidFile(host: number, project: string, what: string): Promise<number[]> {
  const ns = hostNamespace(c, host);
  let frozen: number[] = [];
  await waitUntil(
    () => {
      const tars = hostProcessesMatching(ns, /^tar -x/);
      if (tars.length === 0 || !hostTemporaries(c, host, project).some((n) => n.endsWith('.director-tmp'))) return false;
      for (const pid of tars) process.kill(pid, 'SIGSTOP');
      frozen = tars;
      return true;
    },
    30_000,
    what,
  );
  return frozen;
}

const resume = (pids: readonly number[]) => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      /* already gone */
    }
  }
};

/**
 * A big file rewritten in place (dd conv=notrunc, same size) while director is reading it:
 * the read is held mid-file by freezing the client's tar (the SSH window then stops the
 * reader a few MB ahead of what the client wrote). With `touchBack`, its mtime is then set
 * back to the one it had, as a careless tool might, so size and mtime look unchanged.
 */
async function rewriteDuringRead(project: string, touchBack: boolean) {
  const size = 128 * MB;
  const big = 'big_1.txt'; // mod placement: host 0
  const made = makeData([big, 'small_2.txt', 'small_3.txt'], (rel) => (rel === big ? size : 1000));
  const local = join(made.dir, big);
  const before = statSync(local, { bigint: true });
  const fresh = randomBytes(size);
  const freshFile = join(tempDir('director-fresh-'), 'fresh');
  writeFileSync(freshFile, fresh);
  const w = watchData(made, project);
  const frozen = await freezeTarMidFile(0, project, 'host 0 unpacking the big file');
  try {
    const temp = hostTemporaries(c, 0, project).find((n) => n.endsWith('.director-tmp')) as string;
    const written = statSync(join(hostProjectDir(c, 0, project), temp)).size;
    assert.ok(written < size / 2, `the client holds ${written} of ${size} bytes: director is mid-read`);
    execFileSync('dd', [`if=${freshFile}`, `of=${local}`, 'conv=notrunc', 'bs=4M', 'status=none']);
    if (touchBack) {
      const ns = before.mtimeNs % 1_000_000_000n;
      execFileSync('touch', ['-d', `@${before.mtimeNs / 1_000_000_000n}.${String(ns).padStart(9, '0')}`, local]);
      const after = statSync(local, { bigint: true });
      assert.is(after.mtimeNs, before.mtimeNs, 'mtime set back');
      assert.is(after.size, before.size, 'same size');
    }
  } finally {
    resume(frozen);
  }
  const r = await within(60_000, 'director exits', w.done);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^  ${esc(big)} → ${esc(c.hosts[0]!.name)}: changed while it was sent`, 'm'));
  assert.ok(existsSync(local), 'the changed file stays local');
  assert.is(md5(readFileSync(local)), md5(fresh), 'with its new content, intact');
  assert.equal(holders(c, project, big), [], 'nothing at its final name (what was read mixes old and new bytes)');
  assert.ok(!recorded(project).some((f) => f.path === big), 'not in the placement record');
  for (const i of hostIndexes()) assert.equal(hostTemporaries(c, i, project), [], `no temporary left on host ${i}`);
  const l = ledger(made, c, project);
  for (const rel of ['small_2.txt', 'small_3.txt']) assert.ok(l.verifiedRemote.includes(rel) && !l.stillLocal.includes(rel), `${rel} sent`);
  assert.equal(processesWith(made.dir), [], 'a director process is still alive');

  // The next run sends the new content whole.
  const again = await data(made, project);
  assert.is(again.code, 0, again.stdout + again.stderr);
  assert.is(md5(remoteBytes(c, 0, project, big)), md5(fresh), 'the rerun delivers the new content');
  assert.ok(!existsSync(local), 'and removes the local copy');
  return { exit: r.code };
}

test('a file rewritten in place (dd conv=notrunc) while it is read: not put in place nor recorded, kept locally with its new content, exit 1; a rerun sends it', async () => {
  const { exit } = await rewriteDuringRead('rewrite', false);
  record({
    id: 'data-rewrite-during-read',
    area: 'fault',
    case: 'A local file rewritten in place (same size) while `data` reads it',
    does: 'Sees the change (ctime, taken at open and at the end of the read), does not put the mixed bytes at the final name or in the record, keeps the file with its new content; a rerun sends it',
    filesLost: 0,
    figure: `exit ${exit}; 0 mixed copies at a final name`,
    test: TEST,
  });
});

test('a file changed during its read and `touch -d` back to its old mtime (same size): kept, not deleted', async () => {
  const { exit } = await rewriteDuringRead('touchback', true);
  record({
    id: 'data-touch-back',
    area: 'fault',
    case: 'A local file changed while `data` reads it, its mtime then set back with `touch -d`',
    does: 'Compares inode, size, mtime and ctime (ns) with the stamp taken at open; the ctime cannot be set back, so the file is kept with its new content',
    filesLost: 0,
    figure: `exit ${exit}; new content kept`,
    test: TEST,
  });
});

test('a local file deleted by someone else while its copy is verified: recorded, reported "gone before removal", not "kept"', async () => {
  const project = 'gone';
  const paths = ['gone_1.txt', 'stay_2.txt', 'stay_3.txt'];
  const made = makeData(paths, () => 4096);
  const tmp = c.hosts[0]!.tmp;
  // Host 0's md5sum waits for a go-ahead once it is asked to sum temporaries: the file has
  // been read and sent whole by then.
  const undo = fakeBinaryInHost(
    c,
    0,
    '/usr/bin/md5sum',
    `for a; do case $a in *.director-tmp) touch /tmp/md5-waiting; while [ ! -e /tmp/md5-go ]; do sleep 0.02; done;; esac; done; exec "$REAL" "$@"`,
  );
  try {
    const w = watchData(made, project);
    await waitUntil(() => existsSync(join(tmp, 'md5-waiting')), 30_000, 'host 0 summing the temporaries');
    unlinkSync(join(made.dir, 'gone_1.txt'));
    writeFileSync(join(tmp, 'md5-go'), '');
    const r = await within(30_000, 'director exits', w.done);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^gone before removal: gone_1\.txt/m);
    assert.not.match(r.stdout, /kept local gone_1\.txt/);
    assert.ok(recorded(project).some((f) => f.path === 'gone_1.txt' && f.client === c.hosts[0]!.name), 'its verified copy is recorded');
    assert.is(md5(remoteBytes(c, 0, project, 'gone_1.txt')), md5(made.files.get('gone_1.txt')!), 'the copy on host 0 is whole');
    record({
      id: 'data-deleted-meanwhile',
      area: 'fault',
      case: 'A local file deleted by someone else while `data` verifies its copy',
      does: 'Records the verified copy and says "gone before removal" (not "kept"); exit 0',
      filesLost: 0,
      figure: `exit ${r.code}`,
      test: TEST,
    });
  } finally {
    undo();
    for (const f of ['md5-waiting', 'md5-go']) if (existsSync(join(tmp, f))) unlinkSync(join(tmp, f));
  }
});

test('director killed (SIGKILL) mid-data: the next run removes every temporary it left, says how many (text and --json), and touches no look-alike', async () => {
  const project = 'sigkill';
  const paths = Array.from({ length: 120 }, (_, i) => `k_${i + 1}.txt`); // 40 MB a host: two batches each
  const made = makeData(paths, () => MB);
  const slow = 1;
  const w = watchData(made, project);
  const frozen = await freezeTarMidFile(slow, project, `host ${slow} mid-batch`);
  w.child.kill('SIGKILL');
  await within(20_000, 'director dies', w.done);
  resume(frozen);
  // The killed connection takes its sessions down: wait until no tar is left on any host.
  const namespaces = hostIndexes().map((i) => hostNamespace(c, i));
  await waitUntil(() => namespaces.every((ns) => hostProcessesMatching(ns, /^tar -x/).length === 0), 30_000, 'the killed run\'s tars end');
  const left = hostIndexes().map((i) => hostTemporaries(c, i, project).length);
  const total = left.reduce((a, b) => a + b, 0);
  assert.ok(left[slow]! > 0, `the killed run left temporaries on host ${slow}: ${left.join(', ')}`);

  // New data arrives meanwhile (names sorting first): the rerun's batches are not the killed
  // run's, so none of its temporaries is replaced by chance.
  for (const rel of ['0new_1.txt', '0new_2.txt', '0new_3.txt']) {
    const bytes = randomBytes(5000);
    writeFileSync(join(made.dir, rel), bytes);
    made.files.set(rel, bytes);
  }
  const r = await data(made, project);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^removed ${total} temporary files? an earlier run left on the clients$`, "m"), r.stdout);
  for (const i of hostIndexes()) assert.equal(hostTemporaries(c, i, project), [], `temporaries left on host ${i} after the rerun`);
  const l = ledger(made, c, project);
  assert.equal(l.lost, [], 'files lost');
  assert.equal(l.partial, [], 'wrong bytes at a final name');
  assert.is(l.verifiedRemote.length, made.files.size, 'every file verified after the rerun');

  // Exact names only: look-alikes are data. Per client in --json.
  const dir = hostProjectDir(c, 2, project);
  const ours = ['.0123456789abcdef-0.director-tmp', 'sub/.fedcba9876543210-12.director-tmp', '.director-batch-0123456789abcdef.list'];
  const lookAlikes = ['.notes.director-tmp', '.0123456789abcdef-1x.director-tmp', '.0123456789ABCDEF-1.director-tmp', '.director-batch-x.list', 'sub/.0123456789abcdef-.director-tmp'];
  execFileSync('mkdir', ['-p', join(dir, 'sub')]);
  for (const n of [...ours, ...lookAlikes]) writeFileSync(join(dir, n), 'x');
  const more = makeData(['m_1.txt', 'm_2.txt', 'm_3.txt']);
  const j = await runDirector([...c.args(['--json']), 'data', more.dir, project], { cwd });
  assert.is(j.code, 0, j.stdout + j.stderr);
  const doc = JSON.parse(j.stdout) as { temporariesRemoved: number; clients: Array<{ host: string; temporariesRemoved?: number }> };
  assert.equal(
    doc.clients.map((x) => [x.host, x.temporariesRemoved]),
    c.hosts.map((h, i) => [h.name, i === 2 ? ours.length : 0]),
  );
  assert.is(doc.temporariesRemoved, ours.length);
  for (const n of ours) assert.ok(!existsSync(join(dir, n)), `${n} removed`);
  for (const n of lookAlikes) assert.ok(existsSync(join(dir, n)), `${n} (not a director name) left alone`);
  record({
    id: 'data-sigkill-leftovers',
    area: 'fault',
    case: 'director killed with SIGKILL in the middle of `data`, then run again',
    does: 'The rerun removes every temporary the killed run left in the project folder (exact names, one find per client), says how many, and sends the rest',
    filesLost: l.lost.length,
    figure: `${total} temporaries left by the kill, ${total} removed, 0 left; ${lookAlikes.length}/${lookAlikes.length} look-alikes kept`,
    test: TEST,
  });
});

test.run();
