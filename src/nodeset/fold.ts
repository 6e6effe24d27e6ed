// Names back into node sets, as ClusterShell's `nodeset -f` prints them: each name is split
// into literal text and digit runs (`r1n02` → `r%sn%s` with 1 and 02); names of one shape
// fold together (`node[001-180,182-200]`), shapes sorted by their text. `sortNodes` is
// `nodeset -e`'s order. A name with brackets (an IPv6 address) is kept as it is.
import { indexesText, sortIndexes } from './indexes.js';
import { foldVectors, type Vector } from './nd-fold.js';

interface Shape {
  literals: string[];
  tuples: Map<string, string[]>;
}

/** ClusterShell's key for a shape: the literals with `%` doubled, joined by `%s`. */
function scan(name: string): { key: string; literals: string[]; index: string[] } {
  if (name.includes('[') || name.includes(']')) return { key: name.replaceAll('%', '%%'), literals: [name], index: [] };
  const literals: string[] = [];
  const index: string[] = [];
  let cur = '';
  for (const [, text = '', digits = ''] of name.matchAll(/(\D*)(\d*)/g)) {
    cur += text;
    if (digits !== '') {
      literals.push(cur);
      index.push(digits);
      cur = '';
    }
  }
  literals.push(cur);
  return { key: literals.map((l) => l.replaceAll('%', '%%')).join('%s'), literals, index };
}

function shapes(names: Iterable<string>): Array<[string, Shape, Vector[]]> {
  const byKey = new Map<string, Shape>();
  for (const name of names) {
    const { key, literals, index } = scan(name);
    const shape = byKey.get(key) ?? byKey.set(key, { literals, tuples: new Map() }).get(key)!;
    shape.tuples.set(index.join('\0'), index);
  }
  // Python sorts the keys by code point; for the ASCII of host names that is `<`.
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, shape]) => [key, shape, vectorsOf(shape)]);
}

function vectorsOf(shape: Shape): Vector[] {
  const tuples = [...shape.tuples.values()];
  if (shape.literals.length === 1) return [[]];
  if (shape.literals.length === 2) return [[sortIndexes(tuples.map((t) => t[0] ?? ''))]];
  return foldVectors(tuples);
}

function vectorText(literals: readonly string[], v: Vector): string {
  let out = literals[0] ?? '';
  v.forEach((indexes, d) => {
    out += indexes.length > 1 ? `[${indexesText(indexes)}]` : (indexes[0] ?? '');
    out += literals[d + 1] ?? '';
  });
  return out;
}

/** `nodeset -f`: `node[1-3,5],r[1-2]n[1-4]`. */
export function fold(names: Iterable<string>): string {
  const parts: string[] = [];
  for (const [, shape, vectors] of shapes(names)) for (const v of vectors) parts.push(vectorText(shape.literals, v));
  return parts.join(',');
}

/** `nodeset -e`'s order: shapes by their text, then each folded vector's product. */
export function sortNodes(names: Iterable<string>): string[] {
  const out: string[] = [];
  for (const [, shape, vectors] of shapes(names)) {
    for (const v of vectors) {
      let partial = [shape.literals[0] ?? ''];
      v.forEach((indexes, d) => {
        const after = shape.literals[d + 1] ?? '';
        partial = partial.flatMap((p) => indexes.map((i) => p + i + after));
      });
      out.push(...partial);
    }
  }
  return out;
}
