// One bracket of a node set, ClusterShell's RangeSet syntax: `1-4,7`, `01-10` (zero padding
// from the bounds), `1-10/2` (a step). Parsed and counted without making any value.
import { NodeSetError } from './errors.js';

/** The longest bound taken: past 15 digits a number is no longer exact in a double. */
const MAX_DIGITS = 15;

export interface RangePart {
  start: number;
  stop: number;
  step: number;
  /** Zero-padded width, 0 for none. */
  pad: number;
}

export interface Range {
  parts: RangePart[];
  /** How many values the parts make (overlaps counted twice; nothing is built to know it). */
  count: number;
}

export function parseRange(body: string): Range {
  const parts: RangePart[] = [];
  let count = 0;
  for (const raw of body.split(',')) {
    const part = parsePart(raw.trim(), body);
    count += Math.floor((part.stop - part.start) / part.step) + 1;
    parts.push(part);
  }
  return { parts, count };
}

function parsePart(text: string, body: string): RangePart {
  const shown = `"[${body.length > 60 ? `${body.slice(0, 60)}…` : body}]"`;
  if (text === '') throw new NodeSetError(`empty range in ${shown}`);
  const m = /^(\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(text);
  if (!m) throw new NodeSetError(`bad range "${text.slice(0, 60)}" in ${shown}`);
  const [, lo = '', hi, stepText] = m;
  if ([lo, hi ?? '', stepText ?? ''].some((d) => d.length > MAX_DIGITS)) throw new NodeSetError(`range bound over ${MAX_DIGITS} digits in ${shown}`);
  if (hi === undefined && stepText !== undefined) throw new NodeSetError(`a step needs a range ("${text}" in ${shown})`);
  const step = stepText === undefined ? 1 : Number(stepText);
  if (step < 1) throw new NodeSetError(`step must be 1 or more ("${text}" in ${shown})`);
  const pad = padOf(lo);
  if (hi !== undefined) {
    // As ClusterShell: when either bound is zero-padded, both are written at the same width.
    if ((pad > 0 || padOf(hi) > 0) && lo.length !== hi.length) throw new NodeSetError(`padding mismatch in "${text}" (${shown}): write both bounds at the same width`);
    if (Number(lo) > Number(hi)) throw new NodeSetError(`reversed range "${text}" in ${shown}`);
  }
  return { start: Number(lo), stop: Number(hi ?? lo), step, pad };
}

/** The width a written index is padded to: `007` → 3, `0` and `7` → 0. */
export function padOf(digits: string): number {
  return digits.length > 1 && digits.startsWith('0') ? digits.length : 0;
}

/** The values of a range in the order written, as strings. */
export function* rangeValues(range: Range): Generator<string> {
  for (const p of range.parts) {
    for (let n = p.start; n <= p.stop; n += p.step) yield String(n).padStart(p.pad, '0');
  }
}
