// director hosts: a node set, or the clients -w/-g/-x select, expanded, counted or folded, as
// ClusterShell's `nodeset -e/-c/-f`. A set is taken as written (its names need not be
// clients); its groups and globs come from clients.conf, and -x is taken out of it.
import type { Client } from '../config/client.js';
import { UsageError } from '../config/errors.js';
import { evaluateSet, setContext, type Selection } from '../config/select.js';
import { EXIT } from '../exit-codes.cjs';
import { sortNodes } from '../nodeset/fold.js';

export type HostsMode = 'expand' | 'count' | 'fold';

export interface HostsOptions {
  /** A node set; without it, the selected clients. */
  set?: string;
  expand?: boolean;
  count?: boolean;
  fold?: boolean;
}

export interface HostsDeps {
  selection: Selection;
  /** The selected clients (reads clients.conf, or the names -w gives). */
  clients(): Client[];
  /** Every client of clients.conf, or undefined when there is none. */
  allClients(): Client[] | undefined;
  /** clients.conf's path, for messages. */
  source: string;
}

export interface HostsResult {
  mode: HostsMode;
  /** A set's names in nodeset -e order; the selected clients in their index order. */
  names: string[];
  exitCode: number;
}

export function hosts(opts: HostsOptions, deps: HostsDeps): HostsResult {
  const mode = hostsMode(opts);
  if (opts.set === undefined) return { mode, names: deps.clients().map((c) => c.name), exitCode: EXIT.ok };
  const { nodes, groups, exclude } = deps.selection;
  if (nodes.length > 0 || groups.length > 0) throw new UsageError('hosts: give a node set or -w/-g, not both (-x applies to either)');
  const ctx = setContext(deps.allClients(), deps.source);
  const names = new Set(evaluateSet('hosts', opts.set, ctx));
  for (const expr of exclude) for (const n of evaluateSet('-x', expr, ctx)) names.delete(n);
  return { mode, names: sortNodes(names), exitCode: EXIT.ok };
}

export function hostsMode(opts: HostsOptions): HostsMode {
  const chosen = (['expand', 'count', 'fold'] as const).filter((m) => opts[m] === true);
  if (chosen.length > 1) throw new UsageError(`hosts: choose one of -e, -c and -f (got ${chosen.map((m) => `--${m}`).join(', ')})`);
  return chosen[0] ?? 'expand';
}
