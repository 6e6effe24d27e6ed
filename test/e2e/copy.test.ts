// director copy, sync and gather against real sshd hosts, each with its own home: bytes
// checked by md5 on the hosts (their own md5sum) and here, hostile names, modes, mtimes,
// owners, backups, what sync sends and removes, gather's per-host folders. Behaviour through
// the command functions; the CLI for exit codes, usage errors and output.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copy, type CopyOptions } from '../../src/commands/copy.js';
import { gather } from '../../src/commands/gather.js';
import { sync, type SyncOptions } from '../../src/commands/sync.js';
import type { PushEvent } from '../../src/transfer/push-fleet.js';
import { runDirector } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { canaries, inHost } from '../support/reliability.js';
import { tempDir } from '../support/temp.js';

let c: TestCluster;
let cwd: string;
const HOME_IN_HOST = userInfo().homedir;

test.before(async () => {
  c = await startCluster(3);
  cwd = tempDir('director-copy-cwd-');
});
test.after(async () => {
  await c.stop();
});

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
/** A hostile name in every way a name can be: spaces, quotes, $( ), a newline, a leading '-'. */
const HOSTILE = ["sp ace.txt", "it's \"q\".txt", '$(touch CANARY_c).txt', 'new\nline.txt', '-rf', 'semi;colon|pipe&.txt', 'ünï.txt'];

function tree(files: Record<string, string | Buffer>): string {
  const dir = tempDir('director-copy-src-');
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), body);
  }
  return dir;
}
const onHost = (i: number, rel: string) => join(c.hosts[i]!.home, rel);
/** md5 as the host's own md5sum computes it, inside its namespace. */
const hostMd5 = (i: number, rel: string) => inHost(c, i, ['sh', '-c', 'md5sum < "$1"', 'sh', join(HOME_IN_HOST, rel)]).toString().slice(0, 32);
const temporaries = (root: string) =>
  existsSync(root) ? (readdirSync(root, { recursive: true }) as string[]).filter((n) => /director-(tmp|part)$|\.director-batch-/.test(n)) : [];
const copyOpts = (sources: string[], dest: string, over: Partial<CopyOptions> = {}): CopyOptions => ({ sources, dest, preserve: false, backup: false, ...over });
const syncOpts = (dir: string, dest: string, over: Partial<SyncOptions> = {}): SyncOptions => ({ dir, dest, checksum: false, delete: false, dryRun: false, ...over });
const statuses = (r: { clients: Array<{ files: Array<{ rel: string; status: string }> }> }, i: number) => Object.fromEntries(r.clients[i]!.files.map((f) => [f.rel, f.status]));

test('copy: files and a tree with hostile names to every client, md5 checked on each host and here; one read shared by all clients; a rerun finds them unchanged', async () => {
  const files: Record<string, Buffer> = {};
  for (const n of HOSTILE) files[`t/${n}`] = Buffer.from(`body of ${n}`);
  files['t/deep/er/big.bin'] = Buffer.from('0123456789abcdef'.repeat(320_000));
  const src = tree({ ...files, 'one.txt': 'one' });
  const dest = "~/c1/it's $(x) dir";
  let bytes = 0;
  const r = await copy(copyOpts([join(src, 'one.txt'), join(src, 't')], dest), { fleet: c.fleet(), onEvent: (e: PushEvent) => (bytes += e.type === 'bytes' ? e.n : 0) });
  assert.is(r.exitCode, 0, JSON.stringify(r.clients.map((o) => o.files.filter((f) => f.status === 'failed'))));
  const total = r.local.totalBytes;
  assert.is(bytes, total, `each file read once for the 3 clients (${bytes} bytes read, ${total} in the files)`);
  const rels = ['one.txt', ...Object.keys(files)];
  for (let i = 0; i < 3; i++) {
    assert.equal(Object.values(statuses(r, i)), rels.map(() => 'written'));
    for (const rel of rels) {
      const local = readFileSync(join(src, rel));
      const remote = `c1/it's $(x) dir/${rel}`;
      assert.is(md5(readFileSync(onHost(i, remote))), md5(local), rel);
      assert.is(hostMd5(i, remote), md5(local), `${rel} by the host's md5sum`);
    }
    assert.equal(temporaries(onHost(i, 'c1')), [], 'no temporaries');
  }
  assert.equal(canaries(c), [], 'no name ran as code');
  const again = await copy(copyOpts([join(src, 'one.txt'), join(src, 't')], dest), { fleet: c.fleet() });
  assert.is(again.exitCode, 0);
  for (let i = 0; i < 3; i++) assert.equal(Object.values(statuses(again, i)), rels.map(() => 'unchanged'));
});

test('copy: default mode is the local one less the umask; --preserve keeps mode and mtime; --mode; --owner as root; --backup keeps the replaced file as name~', async () => {
  const src = tree({ 'x.sh': '#!/bin/sh\n', 'f.txt': 'new' });
  chmodSync(join(src, 'x.sh'), 0o754);
  utimesSync(join(src, 'x.sh'), new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
  const plain = await copy(copyOpts([join(src, 'x.sh')], '~/m1//'), { fleet: c.fleet() });
  assert.is(plain.exitCode, 0);
  const umask = Number.parseInt(inHost(c, 0, ['sh', '-c', 'umask']).toString().trim(), 8);
  assert.is(statSync(onHost(0, 'm1/x.sh')).mode & 0o777, 0o754 & ~umask);
  assert.ok(Math.abs(statSync(onHost(0, 'm1/x.sh')).mtimeMs - Date.now()) < 120_000, 'mtime: the time of the copy');
  const kept = await copy(copyOpts([join(src, 'x.sh')], '~/m2', { preserve: true }), { fleet: c.fleet() });
  assert.is(kept.exitCode, 0);
  assert.is(statSync(onHost(1, 'm2/x.sh')).mode & 0o777, 0o754);
  assert.is(statSync(onHost(1, 'm2/x.sh')).mtime.toISOString(), '2001-02-03T04:05:06.000Z');
  const moded = await copy(copyOpts([join(src, 'x.sh')], '~/m3', { mode: '0640', owner: 'nobody' }), { fleet: c.fleet() });
  assert.is(moded.exitCode, 0, JSON.stringify(moded.clients[0]!.files));
  assert.is(statSync(onHost(2, 'm3/x.sh')).mode & 0o777, 0o640);
  assert.is(statSync(onHost(2, 'm3/x.sh')).uid, Number(inHost(c, 2, ['id', '-u', 'nobody']).toString().trim()));

  mkdirSync(onHost(0, 'b1'), { recursive: true });
  writeFileSync(onHost(0, 'b1/f.txt'), 'old');
  const backed = await copy(copyOpts([join(src, 'f.txt')], '~/b1', { backup: true }), { fleet: c.fleet() });
  assert.is(backed.exitCode, 0);
  assert.is(readFileSync(onHost(0, 'b1/f.txt'), 'utf8'), 'new');
  assert.is(readFileSync(onHost(0, 'b1/f.txt~'), 'utf8'), 'old');
  assert.not.ok(existsSync(onHost(1, 'b1/f.txt~')), 'nothing replaced there, no backup');
  assert.ok(backed.clients[0]!.files[0]!.status === 'written' && (backed.clients[0]!.files[0] as { backup: boolean }).backup);
});

test('sync: only what differs is sent (size+mtime, or md5 with --checksum); --delete removes extraneous entries, not a link\'s target; --dry-run changes nothing', async () => {
  const src = tree({ 'a.txt': 'aaaa', 'sub/b.txt': 'bbbb', 'sub/c.txt': 'cccc', [`sub/${HOSTILE[3]}`]: 'nl' });
  mkdirSync(join(src, 'empty'));
  const first = await sync(syncOpts(src, '~/s1'), { fleet: c.fleet() });
  assert.is(first.exitCode, 0);
  for (let i = 0; i < 3; i++) {
    assert.is(hostMd5(i, 's1/sub/b.txt'), md5('bbbb'));
    assert.ok(statSync(onHost(i, 's1/empty')).isDirectory(), 'empty folders too');
    assert.is(statSync(onHost(i, 's1/a.txt')).mtimeMs, Math.floor(statSync(join(src, 'a.txt')).mtimeMs / 1000) * 1000, 'mtime kept');
  }
  // Same size, new mtime: sent. Same size and mtime, new bytes: only --checksum sees it.
  writeFileSync(join(src, 'a.txt'), 'AAAA');
  // Whole seconds are compared (as rsync does): a rewrite within the first sync's second would
  // keep its mtime, so the new one is set apart from it.
  const later = new Date(statSync(join(src, 'a.txt')).mtimeMs + 10_000);
  utimesSync(join(src, 'a.txt'), later, later);
  const bStat = statSync(join(src, 'sub/b.txt'));
  writeFileSync(join(src, 'sub/b.txt'), 'BBBB');
  utimesSync(join(src, 'sub/b.txt'), bStat.atime, bStat.mtime);
  const quick = await sync(syncOpts(src, '~/s1'), { fleet: c.fleet() });
  assert.is(quick.exitCode, 0);
  assert.equal(statuses(quick, 0), { 'a.txt': 'written', 'sub/b.txt': 'unchanged', 'sub/c.txt': 'unchanged', [`sub/${HOSTILE[3]}`]: 'unchanged' });
  const summed = await sync(syncOpts(src, '~/s1', { checksum: true }), { fleet: c.fleet() });
  assert.equal(statuses(summed, 1)['sub/b.txt'], 'written');
  assert.is(readFileSync(onHost(1, 's1/sub/b.txt'), 'utf8'), 'BBBB');

  // Extraneous: a file, a folder with contents, a link (its target stays), a file where a folder goes.
  writeFileSync(onHost(2, 'outside.txt'), 'keep me');
  writeFileSync(onHost(2, 's1/old.txt'), 'x');
  mkdirSync(onHost(2, 's1/olddir/deeper'), { recursive: true });
  writeFileSync(onHost(2, 's1/olddir/deeper/f'), 'x');
  symlinkSync(join(HOME_IN_HOST, 'outside.txt'), onHost(2, 's1/sub/link'));
  const dry = await sync(syncOpts(src, '~/s1', { delete: true, dryRun: true }), { fleet: c.fleet() });
  assert.is(dry.exitCode, 0);
  assert.equal(dry.clients[2]!.wouldDelete.sort(), ['old.txt', 'olddir', 'olddir/deeper', 'olddir/deeper/f', 'sub/link']);
  assert.equal(dry.clients[0]!.wouldDelete, []);
  assert.ok(existsSync(onHost(2, 's1/old.txt')), 'a dry run removes nothing');
  const del = await sync(syncOpts(src, '~/s1', { delete: true }), { fleet: c.fleet() });
  assert.is(del.exitCode, 0);
  assert.equal(del.clients[2]!.deleted.sort(), ['old.txt', 'olddir', 'olddir/deeper', 'olddir/deeper/f', 'sub/link']);
  assert.equal(readdirSync(onHost(2, 's1')).sort(), ['a.txt', 'empty', 'sub']);
  assert.is(readFileSync(onHost(2, 'outside.txt'), 'utf8'), 'keep me', "the link's target is untouched");
  const unchanged = await sync(syncOpts(src, '~/s1', { delete: true }), { fleet: c.fleet() });
  for (let i = 0; i < 3; i++) assert.ok(unchanged.clients[i]!.files.every((f) => f.status === 'unchanged'), `nothing to send to ${i} the second time`);
});

test("sync removes an earlier run's temporaries in the folders it writes to (seen in its listing), and only director's", async () => {
  const src = tree({ 'a.txt': 'aaaa', 'sub/b.txt': 'bbbb' });
  assert.is((await sync(syncOpts(src, '~/s2'), { fleet: c.fleet() })).exitCode, 0);
  const crashed = ['.0123456789abcdef-0.director-tmp', 'sub/.0123456789abcdef-7.director-tmp', 'sub/.director-batch-0123456789abcdef.list'];
  for (const rel of crashed) writeFileSync(onHost(1, `s2/${rel}`), 'half');
  writeFileSync(onHost(1, 's2/sub/.notes.director-tmp'), 'a user file');
  const again = await sync(syncOpts(src, '~/s2'), { fleet: c.fleet() });
  assert.is(again.exitCode, 0);
  assert.is(again.clients[1]!.temporariesRemoved, 3);
  assert.is(again.clients[0]!.temporariesRemoved, 0);
  for (const rel of crashed) assert.not.ok(existsSync(onHost(1, `s2/${rel}`)), `${rel} removed`);
  assert.is(readFileSync(onHost(1, 's2/sub/.notes.director-tmp'), 'utf8'), 'a user file', 'a name that only looks alike is data');
  assert.ok(again.clients[1]!.files.every((f) => f.status === 'unchanged'));
});

test('sync --delete guard rails: /, ~, empty, ".." and a folder that resolves to the home on a client are refused with exit 2, nothing touched', async () => {
  const src = tree({ 'g.txt': 'g' });
  writeFileSync(onHost(0, 'precious.txt'), 'mine');
  for (const dest of ['/', '~', '~/', '', '.', '~/x/..', '//']) {
    const r = await runDirector([...c.args(), 'sync', '--delete', src, dest], { cwd });
    assert.is(r.code, 2, `${JSON.stringify(dest)}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /refusing|empty/);
  }
  symlinkSync(HOME_IN_HOST, onHost(1, 'homelink'));
  const r = await runDirector([...c.args(), 'sync', '--delete', src, '~/homelink'], { cwd });
  assert.is(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`it is the home folder on ${c.hosts[1]!.name.replace(/\./g, '\\.')}`));
  assert.is(readFileSync(onHost(0, 'precious.txt'), 'utf8'), 'mine');
  for (let i = 0; i < 3; i++) assert.not.ok(existsSync(onHost(i, 'g.txt')), 'nothing written anywhere');
});

test("gather: each host's files into <dir>/<host>/<path>, md5 verified, hostile names, links and fifos listed not followed; a host with no match fails alone", async () => {
  for (let i = 0; i < 3; i++) {
    mkdirSync(onHost(i, 'logs/sub'), { recursive: true });
    writeFileSync(onHost(i, 'logs/app.log'), `host ${i}\n`);
    writeFileSync(onHost(i, `logs/sub/${HOSTILE[1]}`), `q ${i}`);
    writeFileSync(onHost(i, 'logs/other.txt'), 'not matched');
  }
  symlinkSync('/etc/shadow', onHost(0, 'logs/shadow.log'));
  execFileSync('mkfifo', [onHost(1, 'logs/pipe.log')]);
  const out = join(tempDir('director-gather-'), 'out');
  const r = await gather({ pattern: '~/logs/*.log', dir: out }, { fleet: c.fleet() });
  assert.is(r.exitCode, 0, JSON.stringify(r.clients.map((o) => o.error?.message)));
  for (let i = 0; i < 3; i++) {
    const mine = join(out, c.hosts[i]!.name);
    assert.is(readFileSync(join(mine, 'logs/app.log'), 'utf8'), `host ${i}\n`, 'each host its own folder');
    assert.not.ok(existsSync(join(mine, 'logs/other.txt')));
  }
  assert.equal(r.clients[0]!.listed, [{ rel: 'logs/shadow.log', what: 'symbolic link → /etc/shadow (not followed)' }]);
  assert.not.ok(existsSync(join(out, c.hosts[0]!.name, 'logs/shadow.log')));
  assert.match(r.clients[1]!.listed[0]!.what, /fifo/);
  const dirs = await gather({ pattern: `~/logs/s[u]b`, dir: out }, { fleet: c.fleet() });
  assert.is(dirs.exitCode, 0);
  for (let i = 0; i < 3; i++) {
    const f = r.clients[i]!.files.find((x) => x.rel === 'logs/app.log');
    assert.ok(f?.status === 'fetched' && f.md5 === hostMd5(i, 'logs/app.log'), 'the md5 the host computes');
    assert.is(readFileSync(join(out, c.hosts[i]!.name, `logs/sub/${HOSTILE[1]}`), 'utf8'), `q ${i}`);
  }
  writeFileSync(onHost(2, 'only-here.dat'), 'x');
  const partial = await gather({ pattern: '~/only-*.dat', dir: out }, { fleet: c.fleet() });
  assert.is(partial.exitCode, 1);
  assert.equal(partial.clients.map((o) => o.error?.message), ['nothing matches on this client', 'nothing matches on this client', undefined]);
  assert.equal(temporaries(out), [], 'no temporaries here');
});

test('gather: a file that cannot take its place here (a folder at its name) fails alone; the others are placed, no temporary left', async () => {
  for (let i = 0; i < 3; i++) {
    mkdirSync(onHost(i, 'blocked'), { recursive: true });
    for (const n of ['a', 'b', 'c']) writeFileSync(onHost(i, `blocked/${n}.txt`), `${n} ${i}`);
  }
  const out = join(tempDir('director-gather-blocked-'), 'out');
  mkdirSync(join(out, c.hosts[1]!.name, 'blocked', 'b.txt', 'inside'), { recursive: true });
  const r = await gather({ pattern: '~/blocked/*.txt', dir: out }, { fleet: c.fleet() });
  assert.is(r.exitCode, 1);
  const states = r.clients.map((o) => o.files.map((f) => `${f.rel}:${f.status}`).sort().join(' '));
  assert.equal(states, [
    'blocked/a.txt:fetched blocked/b.txt:fetched blocked/c.txt:fetched',
    'blocked/a.txt:fetched blocked/b.txt:failed blocked/c.txt:fetched',
    'blocked/a.txt:fetched blocked/b.txt:fetched blocked/c.txt:fetched',
  ]);
  const failed = r.clients[1]!.files.find((f) => f.rel === 'blocked/b.txt');
  assert.match(failed?.status === 'failed' ? failed.reason : '', /^placing it here: /);
  assert.is(readFileSync(join(out, c.hosts[1]!.name, 'blocked/c.txt'), 'utf8'), 'c 1', 'the file after it is placed');
  assert.equal(temporaries(out), [], 'no temporaries here');
});

test('CLI: copy, sync and gather usage errors exit 2 before any client; output lines and --json', async () => {
  const src = tree({ 'u.txt': 'u' });
  for (const args of [['copy', join(src, 'u.txt')], ['copy', '--mode', '999', join(src, 'u.txt'), '~/u'], ['copy', '--owner', '-x', join(src, 'u.txt'), '~/u'], ['copy', join(src, 'missing'), '~/u'], ['gather', '../etc/*', 'o'], ['gather', '/', 'o'], ['sync', join(src, 'u.txt'), '~/u']]) {
    const r = await runDirector([...c.args(), ...args], { cwd });
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  }
  const r = await runDirector([...c.args(), 'copy', join(src, 'u.txt'), '~/cli'], { cwd });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Copying 1 file \(1 B\) to ~\/cli on 3 clients$/m);
  assert.match(r.stdout, new RegExp(`^${c.hosts[0]!.name.replace(/\./g, '\\.')}: 1 written, 0 unchanged, 0 failed`, 'm'));
  assert.match(r.stdout, /^3 ok, 0 failed$/m);
  const j = await runDirector([...c.args(), '--json', 'copy', join(src, 'u.txt'), '~/cli'], { cwd });
  const doc = JSON.parse(j.stdout) as { command: string; ok: boolean; clients: Array<{ unchanged: number; files: Array<{ rel: string; status: string }> }> };
  assert.is(doc.command, 'copy');
  assert.ok(doc.ok);
  assert.equal(doc.clients.map((x) => x.unchanged), [1, 1, 1]);
  const g = await runDirector([...c.args(), 'gather', '~/cli/u.txt', join(cwd, 'g')], { cwd });
  assert.is(g.code, 0, g.stderr);
  assert.match(g.stdout, /1 fetched, 0 failed, 0 listed/);
  assert.is(readFileSync(join(cwd, 'g', c.hosts[2]!.name, 'cli/u.txt'), 'utf8'), 'u');
});

test.run();
