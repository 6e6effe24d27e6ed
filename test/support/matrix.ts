// The matrix: per test, real remotes of the kinds a cluster really has (login shells bash,
// dash, zsh, busybox ash, fish, tcsh; a dropbear server; busybox tools first on PATH; rc
// files that print; OpenSSH without SFTP), each its own server on its own 127.0.x.y address
// and port, with its own home and /tmp. Kinds: matrix-kinds.ts; one host: matrix-host.ts.
// Needs root (useradd, mount namespaces). The proc.ts helpers take a Matrix as they take a
// TestCluster; reference-ssh.ts runs OpenSSH's own ssh against a host to compare with.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { isAlive, killTreeSync, stopTree } from '../../src/process-tree.js';
import { ed25519Pair, freePort } from '../../src/sandbox/cluster.js';
import type { Fleet } from '../../src/ssh/fleet.js';
import { claimNets } from './nets.js';
import { atExit } from './at-exit.js';
import { fleetOn, type ClientFiles, type FleetOptions } from './cluster.js';
import type { MatrixKind } from './matrix-kinds.js';
import { launchHost, logSince, logSize, movePort, prepareHost, type MatrixHost } from './matrix-host.js';
import { listensOn, type TestHosts } from './proc.js';
import { tempDir } from './temp.js';

/** Host files, outside /tmp and the homes (both bound over inside the hosts). */
const MATRIX_ROOT = '/var/tmp/director-matrix';

export interface MatrixSpec {
  /** Third octet of the hosts' addresses, 127.0.<net>.1… (default: a new one per matrix). */
  net?: number;
  /** First port to try (default 2900); each host takes the next free one. */
  basePort?: number;
}

export function matrixSupported(): boolean {
  return process.getuid?.() === 0;
}

const live = new Set<Matrix>();
let hooked = false;

/** Starts one host per entry of `kinds` (a kind may repeat) and waits until each one's server listens. */
export async function startMatrix(kinds: readonly MatrixKind[], spec: MatrixSpec = {}): Promise<Matrix> {
  if (!matrixSupported()) throw new Error('the matrix needs root (useradd, mount namespaces)');
  if (!hooked) {
    hooked = true;
    atExit(() => live.forEach((m) => m.kill()));
  }
  const net = spec.net ?? claimNets(1);
  const dir = tempDir('director-matrix-');
  const root = join(MATRIX_ROOT, `${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const key = ed25519Pair('director-matrix');
  const files: ClientFiles = { clientsConf: join(dir, 'clients.conf'), identity: join(dir, 'id_ed25519'), knownHosts: join(dir, 'known_hosts') };
  writeFileSync(files.identity, key.private, { mode: 0o600 });
  writeFileSync(`${files.identity}.pub`, `${key.public}\n`);

  const hosts: MatrixHost[] = [];
  let port = spec.basePort ?? 2900;
  try {
    for (const [index, kind] of kinds.entries()) {
      const address = `127.0.${net}.${index + 1}`;
      port = await freePort(address, port);
      hosts.push(prepareHost(join(root, `${index + 1}-${kind}`), index, kind, address, port, key.public));
      port += 1;
    }
  } catch (e) {
    // e.g. useradd refused: nothing runs yet, only the files are to go.
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  const matrix = new Matrix(hosts, files, dir, root);
  live.add(matrix);
  const limit = pLimit(4);
  // allSettled: no launch may still be running when a failure removes the hosts' files.
  const started = await Promise.allSettled(hosts.map((h) => limit(() => matrix.launch(h.index, true))));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await matrix.stop();
    throw failed.reason;
  }
  // Only now are the ports final.
  writeFileSync(files.clientsConf, `# director test matrix\n${hosts.map((h) => h.name).join('\n')}\n`);
  const knownLine = (h: MatrixHost) => `[${h.address}]:${h.port} ${h.hostKeyPublic.split(' ').slice(0, 2).join(' ')}`;
  writeFileSync(files.knownHosts, `${hosts.map(knownLine).join('\n')}\n`, { mode: 0o600 });
  return matrix;
}

export class Matrix implements TestHosts, ClientFiles {
  private readonly pids = new Map<number, number>();

  constructor(
    readonly hosts: readonly MatrixHost[],
    private readonly files: ClientFiles,
    /** clients.conf, the key and known_hosts are here. */
    readonly dir: string,
    private readonly root: string,
  ) {}

  get clientsConf(): string {
    return this.files.clientsConf;
  }
  get identity(): string {
    return this.files.identity;
  }
  get knownHosts(): string {
    return this.files.knownHosts;
  }

  /** The first host of a kind. */
  host(kind: MatrixKind): MatrixHost {
    const h = this.hosts.find((x) => x.kind === kind);
    if (h === undefined) throw new Error(`no ${kind} host in this matrix`);
    return h;
  }

  /** The sshd or dropbear listener of host `index`; undefined while it is down. */
  pid(index: number): number | undefined {
    const pid = this.pids.get(index);
    return pid !== undefined && isAlive(pid) ? pid : undefined;
  }

  /** The global options that point director at this matrix: `-c clients.conf -i key --known-hosts file`. */
  args(extra: string[] = []): string[] {
    return ['-c', this.clientsConf, '-i', this.identity, '--known-hosts', this.knownHosts, ...extra];
  }

  /** `args()` narrowed to some hosts with -H (their clients.conf names). */
  argsFor(hosts: readonly MatrixHost[], extra: string[] = []): string[] {
    return this.args(['-H', hosts.map((h) => h.name).join(','), ...extra]);
  }

  /** A Fleet on this matrix, as the CLI builds it from `args()`. */
  fleet(o: FleetOptions = {}): Fleet {
    return fleetOn(this, o);
  }

  /** Start (or restart) one host's server and wait until it listens. */
  startHost(index: number): Promise<void> {
    return this.launch(index, false);
  }

  /**
   * Starts a host's server and waits until that very process listens (a test connection
   * could reach another run's server on the same address and port). Before the port is
   * written anywhere (`mayMove`), a port taken meanwhile by another test process is given up
   * for the next free one.
   */
  async launch(index: number, mayMove: boolean): Promise<void> {
    const h = this.hosts[index];
    if (h === undefined) throw new Error(`no matrix host ${index}`);
    if (this.pid(index) !== undefined) return;
    for (let attempt = 1; ; attempt++) {
      const logFrom = logSize(h);
      const pid = launchHost(h);
      this.pids.set(index, pid);
      const deadline = Date.now() + 5000;
      while (isAlive(pid) && !listensOn(pid, h.address, h.port) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      if (listensOn(pid, h.address, h.port)) return;
      if (isAlive(pid)) await stopTree(pid, 500);
      const why = `${h.server} for ${h.name} (${h.kind}) did not start listening: ${logSince(h, logFrom)}`;
      if (!mayMove || attempt === 3 || !/Address already in use/.test(why)) throw new Error(why);
      movePort(h, await freePort(h.address, h.port + 1));
    }
  }

  /** Stop one host's server and every session it runs (its namespace goes with them). */
  async stopHost(index: number): Promise<void> {
    const pid = this.pid(index);
    if (pid !== undefined) await stopTree(pid, 1000);
  }

  async stop(): Promise<void> {
    await Promise.all(this.hosts.map((h) => this.stopHost(h.index)));
    this.removeFiles();
  }

  /** For the exit hook: SIGKILL every host now, remove the files (best effort: other matrices still go). */
  kill(): void {
    for (const h of this.hosts) {
      const pid = this.pid(h.index);
      if (pid !== undefined) killTreeSync(pid);
    }
    try {
      this.removeFiles();
    } catch {
      /* best effort */
    }
  }

  private removeFiles(): void {
    live.delete(this);
    // The mounts lived in the hosts' own namespaces and went with their last process.
    rmSync(this.root, { recursive: true, force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
