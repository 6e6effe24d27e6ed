// What every action gets: the parsed global options, the printer, the abort signal of
// Ctrl-C/SIGTERM, and the selected clients and their Fleet, built on first use. Building
// checks clients.conf, keys, known_hosts and ssh_config before any client is contacted.
import type { Client } from '../config/client.js';
import { loadClients } from '../config/load.js';
import type { Selection } from '../config/select.js';
import { Printer } from '../output/printer.js';
import { describeTarget } from '../output/target.js';
import { Fleet } from '../ssh/fleet.js';
import { KeyRing } from '../ssh/keys.js';
import { KnownHostsBook } from '../ssh/known-hosts-store.js';
import { TargetResolver, type ConnectTarget } from '../ssh/target.js';
import type { SessionPool } from '../ssh/session-pool.js';
import { processCaller, type CommandIo, type InterruptBy } from './caller.js';
import { parseGlobals, type GlobalOptions, type RawGlobals } from './globals.js';

export class ActionContext {
  readonly g: GlobalOptions;
  readonly p: Printer;
  private selected: Client[] | undefined;
  private built: Fleet | undefined;

  constructor(
    raw: RawGlobals,
    readonly signal: AbortSignal,
    /** The standard streams of whoever the command runs for, and the keeper's kept connections. */
    readonly io: CommandIo = processCaller().io,
    private readonly takeInterrupts?: (handler: (by: InterruptBy) => void) => () => void,
  ) {
    this.g = parseGlobals(raw);
    this.p = new Printer({ ...this.g, stdout: io.stdout, stderr: io.stderr });
  }

  /** The clients of clients.conf that -g/-H/-x select. */
  clients(): Client[] {
    this.selected ??= loadClients(this.g.clients, selectionOf(this.g));
    return this.selected;
  }

  /**
   * Ctrl-C and SIGTERM go to `handler` instead of stopping the action, until the returned
   * function is called (director shell stops a line at Ctrl-C, not itself).
   */
  onInterrupt(handler: (by: InterruptBy) => void): () => void {
    if (!this.takeInterrupts) return () => undefined;
    return this.takeInterrupts(handler);
  }

  /**
   * One Fleet for the action, with its known_hosts, keys and every client's target resolved
   * from ssh_config first: a setting director may not leave aside stops the command here,
   * before any client is contacted. `pool`: connections kept beyond the action (the keeper's
   * by default, when the command runs in one).
   */
  fleet(pool: SessionPool | undefined = this.io.pool): Fleet {
    if (this.built === undefined) {
      const clients = this.clients();
      const targets = resolveTargets(this.g, clients);
      if (this.g.verbose) for (const c of clients) this.p.note(describeTarget(c.name, targets.get(c.name)!));
      this.built = buildFleet(this.g, clients, targets, this.signal, (m) => this.p.noteOnce(m), pool);
    }
    return this.built;
  }
}

function resolveTargets(g: GlobalOptions, clients: Client[]): Map<string, ConnectTarget> {
  const resolver = new TargetResolver({
    configFile: g.sshConfig,
    user: g.user,
    options: g.sshOptions,
    jump: g.jump,
    identity: g.identity,
    knownHosts: g.knownHosts,
    hostKeyChecking: g.hostKeyChecking,
    connectTimeoutS: g.connectTimeout,
    ignore: g.ignoreSshOption,
  });
  return new Map(clients.map((c) => [c.name, resolver.forClient(c)]));
}

function buildFleet(
  g: GlobalOptions,
  clients: Client[],
  targets: Map<string, ConnectTarget>,
  signal: AbortSignal,
  notice: (m: string) => void,
  pool: SessionPool | undefined,
): Fleet {
  // The passphrase comes from the environment only (never an option: argv is visible to
  // every user in ps) and goes no further than the key ring.
  const keys = new KeyRing(g.identity, process.env['DIRECTOR_PASSPHRASE'] || undefined);
  return new Fleet(clients, {
    parallel: g.parallel,
    session: { hostKeys: new KnownHostsBook(), keys, notice },
    // By name: a line of director shell runs on a re-indexed subset (Fleet.over).
    targets: (client) => targets.get(client.name)!,
    signal,
    pool,
  });
}

export function selectionOf(g: GlobalOptions): Selection {
  return { group: g.group, hosts: g.hosts, exclude: g.exclude };
}
