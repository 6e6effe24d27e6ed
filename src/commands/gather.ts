// director gather <remote path or glob> <local dir>: every client's matching files into
// <local dir>/<client>/<path>, one tar stream per client, each file md5-verified against the
// client's own sum (transfer/pull-client.ts). Each client writes only inside its own folder.
import { resolve } from 'node:path';
import { UsageError } from '../config/errors.js';
import type { Client } from '../config/client.js';
import { EXIT, interruptedExit } from '../exit-codes.cjs';
import type { Fleet, HostResult } from '../ssh/fleet.js';
import { WritePace } from '../local-writes.js';
import { pullFromClient, type PullResult } from '../transfer/pull-client.js';
import { remoteGlob } from '../transfer/remote-glob.js';

export interface GatherOptions {
  pattern: string;
  dir: string;
}

export interface GatherOutcome extends PullResult {
  client: Client;
  /** This client's local folder. */
  folder: string;
  ms: number;
}

export interface GatherResult {
  dir: string;
  clients: GatherOutcome[];
  interrupted: boolean;
  exitCode: number;
}

/**
 * A client's folder name: its clients.conf name with `%` and `/` escaped, so that two clients
 * never share a folder and none climbs out of the gather folder.
 */
export function clientFolder(name: string): string {
  const escaped = name.replace(/%/g, '%25').replace(/\//g, '%2F');
  return escaped === '.' || escaped === '..' ? escaped.replace(/\./g, '%2E') : escaped;
}

export function checkGather(opts: GatherOptions): void {
  remoteGlob(opts.pattern);
  if (opts.dir === '') throw new UsageError('gather: the local folder is empty');
}

export function gatherOk(o: PullResult): boolean {
  return o.error === undefined && o.files.every((f) => f.status === 'fetched');
}

export async function gather(opts: GatherOptions, deps: { fleet: Fleet; onDone?: (o: GatherOutcome) => void }): Promise<GatherResult> {
  const glob = remoteGlob(opts.pattern);
  if (opts.dir === '') throw new UsageError('gather: the local folder is empty');
  const dir = resolve(opts.dir);
  const signal = deps.fleet.signal;
  const toOutcome = (r: HostResult<PullResult>): GatherOutcome => {
    const folder = resolve(dir, clientFolder(r.client.name));
    return r.ok ? { ...r.value, client: r.client, folder, ms: r.ms } : { files: [], listed: [], error: r.error, client: r.client, folder, ms: r.ms };
  };
  const pace = new WritePace();
  const results = await deps.fleet.run((session, client) => pullFromClient(session, glob, resolve(dir, clientFolder(client.name)), signal, pace), {
    onDone: (r) => deps.onDone?.(toOutcome(r)),
  });
  const clients = results.map(toOutcome);
  const interrupted = signal?.aborted === true;
  return { dir, clients, interrupted, exitCode: interrupted ? interruptedExit(signal) : clients.every(gatherOk) ? EXIT.ok : EXIT.failed };
}
