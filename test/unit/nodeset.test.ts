// Node sets against the reference, ClusterShell's own `nodeset` (Debian's clustershell): for each
// set of the table, what director expands (`nodeset -e`), counts and folds (`nodeset -f`) must be
// what `nodeset` prints, and a set nodeset refuses is refused here too. Groups, globs and the
// limit are director's own and are checked against plain expectations.
import { execFile, spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_NODES, NodeSetError } from '../../src/nodeset/errors.js';
import { evaluate, type NodeSetContext } from '../../src/nodeset/expression.js';
import { fold, sortNodes } from '../../src/nodeset/fold.js';

const SETS = [
  'node[1-4,7]',
  'node[01-10]',
  'node[01-10/2]',
  'node[1-10/3],node[20-30/5]',
  'r[1-2]n[1-4]',
  'r[1-2]n[01-04]-ib',
  'node[1-10]!node[3-5]',
  'node[1-10]&node[5-20]',
  'node[1-5]^node[3-8]',
  'node[1-10],x!node[2-9]&node[1-20],x',
  'r[1-3]n[1-3]!r2n2',
  'r[1-4]n[1-4]&r[2-5]n[3-6]',
  'r[1-4]n[1-4]^r[2-5]n[3-6]',
  'r1n1,r1n2,r2n1,r2n2,r3n1',
  'a[1-3]b[1-2]c[1-2]!a2b1c1',
  'node[001-180],node[182-200]',
  'node[8-10],node[01-02],node[098-100]',
  'node1,node01,node001',
  'n[7-9],n[010-011],n[12-13],n[08-09]',
  'n[8-9],n[010-011],m[08-09],m[010]',
  'b1,a1,a10,a2,c,a',
  '10.0.0.[1-3,7]',
  'alice@node[1-3]:2222,bob@node1:22',
  '127.0.1.1:2201,127.0.1.2:2202,127.0.1.3:2203',
  'node1[0-5],node[1-2]0',
  ' node[1-3] , node[5-6] ',
  'x%1,x%2,y',
  'rack[1-2]-node[1-3]!rack2-node2,rack3-node1',
];

/** Sets ClusterShell refuses, and director's reason. */
const BAD: Array<[string, RegExp]> = [
  ['node[1-3', /unbalanced "\["/],
  ['node1-3]', /unbalanced "\]"/],
  ['node[3-1]', /reversed range "3-1"/],
  ['node[01-100]', /padding mismatch in "01-100"/],
  ['node[a-b]', /bad range "a-b"/],
  ['node[]', /empty range/],
  ['node[1,,2]', /empty range/],
  ['a,,b', /missing node set operand before ","/],
  ['a!', /missing node set operand after "!"/],
  ['!a', /missing node set operand before "!"/],
  ['a&', /missing node set operand after "&"/],
  ['^a', /missing node set operand before "\^"/],
  ['node[1-2][3-4]', /"\]\[" in "node\[1-2\]\[3-4\]"/],
  ['node[1/2]', /a step needs a range/],
  ['node[1-4/0]', /step must be 1 or more/],
  ['node[[1]]', /nested "\["/],
];

const present = spawnSync('nodeset', ['--version']).error === undefined;

function nodeset(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('nodeset', args, (err, stdout) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout.trim() }));
  });
}

/** Every reference answer, asked a few at a time (each nodeset is a Python start-up). */
async function references(): Promise<Map<string, { code: number; out: string }>> {
  const calls = [...SETS.flatMap((s) => [['-e', s], ['-f', s]]), ...BAD.map(([s]) => ['-f', s])];
  const answers = new Map<string, { code: number; out: string }>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < calls.length) {
        const args = calls[next++] as string[];
        answers.set(args.join('\0'), await nodeset(args));
      }
    }),
  );
  return answers;
}

if (!present) {
  console.log('\n  nodeset.test: SKIPPING the comparison with ClusterShell: `nodeset` is not installed (apt-get install clustershell)\n');
  test.skip('expansion, count and folding match ClusterShell\'s nodeset', () => undefined);
} else {
  test('expansion, count and folding match ClusterShell\'s nodeset; its refusals are refusals here', async () => {
    const ref = await references();
    for (const set of SETS) {
      const e = ref.get(`-e\0${set}`);
      const f = ref.get(`-f\0${set}`);
      assert.is(e?.code, 0, `nodeset -e ${set}`);
      const names = evaluate(set);
      assert.equal(sortNodes(names), e?.out.split(' '), `expansion of ${set}`);
      assert.is(names.length, e?.out.split(' ').length, `count of ${set}`);
      assert.is(fold(names), f?.out, `fold of ${set}`);
    }
    for (const [set, why] of BAD) {
      assert.is.not(ref.get(`-f\0${set}`)?.code, 0, `nodeset accepts ${set}`);
      assert.throws(() => evaluate(set), (e: Error) => e instanceof NodeSetError && why.test(e.message), `${set}: ${why}`);
    }
  });
}

test('a seeded random sample of sets folds back to itself (fold, then expand, is the same set)', () => {
  let seed = 17;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const range = () => Array.from({ length: 1 + rnd(3) }, () => (a => `${a}-${a + rnd(5)}`)(rnd(12))).join(',');
  for (let i = 0; i < 200; i++) {
    let set = '';
    for (let t = 0; t <= rnd(3); t++) set += `${t === 0 ? '' : ([',', '!', '&', '^'][rnd(4)] as string)}r[${range()}]n[${range()}]${rnd(2) ? `c[${range()}]` : ''}`;
    const names = evaluate(set);
    const again = names.length === 0 ? [] : evaluate(fold(names));
    assert.equal(new Set(again), new Set(names), set);
  }
});

test('evaluation keeps the order written (clients.conf and -w use it); sorting is for display', () => {
  assert.equal(evaluate('node[3,1],b,node2'), ['node3', 'node1', 'b', 'node2']);
  assert.equal(sortNodes(evaluate('node[3,1],b,node2')), ['b', 'node1', 'node2', 'node3']);
});

test('groups, @* and globs come from the context; names can stand for other members', () => {
  const groups: Record<string, string[]> = { web: ['w1', 'w2'], rack1: ['r1a'], rack2: ['r2a', 'w1'] };
  const ctx: NodeSetContext = {
    group: (g) => groups[g] ?? [],
    all: () => ['w1', 'w2', 'r1a', 'r2a', 'db1'],
    glob: (mask) => ['w1', 'w2', 'r1a', 'r2a', 'db1'].filter((n) => new RegExp(`^${mask.replace('*', '.*')}$`).test(n)),
  };
  assert.equal(evaluate('@web', ctx), ['w1', 'w2']);
  assert.equal(evaluate('@rack[1-2]!@web', ctx), ['r1a', 'r2a']);
  assert.equal(evaluate('@*!w*', ctx), ['r1a', 'r2a', 'db1']);
  assert.equal(evaluate('@web^@rack2', ctx), ['w2', 'r2a']);
  assert.equal(evaluate('n1,n2', { member: (n) => [n.toUpperCase()] }), ['N1', 'N2']);
  assert.throws(() => evaluate('@web'), /@web: no list of groups here/);
  assert.throws(() => evaluate('node*'), /node\*: no list of known names to match a glob against/);
  assert.throws(() => evaluate('@'), /"@" without a group name/);
});

test('director\'s own refusals: spaces inside a name, negative and huge bounds', () => {
  assert.throws(() => evaluate('a b'), /unexpected space in "a b"/);
  assert.throws(() => evaluate('node[-1]'), /bad range "-1"/);
  assert.throws(() => evaluate(`n[1-${'9'.repeat(16)}]`), /range bound over 15 digits/);
  assert.throws(() => evaluate(''), /empty node set/);
});

test(`the limit: ${MAX_NODES} names pass; more is refused, counted before a name is made`, () => {
  assert.is(evaluate(`n[1-${MAX_NODES}]`).length, MAX_NODES);
  const heap = process.memoryUsage().heapUsed;
  const t0 = Date.now();
  assert.throws(() => evaluate(`n[1-${MAX_NODES + 1}]`), /"n\[1-100001\]" expands to 100001 names, more than the limit of 100000/);
  assert.throws(() => evaluate('a[1-1000]b[1-1000]c[1-1000]d[1-1000]e[1-1000]f[1-1000]'), /over 10\^15 names/);
  assert.throws(() => evaluate(`n[${Array.from({ length: 100 }, () => '1-60000').join(',')}]`), /6000000 names/);
  assert.ok(Date.now() - t0 < 1000, `refusing took ${Date.now() - t0} ms`);
  assert.ok(process.memoryUsage().heapUsed - heap < 50 * 1024 * 1024, 'memory was spent on the names');
  // Each operand within the limit, their union past it.
  assert.throws(() => evaluate('a[1-6],b[1-6]', { limit: 10 }), /the node set holds more than the limit of 10 names/);
  assert.equal(evaluate('a[1-6]!a[1-2],a[1-6]', { limit: 6 }).length, 6, 'the limit is on the set, not the sum of operands');
});

test('folding: IPv6 names are kept whole; a big set of several dimensions folds back to itself', () => {
  assert.is(fold(['[::1]:22', '[::2]:22', 'n1']), '[::1]:22,[::2]:22,n1');
  // Past the greedy merge's bound (2000 points), a set that is not a full product folds by its last dimension.
  const names = evaluate('r[1-60]n[1-60]!r[1-60/7]n[1-60/5]');
  assert.ok(names.length > 2000);
  const t0 = Date.now();
  const folded = fold(names);
  assert.ok(Date.now() - t0 < 5000, `fold took ${Date.now() - t0} ms`);
  assert.equal(new Set(evaluate(folded)), new Set(names));
});

test.run();
