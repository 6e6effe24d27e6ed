// A bastion topology of the suite's own: a network namespace reached from here over a veth
// pair. Bastion b1 listens on the namespace's end of the veth (the one door in); bastion b2
// and the inner hosts listen on the namespace's own loopback, which nothing outside the
// namespace can reach. Here, in this namespace, a silent server that counts who came stands
// at each of those addresses and ports: a connection that went straight to an inner host
// instead of through its bastion lands there, and a test that sees one fails. A catch-all
// `unreachable` route for the veth's /30 (as netns.ts) keeps every packet on this machine.
import { spawnSync, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxHost } from '../../src/sandbox/cluster.js';
import type { Fleet } from '../../src/ssh/fleet.js';
import { atExit } from './at-exit.js';
import { fleetOn, startCluster, type FleetOptions, type TestCluster } from './cluster.js';
import { silentServer, type SilentServer } from './silent-server.js';
import { tempDir } from './temp.js';

/** Host indexes in the cluster: the two bastions first, then the inner hosts. */
export const B1 = 0;
export const B2 = 1;
export const INNER = 2;

export interface BastionNet {
  /** hosts[B1], hosts[B2], hosts[INNER…]: all with the cluster's client key and known_hosts. */
  c: TestCluster;
  /** The network namespace (for `ip netns exec`). */
  ns: string;
  /** Inner hosts' cluster indexes. */
  inner: number[];
  /** The ssh_config alias of a host: b1, b2, inner1… */
  alias(host: number): string;
  host(index: number): SandboxHost;
  /** Connections that reached a decoy: went straight to a host only a bastion may reach. */
  bypasses(): number;
  /** TCP connections the host's sshd accepted so far (its log at LogLevel VERBOSE). */
  accepted(host: number): number;
  /** The host's known_hosts line (`[address]:port key`), with another host's key when `keyOf` is given. */
  knownHostsLine(host: number, keyOf?: number): string;
  /**
   * A folder with an ssh_config (the test's `lines`, with a Host block per alias giving its
   * HostName and Port at `@HOSTS@`, else after them) and a clients.conf of `clients`; `@DIR@`
   * in a line is the folder. Each host's home holds `.name`: its alias, to see who answered.
   */
  setup(lines: string[], clients: string[]): Setup;
  stop(): Promise<void>;
}

export interface Setup {
  dir: string;
  config: string;
  clients: string;
  /** -c, -F, -i and --known-hosts for this setup, then `extra`. */
  args(extra?: string[]): string[];
  /** A Fleet built as the CLI builds it from args(), `o` overriding (see fleetOn). */
  fleet(o?: FleetOptions): Fleet;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** b1 on the veth, b2 and `innerCount` hosts on the namespace's loopback, decoys here. */
export async function startBastionNet(innerCount = 8): Promise<BastionNet> {
  if (innerCount > 10) throw new Error('at most 10 inner hosts (12 ports per process)');
  const id = process.pid % 200;
  const ns = `dirtest-bastion-${process.pid}`;
  const here = `vdb${process.pid % 100000}a`;
  const there = `vdb${process.pid % 100000}b`;
  const subnet = `10.252.${id}`;
  const teardown = () => {
    for (const args of [['route', 'del', 'unreachable', `${subnet}.0/30`, 'metric', '4000'], ['link', 'del', here], ['netns', 'del', ns]]) {
      spawnSync('ip', args, { stdio: 'ignore' });
    }
  };
  teardown();
  atExit(teardown);
  ip(['route', 'add', 'unreachable', `${subnet}.0/30`, 'metric', '4000']);
  ip(['netns', 'add', ns]);
  ip(['link', 'add', here, 'type', 'veth', 'peer', 'name', there]);
  ip(['link', 'set', there, 'netns', ns]);
  ip(['addr', 'add', `${subnet}.1/30`, 'dev', here]);
  ip(['link', 'set', here, 'up']);
  ip(['netns', 'exec', ns, 'ip', 'addr', 'add', `${subnet}.2/30`, 'dev', there]);
  ip(['netns', 'exec', ns, 'ip', 'link', 'set', there, 'up']);
  ip(['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);

  // 127.0.213.x and 127.0.214.x: used by no other test; ports of this process's own, so that
  // the decoys of two runs at once do not meet.
  const addresses = [`${subnet}.2`, '127.0.214.1', ...Array.from({ length: innerCount }, (_, i) => `127.0.213.${i + 1}`)];
  const basePort = 20_000 + (process.pid % 2000) * 12;
  let c: TestCluster;
  try {
    c = await startCluster(addresses.length, { addresses, netns: ns, basePort, sshdConfig: ['LogLevel VERBOSE'] });
  } catch (e) {
    teardown();
    throw e;
  }
  const decoys: SilentServer[] = [];
  try {
    for (const h of c.hosts.slice(B2)) decoys.push(await silentServer(h.address, h.port));
  } catch (e) {
    for (const d of decoys) await d.close();
    await c.stop();
    teardown();
    throw e;
  }

  const alias = (i: number) => (i === B1 ? 'b1' : i === B2 ? 'b2' : `inner${i - INNER + 1}`);
  for (const h of c.hosts) writeFileSync(join(h.home, '.name'), `${alias(h.index)}\n`);
  const hostBlocks = c.hosts.flatMap((h) => [`Host ${alias(h.index)}`, `  HostName ${h.address}`, `  Port ${h.port}`]);
  const key = (i: number) => c.hosts[i]!.hostKeyPublic.split(' ').slice(0, 2).join(' ');
  return {
    c,
    ns,
    inner: c.hosts.slice(INNER).map((h) => h.index),
    alias,
    host: (i) => c.hosts[i]!,
    bypasses: () => decoys.reduce((n, d) => n + d.connections(), 0),
    accepted: (i) => (readFileSync(c.hosts[i]!.logFile, 'utf8').match(/^.*Connection from .* port \d+ on /gm) ?? []).length,
    knownHostsLine: (i, keyOf = i) => `[${c.hosts[i]!.address}]:${c.hosts[i]!.port} ${key(keyOf)}`,
    setup(lines, clients) {
      const dir = tempDir('director-bastion-');
      const config = join(dir, 'ssh_config');
      const list = join(dir, 'clients.conf');
      const text = lines.map((l) => l.replaceAll('@DIR@', dir));
      const at = text.indexOf('@HOSTS@');
      const all = at < 0 ? [...text, ...hostBlocks] : [...text.slice(0, at), ...hostBlocks, ...text.slice(at + 1)];
      writeFileSync(config, `${all.join('\n')}\n`);
      writeFileSync(list, `${clients.join('\n')}\n`);
      const files = { clientsConf: list, identity: c.cluster.identity, knownHosts: c.cluster.knownHosts };
      return {
        dir,
        config,
        clients: list,
        args: (extra = []) => ['-c', list, '-F', config, '-i', c.cluster.identity, '--known-hosts', c.cluster.knownHosts, ...extra],
        fleet: (o = {}) => fleetOn(files, { sshConfig: config, ...o }),
      };
    },
    async stop() {
      for (const d of decoys) await d.close();
      await c.stop();
      teardown();
    },
  };
}
