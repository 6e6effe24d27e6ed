// What the peers need to reach the sandbox hosts the way director does: an ssh_config with
// one alias per host (address, port, key, known_hosts, strict checking), and host lists.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../src/sandbox/cluster.js';

export interface PeerConfig {
  /** ssh_config on OpenSSH's default key exchange. */
  sshConfig: string;
  /** The same, with KexAlgorithms curve25519-sha256 (what director's ssh2 negotiates). */
  sshConfigCurve: string;
  aliases: string[];
  hostsFile: string;
}

export function writePeerConfig(cluster: Cluster, dir: string): PeerConfig {
  const aliases = cluster.hosts.map((h) => `h${h.index + 1}`);
  const entries = cluster.hosts
    .map(
      (h, i) =>
        `Host ${aliases[i]}\n  HostName ${h.address}\n  Port ${h.port}\n  User root\n  IdentityFile ${cluster.identity}\n` +
        `  IdentitiesOnly yes\n  UserKnownHostsFile ${cluster.knownHosts}\n  StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n`,
    )
    .join('');
  const sshConfig = join(dir, 'ssh_config');
  const sshConfigCurve = join(dir, 'ssh_config_curve25519');
  writeFileSync(sshConfig, entries);
  writeFileSync(sshConfigCurve, `Host *\n  KexAlgorithms curve25519-sha256\n${entries}`);
  const hostsFile = join(dir, 'hosts');
  writeFileSync(hostsFile, `${aliases.join('\n')}\n`);
  return { sshConfig, sshConfigCurve, aliases, hostsFile };
}
