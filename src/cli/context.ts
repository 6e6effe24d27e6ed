// What every action gets: the parsed global options, the printer, the abort signal of
// Ctrl-C/SIGTERM, and the selected clients and their Fleet, built on first use. Building
// checks clients.conf, keys, known_hosts and ssh_config before any client is contacted.
import type { Client } from '../config/client.js';
import { existsSync } from 'node:fs';
import { UsageError } from '../config/errors.js';
import { loadClients, loadPorts } from '../config/load.js';
import type { Selection } from '../config/select.js';
import { Printer } from '../output/printer.js';
import { Fleet } from '../ssh/fleet.js';
import { KeyRing } from '../ssh/keys.js';
import { KnownHostsStore } from '../ssh/known-hosts-store.js';
import { refuseRouting } from '../ssh/route-check.js';
import { loadSshConfig, loadSshConfigFile, type TargetDefaults } from '../ssh/target.js';
import { CLIENTS_FILE, describeConfig, missingClientsFile } from './config-files.js';
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

  /** The clients of clients.conf that -g/-H/-x select. */
  clients(): Client[] {
    if (this.selected === undefined) {
      const f = this.g.clientsFile;
      // A file named with -c that is missing is a plain read error (loadClients says so).
      if (f.from !== CLIENTS_FILE.option && !existsSync(f.file)) throw missingClientsFile(f);
      if (this.g.verbose) this.p.note(`director: clients from ${describeConfig(f)}`);
      this.selected = loadClients(f.file, selectionOf(this.g));
    }
    return this.selected;
  }

  /** The ports of port.conf (local mode). */
  ports(): number[] {
    if (this.g.verbose) this.p.note(`director: ports from ${describeConfig(this.g.portsFile)}`);
    return loadPorts(this.g.ports).map((e) => e.port);
  }

  /** One Fleet for the action, with its known_hosts, keys and ssh_config. */
  fleet(): Fleet {
    this.built ??= fleetFor(this.g, this.clients(), this.signal, (m) => this.p.noteOnce(m));
    return this.built;
  }
}

/** A Fleet as the CLI builds it from its options (the library's openFleet too). */
export function fleetFor(g: GlobalOptions, clients: Client[], signal: AbortSignal, notice: (m: string) => void): Fleet {
  const fleet = buildFleet(g, clients, signal, notice);
  // A client that ssh would reach through a bastion is never reached around it.
  refuseRouting(clients, { configFile: g.sshConfig, user: g.user, ignore: g.ignoreSshOption });
  return fleet;
}

function buildFleet(g: GlobalOptions, clients: Client[], signal: AbortSignal, notice: (m: string) => void): Fleet {
  // The passphrase comes from the environment only (never an option: argv is visible to
  // every user in ps) and goes no further than the key ring.
  const keys = withOrigin(g.identityFrom, () => new KeyRing(g.identity, process.env['SSH_AUTH_SOCK'] || undefined, undefined, process.env['DIRECTOR_PASSPHRASE'] || undefined));
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
  return { group: g.group, hosts: g.hosts, exclude: g.exclude };
}

/** A bad file named by an environment variable says so: it may have been set long ago, elsewhere. */
function withOrigin<T>(variable: string | undefined, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (variable !== undefined && e instanceof UsageError) throw new UsageError(`${e.message} (set by ${variable})`);
    throw e;
  }
}
