// Run ids, output folders, and the operands of `run` around "--".
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { splitRunOperands } from '../../src/cli/run-operands.js';
import { isInside, isSafeName } from '../../src/run/gather.js';
import { createRunFolder, hostFolderNames, makeRunId, RUN_ID, safeSegment, scriptLabel } from '../../src/run/layout.js';
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
  const names = hostFolderNames([client(0, 'u@h:22'), client(1, 'u@h:22'), client(2, '../x'), client(3, 'summary.json'), client(4, '..')]);
  assert.equal([...names.values()], ['u@h:22', 'u@h:22-1', '.._x', 'summary.json-3', '_..']);
  assert.is(safeSegment('a/b\nc'), 'a_b_c');
  assert.is(scriptLabel('/x/y/job.sh'), 'job.sh');
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
