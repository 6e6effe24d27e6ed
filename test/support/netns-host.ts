// A test host behind a link of the test's own: an sshd in a network namespace, reached over
// a veth pair, so a test can shape the link (tc tbf), drop its traffic (nft in the namespace)
// or set it down mid-command. As with deadHost (netns.ts), a catch-all `unreachable` route
// for its /30 makes sure nothing ever leaves the machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SSHD } from '../../src/sandbox/cluster.js';
import { isAlive, killTreeSync } from '../../src/process-tree.js';
import { atExit } from './at-exit.js';
import type { TestCluster } from './cluster.js';
import { mountNamespace } from './proc.js';
import { tempDir } from './temp.js';
import { waitUntil } from './wait.js';

export interface NetnsHost {
  /** clients.conf entry: address:22. */
  name: string;
  /** The director's end of the veth pair (shape or set down this one). */
  link: string;
  /** The host's login home, seen from here. */
  home: string;
  /** Global options for a director run against this host alone. */
  args(extra?: string[]): string[];
  /** The host's mount namespace, to find its processes. */
  namespace(): string;
  /** Run a command inside the network namespace (nft, ip). */
  inNet(args: string[], input?: string): void;
  /** tc tbf on the director's side: what director sends goes at this rate. */
  shape(rate: string): void;
  unshape(): void;
  /** Drop every packet inside the namespace, both ways. */
  dropAll(): void;
  setLink(up: boolean): void;
  cleanup(): void;
}

function run(cmd: string, args: string[], input?: string): void {
  execFileSync(cmd, args, { input: input ?? '', stdio: ['pipe', 'ignore', 'pipe'] });
}

/** An sshd with the cluster's client key and host 0's host key, in a namespace of its own. */
export async function netnsHost(c: TestCluster): Promise<NetnsHost> {
  const id = 100 + (process.pid % 100);
  const ns = `dirtest-link-${process.pid}`;
  const here = `vdl${process.pid % 100000}a`;
  const there = `vdl${process.pid % 100000}b`;
  const subnet = `10.253.${id}`;
  const address = `${subnet}.2`;
  // Outside /tmp, which the host's own /tmp is bound over.
  const dir = tempDir('director-netns-host-', '/var/tmp');
  const home = join(dir, 'home');
  const tmp = join(dir, 'tmp');
  for (const d of [home, tmp]) mkdirSync(d, { recursive: true, mode: 0o1777 });
  const pidFile = join(dir, 'sshd.pid');
  const config = join(dir, 'sshd_config');
  // Host 0's configuration (keys, authorized_keys, limits), listening and writing its pid here.
  const base = readFileSync(c.hosts[0]!.configFile, 'utf8')
    .split('\n')
    .filter((l) => !/^(ListenAddress|PidFile)\b/.test(l));
  writeFileSync(config, [`ListenAddress ${address}:22`, `PidFile ${pidFile}`, ...base].join('\n'));
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `${address} ${c.hosts[0]!.hostKeyPublic.split(' ').slice(0, 2).join(' ')}\n`);
  const clients = join(dir, 'clients.conf');
  writeFileSync(clients, `${address}:22\n`);
  const sshdPid = () => {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      return pid > 0 && isAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const cleanup = () => {
    const pid = sshdPid();
    if (pid !== undefined) killTreeSync(pid);
    for (const args of [['route', 'del', 'unreachable', `${subnet}.0/30`, 'metric', '4000'], ['link', 'del', here], ['netns', 'del', ns]]) {
      spawnSync('ip', args, { stdio: 'ignore' });
    }
  };
  cleanup();
  atExit(cleanup);
  try {
    run('ip', ['route', 'add', 'unreachable', `${subnet}.0/30`, 'metric', '4000']);
    run('ip', ['netns', 'add', ns]);
    run('ip', ['link', 'add', here, 'type', 'veth', 'peer', 'name', there]);
    run('ip', ['link', 'set', there, 'netns', ns]);
    run('ip', ['addr', 'add', `${subnet}.1/30`, 'dev', here]);
    run('ip', ['link', 'set', here, 'up']);
    run('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', `${address}/30`, 'dev', there]);
    run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', there, 'up']);
    // As the cluster's hosts: its own login home and /tmp (sshd daemonizes; the pid file says where).
    run('ip', ['netns', 'exec', ns, 'unshare', '-m', '--propagation', 'private', '--', 'sh', '-c',
      'mount --bind "$1" "$2" && mount --bind "$3" /tmp && exec "$4" -f "$5" -E "$6"',
      'sh', home, process.env['HOME'] ?? '/root', tmp, SSHD, config, join(dir, 'sshd.log')]);
    await waitUntil(() => sshdPid() !== undefined, 5000, 'the namespaced sshd wrote its pid');
  } catch (e) {
    cleanup();
    throw e;
  }
  const inNet = (args: string[], input?: string) => run('ip', ['netns', 'exec', ns, ...args], input);
  return {
    name: `${address}:22`,
    link: here,
    home,
    args: (extra = []) => ['-c', clients, '-i', c.cluster.identity, '--known-hosts', knownHosts, ...extra],
    namespace: () => mountNamespace(sshdPid() ?? 0),
    inNet,
    shape: (rate) => run('tc', ['qdisc', 'replace', 'dev', here, 'root', 'tbf', 'rate', rate, 'burst', '32kbit', 'latency', '400ms']),
    unshape: () => spawnSync('tc', ['qdisc', 'del', 'dev', here, 'root'], { stdio: 'ignore' }),
    dropAll: () =>
      inNet(['nft', '-f', '-'], 'table inet dirtest {\n chain in { type filter hook input priority 0; policy drop; }\n chain out { type filter hook output priority 0; policy drop; }\n}\n'),
    setLink: (up) => run('ip', ['link', 'set', here, up ? 'up' : 'down']),
    cleanup,
  };
}
