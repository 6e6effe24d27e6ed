// The indexes of one dimension of a node set, as ClusterShell keeps them: strings (so `1`
// and `01` are different nodes), sorted by length and then by text, which is numeric order
// within each width; folded into runs that keep one padding (`1-9`, `01-10`, `098-100`).

export type Indexes = readonly string[];

export function compareIndex(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

export function sortIndexes(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareIndex);
}

const padded = (s: string) => s.length > 1 && s.startsWith('0');

/** Is `b` the number after `a` (exact past 15 digits too)? */
function follows(a: string, b: string): boolean {
  if (a.length <= 15 && b.length <= 15) return Number(b) === Number(a) + 1;
  return BigInt(b) === BigInt(a) + 1n;
}

/** `1-3,5,01-02` for sorted indexes (ClusterShell's RangeSet text, no steps). */
export function indexesText(sorted: Indexes): string {
  const out: string[] = [];
  let first: string | undefined;
  let last = '';
  for (const s of sorted) {
    // A padded run only takes indexes of its width; an unpadded one only unpadded ones.
    const fits = first !== undefined && follows(last, s) && (padded(first) ? s.length === first.length : !padded(s));
    if (fits) {
      last = s;
      continue;
    }
    if (first !== undefined) out.push(first === last ? first : `${first}-${last}`);
    first = last = s;
  }
  if (first !== undefined) out.push(first === last ? first : `${first}-${last}`);
  return out.join(',');
}

export function sameIndexes(a: Indexes, b: Indexes): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** How many indexes of `a` are in `b` (both sorted): one merge walk, nothing allocated. */
function common(a: Indexes, b: Indexes): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const c = compareIndex(a[i] as string, b[j] as string);
    if (c === 0) n++;
    if (c <= 0) i++;
    if (c >= 0) j++;
  }
  return n;
}

export function disjoint(a: Indexes, b: Indexes): boolean {
  return common(a, b) === 0;
}

/** Is `a` a proper subset of `b`? */
export function properSubset(a: Indexes, b: Indexes): boolean {
  return a.length < b.length && common(a, b) === a.length;
}

export function unionIndexes(a: Indexes, b: Indexes): string[] {
  return sortIndexes([...a, ...b]);
}
