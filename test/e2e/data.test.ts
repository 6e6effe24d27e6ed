// director data against real sshd hosts, each with its own home: placement, integrity,
// local deletion only after verification, reruns, failing clients. (Faults mid-transfer:
// test/reliability/data-faults.test.ts; hostile names: test/reliability/hostile-names.test.ts.)
// Behaviour through planData/runData (the plan and each file's status); the CLI for its
// lines, --list, --dry-run, --json, usage errors and exit codes.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { data, type DataOptions, type DataResult } from '../../src/commands/data.js';
import { DIRECTOR_BIN, runDirector } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { dataOptions, holders, makeData, md5, remoteBytes, remoteFile } from '../support/data-files.js';
import { within } from '../support/timeout.js';
import { tempDir } from '../support/temp.js';

let c: TestCluster;
let cwd: string;

test.before(async () => {
  c = await startCluster(3);
  cwd = tempDir('director-data-cwd-');
});
test.after(async () => {
  await c.stop();
});

const dataCli = (args: string[], opts: { cwd?: string } = {}) => runDirector([...c.args(), 'data', ...args], { cwd: opts.cwd ?? cwd });
/** `director data <dir> <project>` in `cwd` with the CLI's defaults, through the command functions. */
function send(dir: string, project: string, over: Partial<DataOptions> = {}): Promise<DataResult> {
  return data(dataOptions(dir, project, cwd, over), { fleet: c.fleet() });
}
/** Every file's status, by its path. */
const statuses = (r: DataResult) => new Map(r.clients.flatMap((o) => o.files).map((f) => [f.job.file.rel, f]));
const left = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string, p: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), p + e.name + '/');
      else out.push(p + e.name);
    }
  };
  walk(dir, '');
  return out.sort();
};
const placementRecord = (project: string, dir = cwd) =>
  JSON.parse(readFileSync(join(dir, '.director', project, 'placement.json'), 'utf8')) as { files: Array<{ path: string; client: string; md5: string; size: number; remotePath: string }> };

test('mod placement: every file on exactly the client (n-1) mod N, bytes intact, local copies gone, record written', async () => {
  const paths = ['t_1.txt', 't_2.txt', 't_3.txt', 't_4.json', 't_0.gz', 'sub/t_5.txt', 'other/t_5.txt', 'z_6.ZIP'];
  const { dir, files } = makeData(paths);
  writeFileSync(join(dir, 'skip.csv'), 'not eligible');
  symlinkSync('/etc/hostname', join(dir, 'link_1.txt'));
  const r = await dataCli([dir, 'modp']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, `Found 8 files in ${dir} (2 files skipped: 1 symlink, 1 extension)`);
  assert.match(r.stdout, /Distributing data\.\.\./);
  assert.match(r.stdout, /8 of 8 files verified on their clients, 0 failed/);
  const want: Record<string, number> = { 't_1.txt': 0, 't_2.txt': 1, 't_3.txt': 2, 't_4.json': 0, 't_0.gz': 2, 'sub/t_5.txt': 1, 'other/t_5.txt': 1, 'z_6.ZIP': 2 };
  for (const [rel, host] of Object.entries(want)) {
    assert.equal(holders(c, 'modp', rel), [host], rel);
    assert.is(md5(remoteBytes(c, host, 'modp', rel)), md5(files.get(rel)!), rel);
  }
  assert.equal(left(dir), ['link_1.txt', 'skip.csv'], 'only the ineligible files remain');
  assert.is(readFileSync('/etc/hostname', 'utf8').length > 0, true, 'the symlink target is untouched');
  const m = placementRecord('modp');
  assert.is(m.files.length, 8);
  for (const f of m.files) {
    assert.is(f.client, c.hosts[want[f.path]!]!.name);
    assert.is(f.md5, md5(files.get(f.path)!));
  }
  // No temporaries left behind on any host.
  for (let i = 0; i < 3; i++) assert.not.ok(JSON.stringify(readdirSync(join(c.hosts[i]!.home, 'director/data/modp'), { recursive: true })).includes('director-tmp'));

  const list = await runDirector([...c.args(), 'data', '--list', 'modp'], { cwd });
  assert.is(list.code, 0);
  assert.match(list.stdout, /8 files of project modp on 3 clients/);
});

test('random placement with a seed is repeatable, and files without a number go at random', async () => {
  const paths = Array.from({ length: 30 }, (_, i) => `r${i}.txt`);
  const a = makeData(paths);
  const b = makeData(paths);
  const ra = await send(a.dir, 'randa', { placement: 'random', seed: 'fixed' });
  const rb = await send(b.dir, 'randb', { placement: 'random', seed: 'fixed' });
  assert.is(ra.exitCode, 0);
  assert.is(rb.exitCode, 0);
  assert.is(ra.plan.randomCount, 30);
  const where = (p: string) => Object.fromEntries(placementRecord(p).files.map((f) => [f.path, f.client]));
  assert.equal(where('randa'), where('randb'));
  for (const rel of paths) assert.is(holders(c, 'randa', rel).length, 1, rel);
  assert.ok(new Set(Object.values(where('randa'))).size > 1, 'spread over more than one client');
});

test('--keep keeps local copies; a rerun finds identical targets and removes the local copies', async () => {
  const { dir, files } = makeData(['k_1.txt', 'k_2.txt']);
  const r = await send(dir, 'keepp', { keep: true });
  assert.is(r.exitCode, 0);
  assert.equal(left(dir), ['k_1.txt', 'k_2.txt']);
  const again = await send(dir, 'keepp');
  assert.is(again.exitCode, 0);
  assert.equal([...statuses(again).values()].map((s) => s.ok && s.already), [true, true], 'both already on their clients with the same md5');
  assert.equal(left(dir), []);
  assert.is(md5(remoteBytes(c, 1, 'keepp', 'k_2.txt')), md5(files.get('k_2.txt')!));
});

test('an existing different target fails that file (kept locally) unless --force', async () => {
  const { dir, files } = makeData(['d_1.txt', 'd_2.txt']);
  const target = remoteFile(c, 0, 'diffp', 'd_1.txt');
  mkdirSync(join(target, '..'), { recursive: true });
  writeFileSync(target, 'something else');
  const r = await send(dir, 'diffp');
  assert.is(r.exitCode, 1);
  assert.equal([r.verified, r.failed], [1, 1]);
  const d1 = statuses(r).get('d_1.txt');
  assert.ok(d1 && !d1.ok, 'd_1.txt failed');
  assert.match(d1 && !d1.ok ? d1.reason : '', /a different file is already at director\/data\/diffp\/d_1\.txt .*--force replaces it/);
  assert.equal(left(dir), ['d_1.txt']);
  assert.is(readFileSync(target, 'utf8'), 'something else');
  const f = await send(dir, 'diffp', { force: true });
  assert.is(f.exitCode, 0);
  assert.is(md5(readFileSync(target)), md5(files.get('d_1.txt')!));
  assert.equal(left(dir), []);
});

test('--dry-run sends nothing; --dry-run --json lists every file', async () => {
  const { dir } = makeData(['p_1.txt', 'p_2.txt', 'p_3.txt', 'q.txt']);
  const r = await dataCli([dir, 'dryp', '--dry-run']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /Plan \(dry run, nothing sent\)/);
  const j = await runDirector([...c.args(), '--json', 'data', dir, 'dryp', '--dry-run', '--seed', '1'], { cwd });
  const doc = JSON.parse(j.stdout) as { clients: Array<{ client: string; files: Array<{ path: string }> }> };
  assert.equal(doc.clients.flatMap((x) => x.files.map((f) => f.path)).sort(), ['p_1.txt', 'p_2.txt', 'p_3.txt', 'q.txt']);
  assert.equal(doc.clients[0]!.files.map((f) => f.path).filter((p) => p.startsWith('p')), ['p_1.txt']);
  assert.equal(left(dir).length, 4);
  for (let i = 0; i < 3; i++) assert.not.ok(existsSync(join(c.hosts[i]!.home, 'director/data/dryp')));
  assert.not.ok(existsSync(join(cwd, '.director/dryp')));
});

test('an empty folder: nothing to do, exit 0; a missing folder: exit 2', async () => {
  const empty = tempDir('director-empty-');
  const r = await dataCli([empty, 'emptyp']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Found 0 files/);
  const m = await dataCli([join(empty, 'nope'), 'emptyp']);
  assert.is(m.code, 2);
  assert.match(m.stderr, /does not exist/);
  const bad = await dataCli([empty, '../escape']);
  assert.is(bad.code, 2);
});

test('a client down from the start: its files fail and stay; a rerun once it is up completes', async () => {
  const paths = Array.from({ length: 9 }, (_, i) => `w_${i + 1}.txt`);
  const { dir, files } = makeData(paths);
  await c.cluster.stopHost(1);
  try {
    const r = await send(dir, 'downp');
    assert.is(r.exitCode, 1);
    assert.equal([r.verified, r.failed], [6, 3]);
    assert.equal(r.clients.map((o) => o.error?.kind), [undefined, 'unreachable', undefined]);
    assert.match(r.clients[1]!.error?.message ?? '', /connection refused/);
    assert.equal(left(dir), ['w_2.txt', 'w_5.txt', 'w_8.txt']);
  } finally {
    await c.cluster.startHost(1);
  }
  const again = await send(dir, 'downp');
  assert.is(again.exitCode, 0);
  assert.equal([again.verified, again.failed], [3, 0]);
  assert.equal(left(dir), []);
  for (const rel of paths) assert.is(md5(remoteBytes(c, holders(c, 'downp', rel)[0]!, 'downp', rel)), md5(files.get(rel)!));
  assert.is(placementRecord('downp').files.length, 9);
});

test('an unreadable local file fails alone and stays; the others go (director runs as nobody)', async () => {
  if (process.getuid?.() !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }));
  const { dir } = makeData(['u_1.txt', 'u_2.txt', 'u_3.txt']);
  const home = tempDir('director-nobody-', '/var/tmp');
  chmodSync(home, 0o755);
  const key = join(home, 'key');
  const kh = join(home, 'known_hosts');
  const conf = join(home, 'clients.conf');
  copyFileSync(c.cluster.identity, key);
  copyFileSync(c.cluster.knownHosts, kh);
  copyFileSync(c.cluster.clientsConf, conf);
  for (const p of [home, key, kh, conf, dir, join(dir, 'u_1.txt'), join(dir, 'u_3.txt')]) chownSync(p, uid, gid);
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'u_2.txt'), 0o000); // owned by root: nobody cannot read it
  const child = spawn(process.execPath, [DIRECTOR_BIN, '-c', conf, '-i', key, '--known-hosts', kh, '-l', 'root', 'data', dir, 'unread'], {
    cwd: home,
    uid,
    gid,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, NO_COLOR: '1' },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await within(30_000, 'director as nobody', new Promise<number | null>((ok) => child.on('close', ok)));
  assert.is(code, 1, out);
  assert.match(out, /u_2\.txt → .*: cannot read: EACCES/);
  assert.equal(left(dir), ['u_2.txt']);
  assert.equal(holders(c, 'unread', 'u_1.txt'), [0]);
  assert.equal(holders(c, 'unread', 'u_2.txt'), []);
  rmSync(home, { recursive: true, force: true });
});

test.run();
