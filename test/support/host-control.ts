// Test-only powers over a sandbox Cluster (src/sandbox/cluster.ts keeps only what
// `director sandbox up/down` needs): crash a host, change its host key, kill everything at
// process exit. Stopping and restarting a host are the Cluster's own (stopHost, startHost).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killTreeSync } from '../../src/process-tree.js';
import { ed25519Pair, type Cluster } from '../../src/sandbox/cluster.js';

/** Kill one host at once (SIGKILL to the listener and its sessions), as a crash would. */
export function killHost(cluster: Cluster, index: number): void {
  const pid = cluster.pid(index);
  if (pid !== undefined) killTreeSync(pid);
}

/** For process exit handlers: kill every host now and remove the hosts' files. */
export function killCluster(cluster: Cluster): void {
  for (const h of cluster.hosts) killHost(cluster, h.index);
  try {
    rmSync(cluster.state.hostRoot, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}

/** Replace one host's host key (a "changed host key"); restarts it. */
export async function rekeyHost(cluster: Cluster, index: number): Promise<void> {
  const h = cluster.host(index);
  await cluster.stopHost(index);
  const key = ed25519Pair(`host${index + 1}-rekeyed`);
  writeFileSync(join(h.etc, 'ssh_host_ed25519_key'), key.private, { mode: 0o600 });
  h.hostKeyPublic = key.public;
  cluster.saveState();
  await cluster.startHost(index);
}
