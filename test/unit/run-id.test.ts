// Run ids, output folders, summary.json, and the operands of `run` around "--".
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { splitRunOperands } from '../../src/cli/run-operands.js';
import { isInside, isSafeName } from '../../src/run/gather.js';
import { createRunFolder, hostFolderNames, makeRunId, RUN_ID, safeSegment, scriptLabel, writeFailure } from '../../src/run/layout.js';
import { SummaryFile } from '../../src/run/summary-file.js';
import type { RunOutcome } from '../../src/run/types.js';
import { client } from '../support/run-fixtures.js';

test('run id: UTC date and time to the millisecond, then a random tail; ids sort by time', () => {
  assert.is(makeRunId(new Date(Date.UTC(2026, 10, 23, 11, 15, 0, 7)), 'ab12'), '20261123-111500.007-ab12');
  assert.match(makeRunId(), RUN_ID);
  const t0 = Date.UTC(2026, 0, 2, 3, 4, 5);
  const times = [t0, t0 + 1, t0 + 999, t0 + 1000, Date.UTC(2026, 0, 2, 13, 4, 5), Date.UTC(2026, 9, 2, 3, 4, 5), Date.UTC(2027, 0, 1)];
  // Later runs sort later even when their random tail is smaller.
  const ids = times.map((t, i) => makeRunId(new Date(t), i % 2 === 0 ? 'ffff' : '0000'));
  assert.equal([...ids].sort(), ids);
  const tails = new Set(Array.from({ length: 50 }, () => makeRunId(new Date(0)).slice(-4)));
  assert.ok(tails.size > 40, 'random tails differ');
});

test('run folders started in the same millisecond are never shared', () => {
  const root = mkdtempSync(join(tmpdir(), 'director-runid-'));
  const now = new Date();
  const made = Array.from({ length: 30 }, () => createRunFolder(root, 'proj', now));
  assert.is(new Set(made.map((m) => m.dir)).size, 30);
  assert.is(readdirSync(join(root, 'proj')).length, 30);
});

test('host folders: names as in clients.conf, unique, never a path', () => {
  const names = hostFolderNames([client(0, 'u@h:22'), client(1, 'u@h:22'), client(2, '../x'), client(3, 'summary.json'), client(4, '..'), client(5, 'summary.json.tmp')]);
  assert.equal([...names.values()], ['u@h:22', 'u@h:22-1', '.._x', 'summary.json-3', '_..', 'summary.json.tmp-5']);
  assert.is(safeSegment('a/b\nc'), 'a_b_c');
  assert.is(scriptLabel('/x/y/job.sh'), 'job.sh');
});

test('a write the director\'s disk refused reads as the reason, without the code and call', () => {
  const fsError = (code: string, text: string, syscall: string, path?: string) =>
    Object.assign(new Error(`${code}: ${text}, ${syscall}${path ? ` '${path}'` : ''}`), { code, syscall, ...(path ? { path } : {}) });
  const cases: Array<[unknown, string]> = [
    [fsError('ENOSPC', 'no space left on device', 'write'), 'no space left on device'],
    [fsError('EACCES', 'permission denied', 'open', '/out/h, write/stdout'), 'permission denied'],
    [fsError('EIO', 'i/o error', 'write'), 'i/o error'],
    [Object.assign(new Error('No such file'), { code: 2 }), 'No such file'],
    [new Error('short write (0 of 9 bytes)'), 'short write (0 of 9 bytes)'],
    ['text', 'text'],
  ];
  for (const [e, want] of cases) assert.is(writeFailure(e), want);
});

const outcome = (dir: string, hosts: number, skipped = 0): RunOutcome => ({
  command: 'exec',
  runId: makeRunId(),
  outputDir: dir,
  startedAt: 0,
  finishedAt: 1,
  interrupted: false,
  exitCode: 0,
  hosts: Array.from({ length: hosts }, (_, i) => ({
    client: client(i, `h${i}`),
    state: 'success' as const,
    code: 0,
    signal: null,
    timedOut: false,
    startedAt: 0,
    finishedAt: 1,
    order: i + 1,
    stdout: { bytes: 0, md5: '' },
    stderr: { bytes: 0, md5: '' },
    files: { count: 0, bytes: 0, skipped: i === 0 ? Array.from({ length: skipped }, (_, k) => `link${k}: symbolic link`) : [] },
    digest: '',
  })),
  what: { args: ['true'] },
});

test('summary.json: its room is kept from the start, then it is written over it and cut to length', () => {
  const dir = mkdtempSync(join(tmpdir(), 'director-summary-'));
  const file = new SummaryFile(dir, outcome(dir, 3));
  assert.equal(readdirSync(dir), ['summary.json.tmp']);
  assert.ok(statSync(join(dir, 'summary.json.tmp')).size > 3 * 1024);
  // Bigger than the room kept (2000 skipped entries): written all the same.
  const end = outcome(dir, 3, 2000);
  assert.ok(JSON.stringify(end, null, 2).length > statSync(join(dir, 'summary.json.tmp')).size);
  assert.is(file.write(end), undefined);
  assert.equal(readdirSync(dir), ['summary.json']);
  const text = readFileSync(join(dir, 'summary.json'), 'utf8');
  assert.ok(text.endsWith('}\n'), 'no padding left after the document');
  assert.is((JSON.parse(text) as { clients: unknown[] }).clients.length, 3);
});

test('summary.json: when it cannot be written, the reason is returned and no temporary file is left', () => {
  const dir = mkdtempSync(join(tmpdir(), 'director-summary-'));
  const file = new SummaryFile(dir, outcome(dir, 1));
  rmSync(dir, { recursive: true });
  assert.is(file.write(outcome(dir, 1)), 'no such file or directory');
  assert.not.ok(existsSync(dir));
  const kept = mkdtempSync(join(tmpdir(), 'director-summary-'));
  new SummaryFile(kept, outcome(kept, 1)).discard();
  assert.equal(readdirSync(kept), [], 'discard gives the room back');
});

test('gathering refuses names that could leave the target folder', () => {
  for (const bad of ['', '.', '..', 'a/b', '..\\x', 'a\0b']) assert.not.ok(isSafeName(bad), JSON.stringify(bad));
  for (const good of ['a', '.hidden', 'with space', '..dots']) assert.ok(isSafeName(good), good);
  assert.ok(isInside('/out/h/files', '/out/h/files/a'));
  assert.not.ok(isInside('/out/h/files', '/out/h/files2/a'));
  assert.not.ok(isInside('/out/h/files', '/out/h/files'));
});

test('run operands: what follows "--" is the script\'s, whatever it looks like', () => {
  const argv = (...rest: string[]) => ['node', 'director', '-c', 'x', 'run', ...rest];
  assert.equal(splitRunOperands(['s.sh'], argv('s.sh')), { script: 's.sh', args: [] });
  assert.equal(splitRunOperands(['s.sh', 'proj'], argv('s.sh', 'proj')), { script: 's.sh', project: 'proj', args: [] });
  assert.equal(splitRunOperands(['s.sh', 'a', 'b'], argv('s.sh', '--', 'a', 'b')), { script: 's.sh', args: ['a', 'b'] });
  assert.equal(splitRunOperands(['s.sh', 'p', 'a', '--'], argv('s.sh', 'p', '-q', '--', 'a', '--')), { script: 's.sh', project: 'p', args: ['a', '--'] });
  assert.throws(() => splitRunOperands(['s.sh', 'p', 'a'], argv('s.sh', 'p', 'a')), /after "--"/);
  assert.throws(() => splitRunOperands([], argv('--')), /missing <script>/);
});

test.run();
