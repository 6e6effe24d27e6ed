// What every action gets: the parsed global options, the printer, the abort signal of
// Ctrl-C/SIGTERM, and the selected clients and their Fleet, built on first use. Building
// checks clients.conf, keys, known_hosts and ssh_config before any client is contacted.
import type { Client } from '../config/client.js';
import { existsSync } from 'node:fs';
import { UsageError } from '../config/errors.js';
import { loadClients, loadPorts, readClients } from '../config/load.js';
import type { Selection } from '../config/select.js';
import { describeAuthEvent } from '../output/auth.js';
import { Printer } from '../output/printer.js';
import { describeTarget } from '../output/target.js';
import type { AuthEvent } from '../ssh/auth-attempts.js';
import { Fleet } from '../ssh/fleet.js';
import { KeyRing } from '../ssh/keys.js';
import { KnownHostsBook } from '../ssh/known-hosts-store.js';
import type { SessionContext } from '../ssh/session.js';
import { TargetResolver, type ConnectTarget } from '../ssh/target.js';
import type { SessionPool } from '../ssh/session-pool.js';
import { processCaller, type CommandIo, type InterruptBy } from './caller.js';
import { askPassword } from './ask-pass.js';
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
    /** The standard streams of whoever the command runs for, and the keeper's kept connections. */
    readonly io: CommandIo = processCaller().io,
    private readonly takeInterrupts?: (handler: (by: InterruptBy) => void) => () => void,
  ) {
    this.g = parseGlobals(raw);
    this.p = new Printer({ ...this.g, stdout: io.stdout, stderr: io.stderr });
  }

  /** The clients -w/-g/-x select in clients.conf, or the ones -w names when there is none. */
  clients(): Client[] {
    if (this.selected === undefined) {
      const f = this.g.clientsFile;
      const missing = !existsSync(f.file);
      // Nothing where director looked (or where DIRECTOR_CLIENTS points) and no -w: say where
      // it looked and every way to give clients. A missing -c file stays a plain read error.
      if (missing && f.from !== CLIENTS_FILE.option && (f.from === CLIENTS_FILE.env || this.g.nodes.length === 0)) throw missingClientsFile(f);
      if (this.g.verbose && !missing) this.p.note(`director: clients from ${describeConfig(f)}`);
      this.selected = loadClients(this.g.clients, selectionOf(this.g), this.g.clientsNamed);
    }
    return this.selected;
  }

  /** The ports of port.conf (local mode). */
  ports(): number[] {
    if (this.g.verbose) this.p.note(`director: ports from ${describeConfig(this.g.portsFile)}`);
    return loadPorts(this.g.ports).map((e) => e.port);
  }

  /** Every client of clients.conf (groups for a node set), or undefined when there is none. */
  allClients(): Client[] | undefined {
    return readClients(this.g.clients, this.g.clientsNamed);
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
    const onTarget = this.g.verbose ? (c: Client, t: ConnectTarget) => this.p.note(describeTarget(c.name, t)) : undefined;
    const onAuth = this.g.verbose ? (name: string, e: AuthEvent) => this.p.note(describeAuthEvent(name, e)) : undefined;
    this.built ??= fleetFor(this.g, this.clients(), this.signal, (m) => this.p.noteOnce(m), onTarget, pool, onAuth);
    return this.built;
  }
}

/** A Fleet as the CLI builds it from its options (the library's openFleet too). */
export function fleetFor(
  g: GlobalOptions,
  clients: Client[],
  signal: AbortSignal,
  notice: (m: string) => void,
  onTarget?: (c: Client, t: ConnectTarget) => void,
  pool?: SessionPool,
  /** Each step of each login (-v), by client name (a bastion: `bastion <host>`). */
  onAuth?: (name: string, e: AuthEvent) => void,
): Fleet {
  const targets = resolveTargets(g, clients);
  if (onTarget) for (const c of clients) onTarget(c, targets.get(c.name)!);
  return buildFleet(g, clients, targets, signal, notice, pool, onAuth);
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
  onAuth: ((name: string, e: AuthEvent) => void) | undefined,
): Fleet {
  // The passphrase comes from the environment only (never an option: argv is visible to
  // every user in ps) and goes no further than the key ring; -A's password likewise.
  const keys = withOrigin(
    g.identityFrom,
    () =>
      new KeyRing(g.identity, {
        passphrase: process.env['DIRECTOR_PASSPHRASE'] || undefined,
        agents: agentsOf(targets.values()),
        ...(g.askPass ? { askPassword: () => askPassword(signal) } : {}),
      }),
  );
  const names = new Map([...targets].map(([name, t]) => [t, name]));
  const session: SessionContext = { hostKeys: new KnownHostsBook(), keys, notice };
  if (onAuth) session.onAuth = (t, e) => onAuth(names.get(t) ?? `bastion ${t.host}`, e);
  return new Fleet(clients, {
    parallel: g.parallel,
    session,
    // By name: a line of director shell runs on a re-indexed subset (Fleet.over).
    targets: (client) => targets.get(client.name)!,
    signal,
    pool,
  });
}

/** The agents of the clients and of their bastions: where -i may find its key. */
function agentsOf(targets: Iterable<ConnectTarget>): string[] {
  const out = new Set<string>();
  for (let t of targets) {
    for (;;) {
      if (t.identityAgent !== undefined) out.add(t.identityAgent);
      if (t.route.kind !== 'jump') break;
      t = t.route.via;
    }
  }
  return [...out];
}

export function selectionOf(g: GlobalOptions): Selection {
  return { nodes: g.nodes, groups: g.groups, exclude: g.exclude };
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
