// One node-set term without operators: literal text and bracket ranges, `r[1-2]n[01-04]-ib`.
// Several brackets expand as a cartesian product, left to right, in the order written
// (clients.conf keeps that order: it is the client index). A bracket holding a ":" is an IPv6
// address (`alice@[::1]:22`), kept as written.
import { MAX_NODES, NodeSetError } from './errors.js';
import { parseRange, rangeValues, type Range } from './range.js';

export interface Pattern {
  /** Literal text around the ranges: `literals.length === ranges.length + 1`. */
  literals: string[];
  ranges: Range[];
  /** How many names the pattern makes (may be huge: nothing is built to know it). */
  count: number;
}

export function parsePattern(text: string): Pattern {
  const literals: string[] = [];
  const ranges: Range[] = [];
  let count = 1;
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('[', i);
    const close = text.indexOf(']', i);
    if (close !== -1 && (open === -1 || close < open)) throw new NodeSetError(`unbalanced "]" in "${short(text)}"`);
    if (open === -1) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, open);
    const end = text.indexOf(']', open);
    if (end === -1) throw new NodeSetError(`unbalanced "[" in "${short(text)}"`);
    const inner = text.indexOf('[', open + 1);
    if (inner !== -1 && inner < end) throw new NodeSetError(`nested "[" in "${short(text)}"`);
    const body = text.slice(open + 1, end);
    if (body.includes(':')) literal += `[${body}]`;
    else {
      const range = parseRange(body);
      literals.push(literal);
      ranges.push(range);
      literal = '';
      count *= range.count;
      // ClusterShell refuses `[1][2]` too: two numbers with nothing between them read as one.
      if (text[end + 1] === '[') throw new NodeSetError(`"][" in "${short(text)}": put text between two ranges`);
    }
    i = end + 1;
  }
  literals.push(literal);
  return { literals, ranges, count };
}

/** How many names `text` expands to, without making them. */
export function patternCount(text: string): number {
  return parsePattern(text).count;
}

/** The names of a pattern in the order written; refused unmade past `limit`. */
export function expandPattern(text: string, limit = MAX_NODES): string[] {
  const { literals, ranges, count } = parsePattern(text);
  if (count > limit) throw new NodeSetError(`"${short(text)}" expands to ${count > 1e15 ? 'over 10^15' : count} names, more than the limit of ${limit}`);
  let names = [literals[0] ?? ''];
  ranges.forEach((range, k) => {
    const values = [...rangeValues(range)];
    const after = literals[k + 1] ?? '';
    const next: string[] = [];
    for (const name of names) for (const v of values) next.push(name + v + after);
    names = next;
  });
  return names;
}

export function hasRange(text: string): boolean {
  return text.includes('[') || text.includes(']');
}

export function short(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
