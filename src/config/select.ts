// Which clients a command works on. `-w` node sets (`-H` is the same option) and `-g` groups
// pick clients of clients.conf, `-x` leaves some out; each -w, -g and -x set is evaluated on
// its own and the results are joined, as clush does. A name in a set is a client as written in
// clients.conf or its bare host; a name that is none of them is an error, as is a glob that
// matches nothing. Without clients.conf, -w names the clients itself (namedClients).
import { NodeSetError } from '../nodeset/errors.js';
import { evaluate, splitTerms, type NodeSetContext } from '../nodeset/expression.js';
import { fold } from '../nodeset/fold.js';
import { short } from '../nodeset/pattern.js';
import type { Client } from './client.js';
import { clientsFromNames } from './clients.js';
import { UsageError } from './errors.js';

export interface Selection {
  /** -w and -H: node sets to work on. */
  nodes: readonly string[];
  /** -g: group names (comma lists and ranges allowed). */
  groups: readonly string[];
  /** -x: node sets to leave out. */
  exclude: readonly string[];
}

export const NO_SELECTION: Selection = { nodes: [], groups: [], exclude: [] };

/** Narrow `all` (clients.conf order) to the selection; `index` counts the selected clients. */
export function selectClients(all: readonly Client[], sel: Selection, source = 'clients.conf'): Client[] {
  const ctx = setContext(all, source);
  const lookup = nameLookup(all);
  const picked = new Set<string>();
  const add = (flag: string, expr: string) => {
    for (const n of evaluateSet(flag, expr, ctx, lookup)) picked.add(n);
  };
  for (const expr of sel.nodes) add('-w', expr);
  for (const g of sel.groups) add('-g', groupSet(g));
  const left = new Set<string>();
  for (const expr of sel.exclude) for (const n of evaluateSet('-x', expr, ctx, lookup)) left.add(n);
  const everyone = sel.nodes.length === 0 && sel.groups.length === 0;
  const chosen = all.filter((c) => (everyone || picked.has(c.name)) && !left.has(c.name));
  if (chosen.length === 0) throw new UsageError('no clients left after -w/-g/-x');
  // Index is the position among the selected clients, still in clients.conf order.
  return chosen.map((c, index) => ({ ...c, index }));
}

/** Without clients.conf: the clients are the names of the -w sets, in the order written. */
export function namedClients(sel: Selection, missing: string): Client[] {
  if (sel.groups.length > 0) throw new UsageError(`-g ${sel.groups.join(',')}: ${noGroups(missing)}`);
  const ctx = setContext(undefined, missing);
  const names = new Set<string>();
  for (const expr of sel.nodes) for (const n of evaluateSet('-w', expr, ctx)) names.add(n);
  return selectClients(clientsFromNames([...names], '-w'), { ...NO_SELECTION, exclude: sel.exclude }, 'the -w list');
}

/** `-g web,rack[1-2]` is the node set `@web,@rack[1-2]`. */
function groupSet(groups: string): string {
  try {
    return splitTerms(groups)
      .map((t, i) => `${i === 0 ? '' : t.op}${t.text.startsWith('@') ? '' : '@'}${t.text}`)
      .join('');
  } catch (e) {
    if (e instanceof NodeSetError) throw new UsageError(`-g "${short(groups)}": ${e.message}`);
    throw e;
  }
}

/** Client names a written name stands for; undefined when it is none of them. */
type Lookup = (name: string) => readonly string[] | undefined;

/** The names of a node set given with `flag`; errors say which flag and set. */
export function evaluateSet(flag: string, expr: string, ctx: NodeSetContext, lookup?: Lookup): string[] {
  const unknown: string[] = [];
  let names: string[];
  try {
    names = evaluate(expr, lookup ? { ...ctx, member: (n) => lookup(n) ?? (unknown.push(n), []) } : ctx);
  } catch (e) {
    if (e instanceof NodeSetError || e instanceof UsageError) throw new UsageError(`${flag} "${short(expr)}": ${e.message}`);
    throw e;
  }
  if (unknown.length > 0) {
    throw new UsageError(`${flag} "${short(expr)}": not among the clients: ${fold(unknown)} (${unknown.length})`);
  }
  return names;
}

/**
 * Groups (`@web`, `@*`) and globs of node sets, taken from clients.conf (client names); with
 * no clients.conf (`all` undefined) each is an error naming the missing file.
 */
export function setContext(all: readonly Client[] | undefined, source: string): NodeSetContext {
  if (all === undefined) {
    return {
      group: (name) => fail(`@${name}: ${noGroups(source)}`),
      all: () => fail(`@*: ${noGroups(source)}`),
      glob: (mask) => fail(`"${mask}": a glob needs a clients.conf to match against (${source} is missing)`),
    };
  }
  const groups = [...new Set(all.map((c) => c.group).filter((g): g is string => g !== undefined))];
  return {
    all: () => all.map((c) => c.name),
    group(name) {
      if (!groups.includes(name)) fail(`no group "${name}" in ${source} (groups: ${groups.length === 0 ? 'none defined' : groups.join(', ')})`);
      return all.filter((c) => c.group === name).map((c) => c.name);
    },
    glob(mask) {
      const re = globToRegExp(mask);
      const hit = all.filter((c) => re.test(c.name) || re.test(c.host)).map((c) => c.name);
      if (hit.length === 0) fail(`no client matches "${mask}"`);
      return hit;
    },
  };
}

/** A written name → the clients it names: as written in clients.conf, or its bare host. */
function nameLookup(all: readonly Client[]): Lookup {
  const byName = new Map<string, string[]>();
  const put = (key: string, name: string) => {
    const k = key.toLowerCase();
    const list = byName.get(k) ?? byName.set(k, []).get(k)!;
    if (!list.includes(name)) list.push(name);
  };
  for (const c of all) {
    put(c.name, c.name);
    put(c.host, c.name);
  }
  return (n) => byName.get(n.toLowerCase());
}

const noGroups = (missing: string) => `groups come from clients.conf, and there is none (${missing})`;

function fail(message: string): never {
  throw new UsageError(message);
}

export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}
