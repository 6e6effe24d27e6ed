// A throwaway cluster of real OpenSSH servers on loopback: the engine of `director sandbox`
// (the test harness builds on it: test/support/cluster.ts, host-control.ts). Each host is its own sshd on its own 127.0.x.y address and port.
// As root, each sshd runs in its own mount namespace with a per-host folder bound over the
// login home and /tmp, so a file put on one host is not on another.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import ssh2 from '../ssh/ssh2.js';
import { isAlive, stopTree } from '../process-tree.js';

const { utils } = ssh2;

export const SSHD = process.env['DIRECTOR_SSHD'] ?? '/usr/sbin/sshd';
/** Host files live here, outside any folder bound over inside a host. */
const HOST_ROOT = '/var/tmp/director-sandbox';

export interface SandboxHost {
  /** 0-based. */
  index: number;
  address: string;
  port: number;
  /** As written in clients.conf: `127.0.1.1:2201`. */
  name: string;
  /** The host's view of the login home, seen from the director. */
  home: string;
  /** The host's view of /tmp, seen from the director. */
  tmp: string;
  etc: string;
  pidFile: string;
  logFile: string;
  configFile: string;
  hostKeyPublic: string;
}

export interface ClusterSpec {
  /** Where clients.conf, the client key and known_hosts are written. */
  dir: string;
  count: number;
  /** Third octet of the first host's address: 127.0.<net>.1 (default 1). */
  net?: number;
  /** First port to try (default 2201); each host takes the next free one. */
  basePort?: number;
  /** Extra sshd_config lines; a keyword set here replaces the harness's own line for it. */
  sshdConfig?: string[];
  /** Start hosts with per-host home and /tmp (needs root; default: when root). */
  isolate?: boolean;
  /** Listen addresses, one per host, instead of 127.0.<net>.<n> (count is their number). */
  addresses?: string[];
  /**
   * Run every sshd inside this network namespace (`ip netns exec`, needs root): its addresses
   * are the namespace's own, so ports are basePort, basePort+1… without a probe from here.
   */
  netns?: string;
}

export interface ClusterState {
  version: 1;
  dir: string;
  hostRoot: string;
  isolated: boolean;
  netns?: string;
  clientsConf: string;
  identity: string;
  knownHosts: string;
  hosts: SandboxHost[];
}

export class Cluster {
  private constructor(readonly state: ClusterState) {}

  get hosts(): SandboxHost[] {
    return this.state.hosts;
  }
  get clientsConf(): string {
    return this.state.clientsConf;
  }
  get identity(): string {
    return this.state.identity;
  }
  get knownHosts(): string {
    return this.state.knownHosts;
  }
  get isolated(): boolean {
    return this.state.isolated;
  }

  static async start(spec: ClusterSpec): Promise<Cluster> {
    if (!existsSync(SSHD)) throw new Error(`${SSHD} not found: install openssh-server (apt-get install openssh-server)`);
    const dir = resolve(spec.dir);
    mkdirSync(dir, { recursive: true });
    const isRoot = process.getuid?.() === 0;
    const isolated = spec.isolate ?? isRoot;
    if (isolated && !isRoot) throw new Error('per-host homes need root (unshare -m); run as root or without isolation');
    const hostRoot = join(HOST_ROOT, `${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(hostRoot, { recursive: true, mode: 0o755 });
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

    const client = ed25519Pair('director-sandbox');
    const identity = join(dir, 'id_ed25519');
    writeFileSync(identity, client.private, { mode: 0o600 });
    writeFileSync(`${identity}.pub`, `${client.public}\n`);
    const authorizedKeys = join(hostRoot, 'authorized_keys');
    writeFileSync(authorizedKeys, `${client.public}\n`, { mode: 0o644 });

    const net = spec.net ?? 1;
    const hosts: SandboxHost[] = [];
    let port = spec.basePort ?? 2201;
    const count = spec.addresses?.length ?? spec.count;
    for (let index = 0; index < count; index++) {
      const address = spec.addresses?.[index] ?? `127.0.${net + Math.floor(index / 250)}.${(index % 250) + 1}`;
      if (spec.netns === undefined) port = await freePort(address, port);
      const base = join(hostRoot, `host${index + 1}`);
      const etc = join(base, 'etc');
      const home = join(base, 'home');
      const tmp = join(base, 'tmp');
      for (const d of [etc, home, tmp]) mkdirSync(d, { recursive: true });
      chmodSync(tmp, 0o1777);
      const key = ed25519Pair(`host${index + 1}`);
      writeFileSync(join(etc, 'ssh_host_ed25519_key'), key.private, { mode: 0o600 });
      writeFileSync(join(etc, 'ssh_host_ed25519_key.pub'), `${key.public}\n`);
      const host: SandboxHost = {
        index,
        address,
        port,
        name: `${address}:${port}`,
        home,
        tmp,
        etc,
        pidFile: join(etc, 'sshd.pid'),
        logFile: join(etc, 'sshd.log'),
        configFile: join(etc, 'sshd_config'),
        hostKeyPublic: key.public,
      };
      writeFileSync(host.configFile, sshdConfig(host, authorizedKeys, spec.sshdConfig ?? []));
      hosts.push(host);
      port += 1;
    }

    const clientsConf = join(dir, 'clients.conf');
    writeFileSync(
      clientsConf,
      `# director sandbox: ${hosts.length} local sshd hosts (director sandbox down stops them)\n` +
        hosts.map((h) => h.name).join('\n') +
        '\n',
    );
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, hosts.map((h) => `[${h.address}]:${h.port} ${h.hostKeyPublic.split(' ').slice(0, 2).join(' ')}`).join('\n') + '\n', {
      mode: 0o600,
    });

    const state: ClusterState = { version: 1, dir, hostRoot, isolated, ...(spec.netns !== undefined ? { netns: spec.netns } : {}), clientsConf, identity, knownHosts, hosts };
    const cluster = new Cluster(state);
    cluster.saveState();
    const limit = pLimit(16);
    try {
      await Promise.all(hosts.map((h) => limit(() => cluster.startHost(h.index))));
    } catch (e) {
      await cluster.stop();
      throw e;
    }
    return cluster;
  }

  /** Re-attach to a sandbox started by another process (sandbox down). */
  static load(dir: string): Cluster | undefined {
    const file = join(resolve(dir), 'state.json');
    if (!existsSync(file)) return undefined;
    return new Cluster(JSON.parse(readFileSync(file, 'utf8')) as ClusterState);
  }

  /** Writes state.json, which `sandbox down` re-attaches by. */
  saveState(): void {
    writeFileSync(join(this.state.dir, 'state.json'), `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
  }

  host(index: number): SandboxHost {
    const h = this.state.hosts[index];
    if (!h) throw new Error(`no sandbox host ${index}`);
    return h;
  }

  pid(index: number): number | undefined {
    try {
      const pid = Number(readFileSync(this.host(index).pidFile, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Start (or restart) one host's sshd and wait until it accepts connections. */
  async startHost(index: number): Promise<void> {
    const h = this.host(index);
    if (this.pid(index) !== undefined) return;
    rmSync(h.pidFile, { force: true });
    const login = userInfo().homedir;
    const [cmd, args] = this.state.isolated
      ? [
          'unshare',
          [
            '-m',
            '--propagation',
            'private',
            '--',
            'sh',
            '-c',
            'mount --bind "$1" "$2" && mount --bind "$3" /tmp && exec "$4" -f "$5" -E "$6"',
            'sh',
            h.home,
            login,
            h.tmp,
            SSHD,
            h.configFile,
            h.logFile,
          ],
        ]
      : [SSHD, ['-f', h.configFile, '-E', h.logFile]];
    const [run, runArgs] = this.state.netns === undefined ? [cmd, args] : ['ip', ['netns', 'exec', this.state.netns, cmd, ...args]];
    // sshd listens before it daemonizes, so once this exits 0 the port is open.
    await new Promise<void>((ok, fail) => {
      const child = spawn(run as string, runArgs as string[], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', fail);
      child.on('exit', (code) => {
        if (code === 0) ok();
        else fail(new Error(`sshd for ${h.name} failed to start (exit ${code}): ${err.trim()} ${tail(h.logFile)}`));
      });
    });
    const deadline = Date.now() + 5000;
    while (this.pid(index) === undefined) {
      if (Date.now() > deadline) throw new Error(`sshd for ${h.name} wrote no pid file: ${tail(h.logFile)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Stop one host's sshd and every session it runs: the host is down until startHost. */
  async stopHost(index: number): Promise<void> {
    const pid = this.pid(index);
    if (pid !== undefined) await stopTree(pid, 1000);
  }

  async stop(): Promise<void> {
    await Promise.all(this.state.hosts.map((h) => this.stopHost(h.index)));
    rmSync(this.state.hostRoot, { recursive: true, force: true });
  }
}

/**
 * An ed25519 key pair in OpenSSH format. ssh2's generator drops leading zero bytes of the
 * public key (mscdex/ssh2#1390), so about one key in 256 is unusable: check and retry.
 */
export function ed25519Pair(comment: string): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    const blob = Buffer.from(pair.public.split(' ')[1] ?? '', 'base64');
    const parsed = utils.parseKey(pair.private);
    // 4 + "ssh-ed25519" (11) + 4 + 32 key bytes
    if (blob.length === 51 && !(parsed instanceof Error)) return pair;
  }
}

function sshdConfig(h: SandboxHost, authorizedKeys: string, extra: string[]): string {
  // sshd takes the first value of most keywords but the last of some (MaxStartups), so a
  // keyword the spec sets is not written twice.
  const keyword = (line: string) => line.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const overridden = new Set(extra.map(keyword));
  const defaults = [
    `ListenAddress ${h.address}:${h.port}`,
    `HostKey ${join(h.etc, 'ssh_host_ed25519_key')}`,
    `PidFile ${h.pidFile}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    'UsePAM no',
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'Subsystem sftp internal-sftp',
    'MaxStartups 200:30:400',
    'MaxSessions 20',
    'UseDNS no',
    'PrintMotd no',
    'LogLevel ERROR',
  ];
  return [...defaults.filter((line) => !overridden.has(keyword(line))), ...extra, ''].join('\n');
}

export async function freePort(address: string, from: number): Promise<number> {
  for (let port = from; port < 65535; port++) {
    const free = await new Promise<boolean>((done) => {
      const s = createServer();
      s.once('error', () => done(false));
      s.listen(port, address, () => s.close(() => done(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port on ${address}`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '';
  }
}
