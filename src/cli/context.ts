// What every action gets: the parsed global options, the printer, the abort signal of
// Ctrl-C/SIGTERM, and the selected clients and their Fleet, built on first use. Building
// checks clients.conf, keys, known_hosts and ssh_config before any client is contacted.
import type { Client } from '../config/client.js';
import { loadClients, readClients } from '../config/load.js';
import type { Selection } from '../config/select.js';
import { Printer } from '../output/printer.js';
import { Fleet } from '../ssh/fleet.js';
import { KeyRing } from '../ssh/keys.js';
import { KnownHostsStore } from '../ssh/known-hosts-store.js';
import { refuseRouting } from '../ssh/route-check.js';
import { loadSshConfig, loadSshConfigFile, type TargetDefaults } from '../ssh/target.js';
import { parseGlobals, type GlobalOptions, type RawGlobals } from './globals.js';

export class ActionContext {
  readonly g: GlobalOptions;
  readonly p: Printer;
  private selected: Client[] | undefined;
  private built: Fleet | undefined;

  constructor(
    raw: RawGlobals,
    readonly signal: AbortSignal,
  ) {
    this.g = parseGlobals(raw);
    this.p = new Printer(this.g);
  }

  /** The clients -w/-g/-x select in clients.conf, or the ones -w names when there is none. */
  clients(): Client[] {
    this.selected ??= loadClients(this.g.clients, selectionOf(this.g), this.g.clientsNamed);
    return this.selected;
  }

  /** Every client of clients.conf (groups for a node set), or undefined when there is none. */
  allClients(): Client[] | undefined {
    return readClients(this.g.clients, this.g.clientsNamed);
  }

  /** One Fleet for the action, with its known_hosts, keys and ssh_config. */
  fleet(): Fleet {
    if (this.built === undefined) {
      const fleet = buildFleet(this.g, this.clients(), this.signal, (m) => this.p.noteOnce(m));
      // A client that ssh would reach through a bastion is never reached around it.
      refuseRouting(this.clients(), { configFile: this.g.sshConfig, user: this.g.user, ignore: this.g.ignoreSshOption });
      this.built = fleet;
    }
    return this.built;
  }
}

function buildFleet(g: GlobalOptions, clients: Client[], signal: AbortSignal, notice: (m: string) => void): Fleet {
  // The passphrase comes from the environment only (never an option: argv is visible to
  // every user in ps) and goes no further than the key ring.
  const keys = new KeyRing(g.identity, process.env['SSH_AUTH_SOCK'] || undefined, undefined, process.env['DIRECTOR_PASSPHRASE'] || undefined);
  const knownHosts = new KnownHostsStore(g.knownHosts, g.hostKeyChecking);
  const targets: TargetDefaults = { sshConfig: g.sshConfig === undefined ? loadSshConfig() : loadSshConfigFile(g.sshConfig), user: g.user };
  return new Fleet(clients, {
    parallel: g.parallel,
    session: { knownHosts, keys, connectTimeoutMs: g.connectTimeout * 1000, notice },
    targets,
    signal,
  });
}

export function selectionOf(g: GlobalOptions): Selection {
  return { nodes: g.nodes, groups: g.groups, exclude: g.exclude };
}
