// director sandbox up / down: a local cluster of real sshd hosts to rehearse every command.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../config/errors.js';
import { EXIT } from '../exit-codes.cjs';
import { Cluster, type ClusterState } from '../sandbox/cluster.js';

export const SANDBOX_MAX = 1000;

export interface SandboxUpResult {
  state: ClusterState;
  exitCode: number;
}

export async function sandboxUp(opts: { count: number; dir: string }): Promise<SandboxUpResult> {
  if (opts.count > SANDBOX_MAX) throw new UsageError(`sandbox up: at most ${SANDBOX_MAX} hosts`);
  const dir = resolve(opts.dir);
  const existing = Cluster.load(dir);
  if (existing) {
    const running = existing.hosts.filter((h) => existing.pid(h.index) !== undefined).length;
    if (running > 0) throw new UsageError(`a sandbox is already up in ${dir} (${running} hosts): run director sandbox down first`);
    await existing.stop();
  }
  const cluster = await Cluster.start({ dir, count: opts.count });
  return { state: cluster.state, exitCode: EXIT.ok };
}

export interface SandboxDownResult {
  dir: string;
  stopped: number;
  found: boolean;
  exitCode: number;
}

export async function sandboxDown(opts: { dir: string }): Promise<SandboxDownResult> {
  const dir = resolve(opts.dir);
  const cluster = Cluster.load(dir);
  if (!cluster) return { dir, stopped: 0, found: false, exitCode: EXIT.ok };
  const running = cluster.hosts.filter((h) => cluster.pid(h.index) !== undefined).length;
  await cluster.stop();
  for (const f of ['state.json', 'clients.conf', 'id_ed25519', 'id_ed25519.pub', 'known_hosts']) rmSync(join(dir, f), { force: true });
  return { dir, stopped: running, found: true, exitCode: EXIT.ok };
}
