// pdsh/ClusterShell-style ranges in host names: `node[01-04]`, `10.0.0.[1-3]`, `n[1,3,5-6]`.
// Several bracket groups expand as a cartesian product, left to right.

export const MAX_EXPANSION = 65536;

export class RangeError_ extends Error {}

/** Expand every `[...]` group in `pattern`. Throws RangeError_ with a short reason. */
export function expandRanges(pattern: string): string[] {
  let results = [''];
  let i = 0;
  while (i < pattern.length) {
    const open = pattern.indexOf('[', i);
    const close = pattern.indexOf(']', i);
    if (open === -1) {
      if (close !== -1) throw new RangeError_('unbalanced "]"');
      results = results.map((r) => r + pattern.slice(i));
      break;
    }
    if (close !== -1 && close < open) throw new RangeError_('unbalanced "]"');
    const end = pattern.indexOf(']', open);
    if (end === -1) throw new RangeError_('unbalanced "["');
    if (pattern.indexOf('[', open + 1) !== -1 && pattern.indexOf('[', open + 1) < end) {
      throw new RangeError_('nested "["');
    }
    const prefix = pattern.slice(i, open);
    const values = expandBody(pattern.slice(open + 1, end));
    if (results.length * values.length > MAX_EXPANSION) {
      throw new RangeError_(`range expands to more than ${MAX_EXPANSION} names`);
    }
    const next: string[] = [];
    for (const r of results) for (const v of values) next.push(r + prefix + v);
    results = next;
    i = end + 1;
  }
  return results;
}

export function hasRange(pattern: string): boolean {
  return pattern.includes('[') || pattern.includes(']');
}

function expandBody(body: string): string[] {
  if (body === '') throw new RangeError_('empty range "[]"');
  const out: string[] = [];
  for (const part of body.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new RangeError_(`bad range "[${body}]"`);
    const lo = m[1] as string;
    const hi = m[2];
    if (hi === undefined) {
      out.push(lo);
      continue;
    }
    const a = Number(lo);
    const b = Number(hi);
    if (a > b) throw new RangeError_(`reversed range "[${body}]"`);
    if (b - a + 1 > MAX_EXPANSION) throw new RangeError_(`range expands to more than ${MAX_EXPANSION} names`);
    // A zero-padded lower bound sets the width, as pdsh and clush do: [01-10] → 01..10.
    const width = lo.length > 1 && lo.startsWith('0') ? lo.length : 0;
    for (let n = a; n <= b; n++) out.push(String(n).padStart(width, '0'));
  }
  return out;
}
