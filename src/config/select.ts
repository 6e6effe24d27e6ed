// Narrow the clients of clients.conf to the ones a command works on: -g group, -H hosts, -x exclude.
// Patterns are comma lists of globs (`*`, `?`) and pdsh ranges, matched against the name as written
// in clients.conf and against the bare host.
import type { Client } from './client.js';
import { UsageError } from './errors.js';
import { expandRanges, hasRange, RangeError_ } from './ranges.js';

export interface Selection {
  group?: string;
  hosts?: string;
  exclude?: string;
}

export function selectClients(all: Client[], sel: Selection): Client[] {
  let chosen = all;
  if (sel.group !== undefined) {
    const groups = new Set(all.map((c) => c.group).filter((g): g is string => g !== undefined));
    if (!groups.has(sel.group)) {
      const known = groups.size === 0 ? 'none defined' : [...groups].join(', ');
      throw new UsageError(`no group "${sel.group}" in clients.conf (groups: ${known})`);
    }
    chosen = chosen.filter((c) => c.group === sel.group);
  }
  if (sel.hosts !== undefined) {
    const patterns = compilePatterns(sel.hosts, '-H');
    for (const p of patterns) {
      if (!chosen.some((c) => p.test(c))) throw new UsageError(`-H: no client matches "${p.source}"`);
    }
    chosen = chosen.filter((c) => patterns.some((p) => p.test(c)));
  }
  if (sel.exclude !== undefined) {
    const patterns = compilePatterns(sel.exclude, '-x');
    chosen = chosen.filter((c) => !patterns.some((p) => p.test(c)));
  }
  if (chosen.length === 0) throw new UsageError('no clients left after -g/-H/-x');
  // Index is the position among the selected clients, still in clients.conf order.
  return chosen.map((c, index) => ({ ...c, index }));
}

interface Pattern {
  source: string;
  test(c: Client): boolean;
}

function compilePatterns(list: string, flag: string): Pattern[] {
  const out: Pattern[] = [];
  for (const raw of splitList(list)) {
    let expanded: string[];
    try {
      expanded = hasRange(raw) ? expandRanges(raw) : [raw];
    } catch (e) {
      if (e instanceof RangeError_) throw new UsageError(`${flag} "${raw}": ${e.message}`);
      throw e;
    }
    const regexes = expanded.map(globToRegExp);
    out.push({ source: raw, test: (c) => regexes.some((r) => r.test(c.name) || r.test(c.host)) });
  }
  if (out.length === 0) throw new UsageError(`${flag}: empty host list`);
  return out;
}

/** Split on commas that are not inside a `[...]` range. */
export function splitList(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of list) {
    if (ch === '[') depth++;
    if (ch === ']') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      if (cur.trim() !== '') out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}
