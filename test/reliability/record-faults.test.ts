// director's own records under pressure: a full disk under .director (the placement record,
// local.json) or under known_hosts, and two `data` runs of one project at once. A local copy
// may go only once its record entry is durably on disk, every verified file is listed exactly
// once whatever the other run does, and nothing runs that no record names.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTicks } from '../../src/process-tree.js';
import { atExit } from '../support/at-exit.js';
import { runDirector } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { makeData, recordedCopies, type Made } from '../support/data-files.js';
import { ledger, record, recordMismatches } from '../support/reliability.js';
import { LocalEnv } from '../support/local-env.js';
import { fill, tempDir, tmpfsOver } from '../support/temp.js';
import { waitUntil } from '../support/wait.js';

const TEST = 'test/reliability/record-faults.test.ts';

let c: TestCluster;

test.before(async () => {
  c = await startCluster(3);
});
test.after(async () => {
  await c.stop();
});

const data = (cwd: string, made: Made, project: string, extra: string[] = []) => runDirector([...c.args(), 'data', made.dir, project, ...extra], { cwd });
const entries = (cwd: string, project: string) => recordedCopies(cwd, project).map((f) => f.path);
const names = (stem: string, n: number) => Array.from({ length: n }, (_, i) => `${stem}_${i + 1}.txt`);

function assertAccounted(cwd: string, made: Made, project: string): void {
  const l = ledger(made, c, project);
  assert.equal(l.lost, [], 'files lost');
  assert.equal(l.partial, [], 'wrong bytes at a final name');
  assert.equal(recordMismatches(cwd, project, c), [], 'the record disagrees with the hosts');
  const listed = new Set(entries(cwd, project));
  for (const rel of made.files.keys()) if (!existsSync(join(made.dir, rel))) assert.ok(listed.has(rel), `${rel} deleted but not recorded`);
}

test('a full disk under .director: the record write fails, nothing it would list is deleted, exit 1 says why', async () => {
  const cwd = tempDir('director-tiny-cwd-');
  const unmount = tmpfsOver(cwd, '256k');
  const project = 'fulldisk';
  const made = makeData(names('f', 3000), () => 64);
  const r = await data(cwd, made, project);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /cannot write .*placement\.(json|journal): .*no space left on device/i);
  // The record on disk is whole (it parses) and lists only files that are on their clients.
  const listed = entries(cwd, project);
  assertAccounted(cwd, made, project);
  const l = ledger(made, c, project);
  assert.ok(l.stillLocal.length > 0, 'the files whose entries did not fit stay local');
  assert.is(l.stillLocal.length + listed.length, made.files.size, 'each file is either listed (and gone) or local');
  assert.equal(readdirSync(join(cwd, '.director', project)).filter((n) => n.endsWith('.tmp')), [], 'no temporary record left');
  record({
    id: 'record-full-disk',
    area: 'fault',
    case: 'Full disk under .director (256 KB tmpfs, 3000 files)',
    does: 'the record write fails as a whole; files it would list stay local; exit 1 with "no space left on device"',
    filesLost: l.lost.length,
    figure: `${listed.length} listed and sent, ${l.stillLocal.length} kept local`,
    test: TEST,
  });
  unmount();
});

test('known_hosts on a full disk: a new host is accepted for this run with a warning, the file stays whole', async () => {
  const dir = tempDir('director-kh-full-');
  const unmount = tmpfsOver(dir, '64k');
  const file = join(dir, 'known_hosts');
  writeFileSync(file, '# kept\n');
  fill(dir);
  const r = await runDirector(['-c', c.cluster.clientsConf, '-i', c.cluster.identity, '--known-hosts', file, 'status', '--ssh']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /3 ok, 0 failed/);
  assert.match(r.stderr, /accepted but not recorded: cannot write .*known_hosts: .*no space left on device/i);
  assert.is(readFileSync(file, 'utf8'), '# kept\n');
  assert.equal(readdirSync(dir).filter((n) => !n.startsWith('filler')), ['known_hosts'], 'no temporary left');
  unmount();
  record({ id: 'known-hosts-full-disk', area: 'fault', case: 'known_hosts on a full disk (accept-new)', does: 'connects as OpenSSH does, warns the key was not recorded; the file stays whole', filesLost: 0, test: TEST });
});

test('local.json on a full disk: start_local stops the services it could not record and says so', async () => {
  const env = await LocalEnv.create(2);
  const unmount = tmpfsOver(env.dir, '64k');
  try {
    env.writePorts(env.ports);
    fill(env.dir);
    const r = await env.run(['start_local']);
    assert.is(r.code, 1, r.stdout + r.stderr);
    for (const port of env.ports) {
      assert.match(r.stdout, new RegExp(`Service 127\\.0\\.0\\.1:${port} not started: started but could not be recorded \\(cannot write .*local\\.json: .*no space left on device.*\\); stopped again`, 'i'));
    }
    await waitUntil(() => env.servicePids().length === 0, 5000, 'no service left running');
    assert.not.ok(existsSync(env.stateFile), 'no half-written state file');
    record({ id: 'local-state-full-disk', area: 'fault', case: 'local.json on a full disk (start_local)', does: 'services it could not record are stopped again; exit 1 names the cause', processesLeft: env.servicePids().length, test: TEST });
  } finally {
    unmount();
    await env.cleanup();
  }
});

test('two data runs of one project at once (--wait): every verified file listed once, both folders emptied', async () => {
  const cwd = tempDir('director-two-runs-');
  const project = 'tworuns';
  // Big enough that the two runs overlap for a while (each ~1 s on the wire here).
  const a = makeData(names('a', 152), () => 64 * 1024);
  const b = makeData(names('b', 152), () => 64 * 1024);
  const [ra, rb] = await Promise.all([data(cwd, a, project, ['--wait']), data(cwd, b, project, ['--wait'])]);
  assert.is(ra.code, 0, ra.stdout + ra.stderr);
  assert.is(rb.code, 0, rb.stdout + rb.stderr);
  const listed = entries(cwd, project);
  assert.is(listed.length, 304);
  assert.is(new Set(listed).size, 304, 'each file listed once');
  assertAccounted(cwd, a, project);
  assertAccounted(cwd, b, project);
  assert.equal(readdirSync(a.dir), []);
  assert.equal(readdirSync(b.dir), []);
  assert.not.ok(existsSync(join(cwd, '.director', project, 'lock')), 'the lock is released');
  record({ id: 'record-two-runs', area: 'fault', case: 'Two data runs of one project at once (2 × 152 files, --wait)', does: 'the second waits for the first; every verified file is listed once', filesLost: 0, figure: `${listed.length}/304 listed`, test: TEST });
});

test('the same folder sent twice at once: the second finds nothing left, nothing is reported failed or sent twice', async () => {
  const cwd = tempDir('director-same-twice-');
  const project = 'sametwice';
  const made = makeData(names('s', 152));
  const [r1, r2] = await Promise.all([data(cwd, made, project, ['--wait']), data(cwd, made, project, ['--wait'])]);
  for (const r of [r1, r2]) assert.is(r.code, 0, r.stdout + r.stderr);
  const out = r1.stdout + r2.stdout;
  assert.not.match(out, /failed \(kept locally\)|Failed files/);
  const verified = [r1, r2].map((r) => Number(/(\d+) of \d+ files? verified/.exec(r.stdout)?.[1] ?? 'NaN'));
  assert.is(verified[0]! + verified[1]!, 152, `each file sent once (${verified.join(' + ')})`);
  assert.is(entries(cwd, project).length, 152);
  assertAccounted(cwd, made, project);
  record({ id: 'record-same-twice', area: 'fault', case: 'The same folder sent twice at once', does: 'the second run plans after the first and finds nothing to send', filesLost: 0, figure: `sent ${verified.join(' + ')}`, test: TEST });
});

test('a project held by a live run is refused, naming it; a stale lock (its process gone) is taken over', async () => {
  const cwd = tempDir('director-held-');
  const project = 'held';
  const made = makeData(names('h', 6));
  const holder = spawn('sleep', ['1000'], { stdio: 'ignore' });
  atExit(() => holder.kill('SIGKILL'));
  const pid = holder.pid!;
  mkdirSync(join(cwd, '.director', project), { recursive: true });
  writeFileSync(join(cwd, '.director', project, 'lock'), JSON.stringify({ pid, startTicks: startTicks(pid), startedAt: '2026-12-03T12:00:00.000Z', host: hostname() }));
  const refused = await data(cwd, made, project);
  assert.is(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(refused.stderr, new RegExp(`project held is being written by another director run \\(pid ${pid}, since 2026-12-03T12:00:00.000Z\\).*--wait`));
  assert.is(readdirSync(made.dir).length, 6, 'nothing sent, nothing deleted');
  holder.kill('SIGKILL');
  await new Promise((r) => holder.once('exit', r));
  const taken = await data(cwd, made, project);
  assert.is(taken.code, 0, taken.stdout + taken.stderr);
  assert.equal(readdirSync(made.dir), []);
  assert.is(entries(cwd, project).length, 6);
  record({ id: 'record-lock', area: 'fault', case: 'Project held by a live run; then its process dies', does: 'refused (exit 1) naming pid and start; the stale lock is taken over', filesLost: 0, test: TEST });
});

test.run();
