import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PlacedFile, PlacementRecord } from '../../src/transfer/placement-record.js';
import { workShares } from '../../src/transfer/work-shares.js';

const copy = (path: string, client: string, size = 10): PlacedFile => ({ path, client, remotePath: `d/${path}`, size, md5: '0'.repeat(32), time: '2026-12-03T00:00:00.000Z' });
const record = (files: PlacedFile[]): PlacementRecord => ({ version: 1, project: 'p', remoteRoot: '~/director/data', files });
const paths = (m: Map<string, PlacedFile[]>) => Object.fromEntries([...m].map(([c, fs]) => [c, fs.map((f) => f.path)]));

test('one copy a file: each client gets what it holds, in record order', () => {
  const r = record([copy('a', 'n1'), copy('b', 'n2'), copy('c', 'n1')]);
  assert.equal(paths(workShares(r, ['n1', 'n2', 'n3'])), { n1: ['a', 'c'], n2: ['b'], n3: [] });
});

test('replicas: every file listed exactly once, spread by bytes over its holders', () => {
  // --replicas 2 over 3 clients, as data places them: first holder by _<n>, the next client after it.
  const files = Array.from({ length: 30 }, (_, i) => `f_${i + 1}`);
  const r = record(files.flatMap((f, i) => [copy(f, `n${(i % 3) + 1}`), copy(f, `n${((i + 1) % 3) + 1}`)]));
  const shares = workShares(r, ['n1', 'n2', 'n3']);
  const listed = [...shares.values()].flat().map((f) => f.path);
  assert.equal([...listed].sort(), [...files].sort());
  for (const [client, fs] of shares) {
    assert.is(fs.length, 10, client);
    for (const f of fs) assert.ok(r.files.some((g) => g.path === f.path && g.client === client), `${f.path} is on ${client}`);
  }
});

test('a holder left out of the run: its files go to the other holders, still once each', () => {
  const files = Array.from({ length: 30 }, (_, i) => `f_${i + 1}`);
  const r = record(files.flatMap((f, i) => [copy(f, `n${(i % 3) + 1}`), copy(f, `n${((i + 1) % 3) + 1}`)]));
  const shares = workShares(r, ['n2', 'n3']);
  assert.equal([...shares.values()].flat().map((f) => f.path).sort(), [...files].sort());
  assert.equal([...shares.values()].map((fs) => fs.length), [15, 15]);
  // A file only the left-out client holds is on no list.
  const alone = workShares(record([copy('x', 'n1'), copy('y', 'n2')]), ['n2']);
  assert.equal(paths(alone), { n2: ['y'] });
});

test('bigger files weigh more: a 100-byte file and ten 10-byte ones on two holders balance', () => {
  const r = record([copy('big', 'n1', 100), copy('big', 'n2', 100), ...Array.from({ length: 10 }, (_, i) => [copy(`s${i}`, 'n1'), copy(`s${i}`, 'n2')]).flat()]);
  assert.equal(paths(workShares(r, ['n1', 'n2'])), { n1: ['big'], n2: Array.from({ length: 10 }, (_, i) => `s${i}`) });
});

test.run();
