// Builds what a command needs from the global options: the selected clients and a Fleet
// with its known_hosts, keys and ssh_config. All of it is checked before any client is contacted.
import type { Client } from '../config/client.js';
import { loadClients } from '../config/load.js';
import { Fleet } from '../ssh/fleet.js';
import { KeyRing } from '../ssh/keys.js';
import { KnownHostsStore } from '../ssh/known-hosts-store.js';
import { loadSshConfig, loadSshConfigFile, type TargetDefaults } from '../ssh/target.js';
import type { GlobalOptions } from './globals.js';

export interface FleetContext {
  clients: Client[];
  fleet: Fleet;
  targets: TargetDefaults;
}

export function buildFleet(
  g: GlobalOptions,
  opts: { signal?: AbortSignal; notice?: (m: string) => void } = {},
): FleetContext {
  const clients = loadClients(g.clients, selectionOf(g));
  // The passphrase comes from the environment only (never an option: argv is visible to
  // every user in ps) and goes no further than the key ring.
  const keys = new KeyRing(g.identity, process.env['SSH_AUTH_SOCK'] || undefined, undefined, process.env['DIRECTOR_PASSPHRASE'] || undefined);
  const knownHosts = new KnownHostsStore(g.knownHosts, g.hostKeyChecking);
  const targets: TargetDefaults = { sshConfig: g.sshConfig === undefined ? loadSshConfig() : loadSshConfigFile(g.sshConfig) };
  if (g.user !== undefined) targets.user = g.user;
  const session = { knownHosts, keys, connectTimeoutMs: g.connectTimeout * 1000, ...(opts.notice ? { notice: opts.notice } : {}) };
  const fleet = new Fleet(clients, {
    parallel: g.parallel,
    session,
    targets,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { clients, fleet, targets };
}

export function selectionOf(g: GlobalOptions) {
  return {
    ...(g.group !== undefined ? { group: g.group } : {}),
    ...(g.hosts !== undefined ? { hosts: g.hosts } : {}),
    ...(g.exclude !== undefined ? { exclude: g.exclude } : {}),
  };
}
