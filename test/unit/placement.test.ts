import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileNumber, modIndex, place } from '../../src/transfer/placement.js';
import { seededRng } from '../../src/transfer/random.js';
import { eligible, parseExtensions } from '../../src/transfer/scan.js';
import { parseMd5sumZ } from '../../src/transfer/md5sum-output.js';
import { batchCommand, batches, batchTag, tempPath } from '../../src/transfer/tar-batch.js';

const NUMBERS: Array<[string, number | undefined]> = [
  ['tweets_12.txt', 12],
  ['a_3.tar.gz', 3],
  ['run_12.part_3.txt', 3],
  ['f_007.json', 7],
  ['x_0.txt', 0],
  ['sub_9/plain.txt', undefined],
  ['dir/file_5.json', 5],
  ['no_number.txt', undefined],
  ['trailing_5', undefined],
  ['_4.txt', 4],
  ['a_b_22.c.gz', 22],
  ['big_99999999999999999999.txt', undefined],
];

for (const [name, n] of NUMBERS) {
  test(`fileNumber(${JSON.stringify(name)}) = ${n}`, () => assert.is(fileNumber(name), n));
}

test('mod: _1 to the first client, _0 to the last, (n-1) mod N', () => {
  const table: Array<[number, number, number]> = [
    [1, 4, 0],
    [2, 4, 1],
    [4, 4, 3],
    [5, 4, 0],
    [0, 4, 3],
    [12, 5, 1],
    [7, 1, 0],
  ];
  for (const [n, clients, want] of table) assert.is(modIndex(n, clients), want, `${n} mod ${clients}`);
});

test('place: numbered files by rule, others at random (seeded, repeatable), records win', () => {
  const items = ['a_1.txt', 'b_2.txt', 'c.txt', 'd.txt', 'e_3.txt'].map((rel) => ({ rel }));
  const one = place(items, 2, 'mod', seededRng('s'));
  const two = place(items, 2, 'mod', seededRng('s'));
  assert.equal(one.map((p) => p.client), two.map((p) => p.client));
  assert.equal(one.slice(0, 2).map((p) => [p.client, p.by]), [[0, 'number'], [1, 'number']]);
  assert.equal(one.filter((p) => p.by === 'random').map((p) => p.item.rel), ['c.txt', 'd.txt']);
  const kept = place(items, 2, 'mod', seededRng('s'), (rel) => (rel === 'a_1.txt' ? [1] : undefined));
  assert.equal([kept[0]?.client, kept[0]?.by], [1, 'record']);
  assert.equal(kept.map((p) => p.clients.length), [1, 1, 1, 1, 1]);
});

test('replicas: the rule picks the first client, the next ones in client order the others', () => {
  const items = ['a_1.txt', 'b_4.txt', 'c_0.txt'].map((rel) => ({ rel }));
  const placed = place(items, 4, 'mod', seededRng('s'), undefined, 3);
  assert.equal(placed.map((p) => p.clients), [[0, 1, 2], [3, 0, 1], [3, 0, 1]]);
  assert.equal(placed.map((p) => p.by), ['number', 'number', 'number']);
  // At random: the first at random, then the next ones; always distinct.
  const random = place(Array.from({ length: 200 }, (_, i) => ({ rel: `r${i}.txt` })), 5, 'random', seededRng('z'), undefined, 2);
  for (const p of random) assert.equal(p.clients, [p.client, (p.client + 1) % 5]);
  assert.throws(() => place(items, 2, 'mod', seededRng('s'), undefined, 3), /3 replicas need as many clients/);
});

test('replicas and the record: copies already held count, a rerun adds only the missing ones', () => {
  const items = ['a_1.txt', 'b_2.txt', 'c.txt', 'd_1.txt'].map((rel) => ({ rel }));
  const held: Record<string, number[]> = { 'a_1.txt': [0], 'b_2.txt': [2, 1], 'c.txt': [3], 'd_1.txt': [1] };
  const placed = place(items, 4, 'mod', seededRng('s'), (rel) => held[rel], 2);
  // a_1: held on 0, its rule's first; the next one is added. b_2: both copies held, nothing added.
  // c: no number, so the walk starts at its holder. d_1: its rule starts at 0, so 0 joins 1.
  assert.equal(placed.map((p) => p.clients), [[0, 1], [2, 1], [3, 0], [1, 0]]);
  assert.equal(placed.map((p) => p.by), ['record', 'record', 'record', 'record']);
  // An old record (one holder) with more replicas than copies: the holder stays first.
  assert.equal(place(items.slice(0, 1), 4, 'mod', seededRng('s'), () => [2], 3)[0]?.clients, [2, 0, 1]);
});

test('random placement is roughly uniform and depends on the seed', () => {
  const items = Array.from({ length: 4000 }, (_, i) => ({ rel: `f_${i}.txt` }));
  const counts = [0, 0, 0, 0];
  for (const p of place(items, 4, 'random', seededRng('x'))) counts[p.client]! += 1;
  for (const c of counts) assert.ok(c > 850 && c < 1150, `counts ${counts}`);
  const a = place(items, 4, 'random', seededRng('x')).map((p) => p.client).join('');
  const b = place(items, 4, 'random', seededRng('y')).map((p) => p.client).join('');
  assert.is.not(a, b);
});

test('extensions: default list, --ext parsing, case-insensitive', () => {
  const exts = parseExtensions('TXT, .json,gz');
  assert.equal(exts, ['.txt', '.json', '.gz']);
  assert.ok(eligible('A.TXT', exts));
  assert.ok(eligible('x.tar.gz', exts));
  assert.not.ok(eligible('x.csv', exts));
  assert.not.ok(eligible('.txt', exts));
  assert.ok(eligible('anything', undefined));
});

test('temporary names sit next to the final name, short whatever its length, tagged by batch', () => {
  assert.is(tempPath('a/b/c_1.txt', 'f00d', 3), 'a/b/.f00d-3.director-tmp');
  assert.is(tempPath('c.txt', 'f00d', 0), '.f00d-0.director-tmp');
  assert.is(tempPath(`${'L'.repeat(251)}.txt`, 'f00d', 12), '.f00d-12.director-tmp');
  // The same batch gets the same tag on a rerun (it replaces a crash's temporaries); another batch does not.
  const tag = batchTag(['d/a_1.txt', 'd/b_2.txt']);
  assert.match(tag, /^[0-9a-f]{16}$/);
  assert.is(batchTag(['d/a_1.txt', 'd/b_2.txt']), tag);
  assert.is.not(batchTag(['d/a_1.txt']), tag);
});

test('batches close by count and by bytes, keeping order', () => {
  const jobs = [5, 5, 5, 20, 1, 1].map((size, i) => ({ i, file: { size } }));
  assert.equal(batches(jobs, 2, 12).map((b) => b.map((j) => j.i)), [[0, 1], [2], [3], [4, 5]]);
  assert.equal(batches([], 2, 12), []);
});

test('md5sum -z output: names with spaces, newlines and backslashes survive', () => {
  const out = `${'a'.repeat(32)}  plain\0${'b'.repeat(32)}  with space\nnewline\\\0${'c'.repeat(32)} *bin\0`;
  const m = parseMd5sumZ(out);
  assert.is(m.get('plain'), 'a'.repeat(32));
  assert.is(m.get('with space\nnewline\\'), 'b'.repeat(32));
  assert.is(m.get('bin'), 'c'.repeat(32));
});

/** The sh code inside a command made by underSh (remote/posix.ts). */
const shCode = (command: string) => Buffer.from(/printf %s ([A-Za-z0-9+/=]+) \|/.exec(command)?.[1] ?? '', 'base64').toString('utf8');

test('the batch command quotes the base folder and carries no file names', () => {
  const cmd = shCode(batchCommand("director/data/it's $(x)", '.director-batch-ab12.list', '__director_0__'));
  assert.match(cmd, /mkdir -p -- 'director\/data\/it'\\''s \$\(x\)'/);
  assert.not.match(cmd, /\$\(x\) /);
});

test.run();
