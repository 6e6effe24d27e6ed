// Folding names of several numeric dimensions (`r1n1 r1n2 r2n1` → `r[1-2]n1,r1n2`… ) the way
// ClusterShell's RangeSetND does, so `director hosts -f` prints what `nodeset -f` prints: a set
// that is a full product is one vector; any other set is merged greedily from single points
// (vectors differing in one dimension merge), sorted biggest first before each pass.
import { disjoint, properSubset, sameIndexes, sortIndexes, unionIndexes, type Indexes } from './indexes.js';

/** One folded vector: the indexes of each dimension, sorted. */
export type Vector = Indexes[];

/**
 * ClusterShell's greedy merge is quadratic in the worst case; past this many points the
 * vectors are only merged along the last dimension (still correct, perhaps less compact).
 */
const GREEDY_LIMIT = 2000;

export function foldVectors(tuples: readonly (readonly string[])[]): Vector[] {
  const dims = tuples[0]?.length ?? 0;
  const axes = Array.from({ length: dims }, (_, d) => sortIndexes(tuples.map((t) => t[d] ?? '')));
  if (axes.reduce((n, a) => n * a.length, 1) === tuples.length) return [axes];
  if (tuples.length > GREEDY_LIMIT) return alongLast(tuples);
  return greedy(tuples.map((t) => t.map((v) => [v])));
}

function size(v: Vector): number {
  return v.reduce((n, rg) => n * rg.length, 1);
}

/** RangeSetND's sort: bigger vectors first, then per dimension longer, lower first, lower last. */
function compareVectors(a: Vector, b: Vector): number {
  const bySize = size(b) - size(a);
  if (bySize !== 0) return bySize;
  for (let d = 0; d < a.length; d++) {
    const x = a[d] ?? [];
    const y = b[d] ?? [];
    if (x.length !== y.length) return y.length - x.length;
    // Python compares these index strings as plain text here, not by width.
    const first = cmpText(x[0] ?? '', y[0] ?? '');
    if (first !== 0) return first;
    const last = cmpText(x[x.length - 1] ?? '', y[y.length - 1] ?? '');
    if (last !== 0) return last;
  }
  return 0;
}

const cmpText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Two vectors as one, when they differ in at most one dimension in a way that merges. */
function mergePair(a: Vector, b: Vector): Vector | undefined {
  // Classify first, allocate only for a merge: most pairs of a big set do not merge.
  let at = -1;
  for (let d = 0; d < a.length; d++) {
    const x = a[d] ?? [];
    const y = b[d] ?? [];
    if (sameIndexes(x, y)) continue;
    if (at !== -1) return undefined;
    if (!disjoint(x, y) && !properSubset(x, y) && !properSubset(y, x)) return undefined;
    at = d;
  }
  if (at === -1) return a;
  const x = a[at] ?? [];
  const y = b[at] ?? [];
  const merged = disjoint(x, y) ? unionIndexes(x, y) : x.length > y.length ? x : y;
  return a.map((rg, d) => (d === at ? merged : rg));
}

/** RangeSetND._fold_multivariate_merge: cheap neighbour passes first, then full passes. */
function greedy(start: Vector[]): Vector[] {
  const list = start;
  let full = false;
  let changed = true;
  while (changed) {
    changed = false;
    list.sort(compareVectors);
    let i1 = 0;
    while (i1 + 1 < list.length) {
      let item1 = list[i1] as Vector;
      let i2 = i1 + 1;
      i1++;
      while (i2 < list.length) {
        const merged = mergePair(item1, list[i2] as Vector);
        if (merged) {
          changed = true;
          item1 = list[i1 - 1] = merged;
          list.splice(i2, 1);
        } else {
          i2++;
          if (!full) break;
        }
      }
    }
    if (!changed && !full) changed = full = true;
  }
  return list;
}

function alongLast(tuples: readonly (readonly string[])[]): Vector[] {
  const rows = new Map<string, { head: readonly string[]; last: string[] }>();
  for (const t of tuples) {
    const head = t.slice(0, -1);
    const key = head.join('\0');
    const row = rows.get(key) ?? rows.set(key, { head, last: [] }).get(key)!;
    row.last.push(t[t.length - 1] ?? '');
  }
  const vectors = [...rows.values()].map((r) => [...r.head.map((v) => [v]), sortIndexes(r.last)]);
  return vectors.sort(compareVectors);
}
