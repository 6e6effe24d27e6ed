// copy/sync decisions (push-decide.ts), stat records (remote-stat.ts), the rendezvous of
// clients (rendezvous.ts) and the names gather may write (tar-entries.ts): pure, table by table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deleteGuard, extraneous, firstLook, modeFor, type Compare } from '../../src/transfer/push-decide.js';
import { parseStat, type RemoteEntry } from '../../src/transfer/remote-stat.js';
import { Rendezvous } from '../../src/transfer/rendezvous.js';
import { entryTarget } from '../../src/tar-entries.js';
import type { PushFile } from '../../src/transfer/local-sources.js';

const file = (rel: string, size = 10, mtimeS = 1000, mode = 0o644): PushFile => ({ rel, abs: `/x/${rel}`, size, mtimeMs: mtimeS * 1000 + 123, mode });
const entry = (type: RemoteEntry['type'], size = 10, mtime = 1000, mode = 0o644): RemoteEntry => ({ type, size, mtime, mode });

test('firstLook: what a file needs, by comparison', () => {
  const f = file('a');
  const rows: Array<[RemoteEntry | undefined, Compare, { mode?: number; mtime: boolean }, string]> = [
    [undefined, 'content', { mtime: false }, 'send'],
    [entry('dir'), 'size-mtime', { mtime: true }, 'send'],
    [entry('symlink'), 'content', { mtime: false }, 'send'],
    [entry('file', 11), 'checksum', { mtime: true }, 'send'],
    [entry('file'), 'size-mtime', { mtime: true }, 'unchanged'],
    [entry('file', 10, 999), 'size-mtime', { mtime: true }, 'send'],
    [entry('file', 10, 999), 'checksum', { mtime: true }, 'md5'],
    [entry('file'), 'content', { mtime: false }, 'md5'],
    [entry('file', 10, 1000, 0o600), 'content', { mode: 0o644, mtime: false }, 'send'],
    [entry('file', 10, 5), 'content', { mtime: true }, 'send'],
    [entry('file', 10, 5), 'content', { mtime: false }, 'md5'],
  ];
  for (const [there, compare, want, expected] of rows) assert.is(firstLook(f, there, compare, want), expected, JSON.stringify([there, compare, want]));
});

test('modeFor: --mode, else the local mode (preserved) or less the umask', () => {
  assert.is(modeFor(file('a', 1, 1, 0o755), { mode: 0o600, preserve: true, umask: 0o22 }), 0o600);
  assert.is(modeFor(file('a', 1, 1, 0o4755), { preserve: true, umask: 0o77 }), 0o755);
  assert.is(modeFor(file('a', 1, 1, 0o666), { preserve: false, umask: 0o27 }), 0o640);
});

test('extraneous: what is not local, folders deepest first, temporaries left alone', () => {
  const remote = new Map<string, RemoteEntry>([
    ['keep', entry('file')],
    ['old', entry('file')],
    ['d', entry('dir')],
    ['d/e', entry('dir')],
    ['d/e/f', entry('file')],
    ['sub', entry('dir')],
    ['sub/x', entry('symlink')],
    ['was-dir', entry('dir')],
    ['was-file', entry('file')],
    ['sub/.0123456789abcdef-3.director-tmp', entry('file')],
  ]);
  const ex = extraneous([file('keep'), file('was-dir')], ['sub', 'was-file'], remote);
  assert.equal(ex.files, ['d/e/f', 'old', 'sub/x', 'was-file']);
  assert.equal(ex.dirs, ['d/e', 'd', 'was-dir']);
});

test('deleteGuard: /, homes, empty and .. refused; other folders allowed', () => {
  for (const bad of ['/', '//', '/.', '~', '~/', '~/.', '.', './', '', 'a/..', '../x', '~/x/../']) assert.ok(deleteGuard(bad) !== undefined || bad === '', JSON.stringify(bad));
  for (const good of ['~/x', 'x', '/srv/data', './x', '~/.config']) assert.is(deleteGuard(good), undefined, good);
});

test('parseStat: records by name, newlines and look-alike text in names kept', () => {
  const t = '__director_0123456789abcdef__';
  const out = `${t} 5 100 644 81a4 ./a\n${t} 0 200 755 41ed ./dir\n${t} 3 300 777 a1ff ./we\n${t.slice(0, 5)} 1 2 3 4 ird\n${t} 7 400 600 81a4 ./last\n`;
  const m = parseStat(out, t);
  assert.equal([...m.keys()], ['a', 'dir', `we\n${t.slice(0, 5)} 1 2 3 4 ird`, 'last']);
  assert.equal(m.get('dir'), { type: 'dir', size: 0, mtime: 200, mode: 0o755 });
  assert.is(m.get(`we\n${t.slice(0, 5)} 1 2 3 4 ird`)?.type, 'symlink');
  assert.equal(m.get('last'), { type: 'file', size: 7, mtime: 400, mode: 0o600 });
});

test('entryTarget: absolute names, .. and empty parts are never under the root', () => {
  for (const bad of ['/etc/passwd', '../x', 'a/../../x', 'a/./../b', 'a//b', '..']) assert.is(entryTarget('/out/h', bad), 'unsafe', bad);
  assert.is(entryTarget('/out/h', './'), 'root');
  const ok = entryTarget('/out/h', './a/b c');
  assert.equal(ok, { rel: 'a/b c', parts: ['a', 'b c'], target: '/out/h/a/b c' });
});

const tick = () => new Promise((r) => setTimeout(r, 5));

test('rendezvous: a wave waits for clients still finding out, then groups by key', async () => {
  const started: string[][] = [];
  const r = new Rendezvous<string, string[]>(8, (m) => (started.push(m), m), 10_000);
  for (const n of ['a', 'b', 'c']) r.connecting(n);
  for (const n of ['a', 'b', 'c']) r.connected(n);
  const pa = r.arrive('a', 'k1', 'a');
  const pb = r.arrive('b', 'k2', 'b');
  await tick();
  assert.equal(started, [], 'c is still finding out what it needs');
  const pc = r.arrive('c', 'k1', 'c');
  assert.equal(await pa, ['a', 'c']);
  assert.equal(await pc, ['a', 'c']);
  assert.equal(await pb, ['b']);
});

test('rendezvous: a client still connecting is waited for only as long as the window, or until the slots are full', async () => {
  const r = new Rendezvous<string, string[]>(2, (m) => m, 30);
  for (const n of ['a', 'b', 'slow']) r.connecting(n);
  r.connected('a');
  const t0 = Date.now();
  assert.equal(await r.arrive('a', 'k', 'a'), ['a']);
  assert.ok(Date.now() - t0 >= 25, 'waited for the window');
  const full = new Rendezvous<string, string[]>(2, (m) => m, 10_000);
  for (const n of ['a', 'b', 'c']) full.connecting(n);
  full.connected('a');
  full.connected('b');
  const both = Promise.all([full.arrive('a', 'k', 'a'), full.arrive('b', 'k', 'b')]);
  assert.equal(await both, [['a', 'b'], ['a', 'b']], 'both -p slots held: no reason to wait for c');
  full.done('a');
});

test.run();
