// The test cluster: real sshd hosts on loopback, shared by the test files of one run and
// stopped when the process exits, even after a failure. Tests reach it two ways: `args()`
// for the CLI as a user runs it, `fleet()` for calling a command function directly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActionContext } from '../../src/cli/context.js';
import type { RawGlobals } from '../../src/cli/globals.js';
import { Cluster, type ClusterSpec } from '../../src/sandbox/cluster.js';
import type { Fleet } from '../../src/ssh/fleet.js';
import type { SessionPool } from '../../src/ssh/session-pool.js';
import { atExit } from './at-exit.js';
import { killCluster } from './host-control.js';
import { keeperMode, keepThrough, keptPool } from './keeper-mode.js';
import { processCaller } from '../../src/cli/caller.js';
import { claimNets } from './nets.js';

const live = new Set<Cluster>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  atExit(() => {
    for (const c of live) killCluster(c);
  });
}

/** A new cluster of `count` hosts on its own 127.0.<net>.x addresses. */
export async function startCluster(count: number, spec: Partial<ClusterSpec> = {}): Promise<TestCluster> {
  hookExit();
  const dir = mkdtempSync(join(tmpdir(), 'director-test-'));
  const net = spec.net ?? claimNets(Math.ceil(count / 250));
  const cluster = await Cluster.start({ dir, count, net, basePort: 2300 + (net % 50) * 20, ...spec });
  live.add(cluster);
  return new TestCluster(cluster, dir);
}

let shared: Promise<TestCluster> | undefined;

/** Four hosts shared by tests that leave them as they found them (through a keeper in keeper mode). */
export function sharedCluster(): Promise<TestCluster> {
  shared ??= startCluster(4).then(async (c) => {
    if (keeperMode) await keepThrough(c.args());
    return c;
  });
  return shared;
}

/**
 * The global options of a Fleet built by `fleet()`, as the CLI would take them; unset ones
 * point at the cluster (its clients.conf, key and known_hosts).
 */
export interface FleetOptions extends Omit<RawGlobals, 'json' | 'color'> {
  /** Ctrl-C for the command. */
  signal?: AbortSignal;
  /** Kept connections of the test's own (director shell's); default: none, or keeper mode's. */
  pool?: SessionPool;
}

/** The files that point director at a set of test hosts. */
export interface ClientFiles {
  clientsConf: string;
  identity: string;
  knownHosts: string;
}

/**
 * A Fleet on test hosts built the way the CLI builds it from `-c -i --known-hosts`
 * (ActionContext: clients.conf and -H/-x selection, KeyRing, KnownHostsStore, ssh_config), to
 * call a command function with: `mkdir(opts, { fleet: c.fleet() })`. The host-key policy is
 * the CLI's default (accept-new) unless given, whatever DIRECTOR_HOST_KEY_CHECKING says.
 */
export function fleetOn(files: ClientFiles, o: FleetOptions = {}): Fleet {
  const { signal, pool, ...globals } = o;
  const raw: RawGlobals = {
    clients: files.clientsConf,
    identity: files.identity,
    knownHosts: files.knownHosts,
    hostKeyChecking: 'accept-new',
    ...globals,
    json: false,
    color: false,
  };
  // In keeper mode (keeper-mode.ts) the connections outlive the command, as a keeper's do.
  return new ActionContext(raw, signal ?? new AbortController().signal, { ...processCaller().io, pool: pool ?? keptPool }).fleet();
}

export class TestCluster {
  constructor(
    readonly cluster: Cluster,
    readonly dir: string,
  ) {}

  get hosts() {
    return this.cluster.hosts;
  }

  /** The global options that point director at this cluster. */
  args(extra: string[] = []): string[] {
    return ['-c', this.cluster.clientsConf, '-i', this.cluster.identity, '--known-hosts', this.cluster.knownHosts, ...extra];
  }

  /** Options for a new known_hosts file (e.g. to test accept-new). */
  argsWithKnownHosts(file: string): string[] {
    return ['-c', this.cluster.clientsConf, '-i', this.cluster.identity, '--known-hosts', file];
  }

  /** The listener pid of host `index` (proc.ts counts its sessions by it). */
  pid(index: number): number | undefined {
    return this.cluster.pid(index);
  }

  /** A Fleet on this cluster built the way the CLI builds it from `args()`: see `fleetOn`. */
  fleet(o: FleetOptions = {}): Fleet {
    return fleetOn(this.cluster, o);
  }

  async stop(): Promise<void> {
    await this.cluster.stop();
    live.delete(this.cluster);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
