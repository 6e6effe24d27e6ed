// director as a library: a Fleet opened from plain settings, checked exactly as the CLI
// checks its options (clients.conf, keys, known_hosts, ssh_config, no way around a bastion),
// and nothing read from DIRECTOR_* variables: what the caller passes is what is used.
import { parseClients } from './config/clients.js';
import type { Client } from './config/client.js';
import { loadClients } from './config/load.js';
import { selectClients, type Selection } from './config/select.js';
import { fleetFor } from './cli/context.js';
import { parseGlobals, type RawGlobals } from './cli/globals.js';
import type { Fleet } from './ssh/fleet.js';

export interface FleetSettings {
  /** A clients.conf file, or its lines (`node[1-4]`, `alice@host:2222`, `[group]`…). */
  clients: string | readonly string[];
  /** Private key file (default: ssh-agent via SSH_AUTH_SOCK, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa). */
  identity?: string;
  /** Default ~/.ssh/known_hosts. */
  knownHosts?: string;
  /** Default `accept-new`. */
  hostKeyChecking?: 'strict' | 'accept-new' | 'off';
  /** Remote user when the client line names none. */
  user?: string;
  /** ssh_config file (default ~/.ssh/config). */
  sshConfig?: string;
  /** Clients worked on at once (default 32). */
  parallel?: number;
  /** Connect plus SSH handshake, in seconds (default 10). */
  connectTimeout?: number;
  /** -w (node sets), -g (groups), -x (node sets to leave out) as in the CLI. */
  select?: Partial<Selection>;
  /** Aborting it stops the remote commands as Ctrl-C does. */
  signal?: AbortSignal;
  /** Things a person should know (a host key recorded, host key checking off). */
  onNotice?: (message: string) => void;
}

/** The clients these settings name, after selection; a bad line throws a ConfigError naming it. */
export function clientsOf(s: Pick<FleetSettings, 'clients' | 'select'>): Client[] {
  const select: Selection = { nodes: [], groups: [], exclude: [], ...s.select };
  if (typeof s.clients === 'string') return loadClients(s.clients, select, true);
  return selectClients(parseClients(s.clients.join('\n'), '<clients>'), select, '<clients>');
}

/** A Fleet to hand to exec, run, data, status or mkdir: `exec(opts, { fleet })`. */
export function openFleet(s: FleetSettings): Fleet {
  const raw: RawGlobals = {
    identity: s.identity,
    knownHosts: s.knownHosts,
    hostKeyChecking: s.hostKeyChecking,
    user: s.user,
    sshConfig: s.sshConfig,
    parallel: s.parallel === undefined ? undefined : String(s.parallel),
    connectTimeout: s.connectTimeout === undefined ? undefined : String(s.connectTimeout),
  };
  const g = parseGlobals(raw, {});
  return fleetFor(g, clientsOf(s), s.signal ?? new AbortController().signal, s.onNotice ?? (() => undefined));
}
