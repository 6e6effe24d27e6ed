// pdsh/ClusterShell-style ranges in host names: `node[01-04]`, `10.0.0.[1-3]`, `n[1,3,5-6]`.
// Several bracket groups expand as a cartesian product, left to right.

/**
 * Most names one pattern (and one clients.conf, see clients.ts) may expand to. director is
 * for a handful to a few hundred clients; 10 000 leaves room and keeps a typo such as
 * `node[1-100000]` from costing seconds and hundreds of MB before anything is said.
 */
export const MAX_EXPANSION = 10_000;

export class RangeError_ extends Error {}

interface Part {
  lo: string;
  hi?: string;
}

interface Group {
  /** Literal text before the `[`. */
  prefix: string;
  parts: Part[];
  count: number;
}

interface Parsed {
  groups: Group[];
  /** Literal text after the last group. */
  tail: string;
  /** How many names the pattern makes (may be huge: nothing is built to know it). */
  count: number;
}

function parsePattern(pattern: string): Parsed {
  const groups: Group[] = [];
  let count = 1;
  let i = 0;
  let tail = '';
  while (i < pattern.length) {
    const open = pattern.indexOf('[', i);
    const close = pattern.indexOf(']', i);
    if (open === -1) {
      if (close !== -1) throw new RangeError_('unbalanced "]"');
      tail = pattern.slice(i);
      break;
    }
    if (close !== -1 && close < open) throw new RangeError_('unbalanced "]"');
    const end = pattern.indexOf(']', open);
    if (end === -1) throw new RangeError_('unbalanced "["');
    const inner = pattern.indexOf('[', open + 1);
    if (inner !== -1 && inner < end) throw new RangeError_('nested "["');
    const group = parseBody(pattern.slice(open + 1, end), pattern.slice(i, open));
    count *= group.count;
    groups.push(group);
    i = end + 1;
  }
  return { groups, tail, count };
}

/** How many names `pattern` expands to, without making them. Throws RangeError_ on bad syntax. */
export function countNames(pattern: string): number {
  return parsePattern(pattern).count;
}

/**
 * Expand every `[...]` group in `pattern` into at most `limit` names. Throws RangeError_ with a
 * short reason. The names are counted before any is built, so an expansion over the limit is
 * refused without spending memory on it.
 */
export function expandRanges(pattern: string, limit = MAX_EXPANSION): string[] {
  const { groups, tail, count } = parsePattern(pattern);
  if (count > limit) throw new RangeError_(`range expands to more than ${limit} names`);
  let results = [''];
  for (const g of groups) {
    const values = g.parts.flatMap(partValues);
    const next: string[] = [];
    for (const r of results) for (const v of values) next.push(r + g.prefix + v);
    results = next;
  }
  return tail === '' ? results : results.map((r) => r + tail);
}

export function hasRange(pattern: string): boolean {
  return pattern.includes('[') || pattern.includes(']');
}

/** One group's parts and how many names they make, without making them. */
function parseBody(body: string, prefix: string): Group {
  if (body === '') throw new RangeError_('empty range "[]"');
  const parts: Part[] = [];
  let count = 0;
  for (const part of body.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new RangeError_(`bad range "[${body}]"`);
    const lo = m[1] as string;
    const hi = m[2];
    // Bounds past 9 digits would lose precision (or become Infinity) and never end a loop.
    if (lo.length > 9 || (hi !== undefined && hi.length > 9)) throw new RangeError_(`range bound over 9 digits in "[${body.slice(0, 60)}]"`);
    if (hi !== undefined && Number(lo) > Number(hi)) throw new RangeError_(`reversed range "[${body}]"`);
    count += hi === undefined ? 1 : Number(hi) - Number(lo) + 1;
    parts.push(hi === undefined ? { lo } : { lo, hi });
  }
  return { prefix, parts, count };
}

function partValues(p: Part): string[] {
  if (p.hi === undefined) return [p.lo];
  const a = Number(p.lo);
  const b = Number(p.hi);
  // A zero-padded lower bound sets the width, as pdsh and clush do: [01-10] → 01..10.
  const width = p.lo.length > 1 && p.lo.startsWith('0') ? p.lo.length : 0;
  const out: string[] = [];
  for (let n = a; n <= b; n++) out.push(String(n).padStart(width, '0'));
  return out;
}
