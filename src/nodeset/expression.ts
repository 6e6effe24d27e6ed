// A node-set expression as ClusterShell reads it: terms joined by `,` (union), `!`
// (difference), `&` (intersection) and `^` (symmetric difference), applied left to right;
// a term is a pattern (`node[1-4]`), a group (`@web`, `@rack[1-2]`, `@*` for every name) or a
// glob (`node*`) matched against the known names. The result keeps the order in which names
// first came in; sorting is for display (fold.ts).
import { MAX_NODES, NodeSetError } from './errors.js';
import { expandPattern, short } from './pattern.js';

/** Where groups, globs and names are looked up; each callback throws its own error. */
export interface NodeSetContext {
  /** The members of group `name` (without the `@`). */
  group?(name: string): readonly string[];
  /** Every known name: `@*`. */
  all?(): readonly string[];
  /** The known names a glob (`*`, `?`) matches. */
  glob?(mask: string): readonly string[];
  /** What a written name stands for (default: itself); e.g. a host name → its client. */
  member?(name: string): readonly string[];
  limit?: number;
}

type Op = ',' | '!' | '&' | '^';
const OPS = new Set<string>([',', '!', '&', '^']);

export interface Term {
  op: Op;
  text: string;
}

/** Split at operators outside brackets; every operator needs a term on both sides. */
export function splitTerms(expr: string): Term[] {
  const terms: Term[] = [];
  let op: Op = ',';
  let depth = 0;
  let cur = '';
  const push = (next: Op | undefined) => {
    const text = cur.trim();
    if (text === '') {
      const what = next === undefined ? `after "${op}"` : `before "${next}"`;
      throw new NodeSetError(terms.length === 0 && next === undefined ? 'empty node set' : `missing node set operand ${what}`);
    }
    if (/\s/.test(text)) throw new NodeSetError(`unexpected space in "${short(text)}"`);
    terms.push({ op, text });
    cur = '';
  };
  for (const ch of expr) {
    if (ch === '[') depth++;
    else if (ch === ']') depth = Math.max(0, depth - 1);
    if (depth === 0 && OPS.has(ch)) {
      push(ch as Op);
      op = ch as Op;
    } else cur += ch;
  }
  push(undefined);
  return terms;
}

/** The names of `expr`, in first-seen order. Throws NodeSetError (or the context's errors). */
export function evaluate(expr: string, ctx: NodeSetContext = {}): string[] {
  const limit = ctx.limit ?? MAX_NODES;
  let set = new Set<string>();
  for (const { op, text } of splitTerms(expr)) {
    const operand = termNames(text, ctx, limit);
    if (op === ',') {
      for (const n of operand) set.add(n);
    } else if (op === '!') {
      for (const n of operand) set.delete(n);
    } else if (op === '&') {
      const keep = new Set(operand);
      set = new Set([...set].filter((n) => keep.has(n)));
    } else {
      const both = new Set(operand.filter((n) => set.has(n)));
      for (const n of operand) if (both.has(n)) set.delete(n);
      else set.add(n);
    }
    // Each operand is bounded before it is made, so the set is at most twice the limit here.
    if (set.size > limit) throw new NodeSetError(`the node set holds more than the limit of ${limit} names`);
  }
  return [...set];
}

function termNames(text: string, ctx: NodeSetContext, limit: number): string[] {
  const written = expandPattern(text, limit);
  const out: string[] = [];
  const add = (names: readonly string[]) => {
    for (const n of names) out.push(n);
    if (out.length > limit) throw new NodeSetError(`"${short(text)}" stands for more than the limit of ${limit} names`);
  };
  if (text.startsWith('@')) {
    for (const g of written) {
      const name = g.slice(1);
      if (name === '') throw new NodeSetError('"@" without a group name');
      add(name === '*' ? need(ctx.all, '@*', 'known names').call(ctx) : need(ctx.group, g, 'groups').call(ctx, name));
    }
  } else if (/[*?]/.test(text)) {
    for (const mask of written) add(need(ctx.glob, mask, 'known names to match a glob against').call(ctx, mask));
  } else if (ctx.member) {
    for (const name of written) add(ctx.member(name));
  } else return written;
  return out;
}

function need<F>(f: F | undefined, what: string, needs: string): F {
  if (f === undefined) throw new NodeSetError(`${what}: no list of ${needs} here`);
  return f;
}
