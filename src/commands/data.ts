// director data <dir> <project>: spread a folder of data files over the clients, each file to
// one client, md5-verified there; a local copy goes only after its remote copy verified.
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Client } from '../config/client.js';
import { UsageError } from '../config/errors.js';
import { EXIT, interruptedExit } from '../exit-codes.cjs';
import type { Fleet } from '../ssh/fleet.js';
import type { HostError } from '../ssh/host-error.js';
import { transferToClient } from '../transfer/client-transfer.js';
import { FileReader } from '../transfer/file-reader.js';
import { CopyCount } from '../transfer/local-removal.js';
import { checkProject, readPlacementRecord, type PlacementRecord } from '../transfer/placement-record.js';
import { placementRecorder } from '../transfer/placement-recorder.js';
import { place, type PlacementRule } from '../transfer/placement.js';
import { lockProject } from '../transfer/project-lock.js';
import { seededRng } from '../transfer/random.js';
import { checkRemoteRoot, joinRemote, remotePath } from '../transfer/remote-path.js';
import { scan, type ScanResult } from '../transfer/scan.js';
import type { FileJob, FileStatus } from '../transfer/types.js';

export interface DataOptions {
  dir: string;
  project: string;
  remoteRoot: string;
  placement: PlacementRule;
  seed?: string;
  /** undefined = every regular file (--all). */
  extensions?: string[];
  keep: boolean;
  force: boolean;
  /** Where placement records live (.director). */
  stateDir: string;
  /** Another run holds the project: wait for it (--wait) instead of refusing. */
  wait: boolean;
  /** Copies of each file, on as many distinct clients (--replicas; default 1). */
  replicas?: number;
}

export interface ClientPlan {
  client: Client;
  jobs: FileJob[];
  bytes: number;
}

export interface DataPlan {
  dir: string;
  scan: ScanResult;
  clients: ClientPlan[];
  /** Files placed at random because their names carry no `_<n>.` (or by --placement random). */
  randomCount: number;
  /** Files kept on the client the placement record names. */
  recordedCount: number;
  replicas: number;
  /** Copies to send or check, all clients together (files × replicas, less none). */
  copies: number;
  /** Bytes of all copies. */
  totalBytes: number;
}

/** Bad names, a missing folder and more replicas than clients are refused before anything is written or contacted. */
async function checkData(opts: DataOptions, clients: number): Promise<string> {
  checkProject(opts.project);
  const replicas = opts.replicas ?? 1;
  if (!Number.isSafeInteger(replicas) || replicas < 1) throw new UsageError(`--replicas must be a whole number of 1 or more (got ${replicas})`);
  if (replicas > clients) throw new UsageError(`--replicas ${replicas}: each copy needs a client of its own, and ${clients === 1 ? 'there is 1 client' : `there are ${clients} clients`}`);
  checkRemoteRoot(opts.remoteRoot);
  const dir = resolve(opts.dir);
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new UsageError(`data folder ${opts.dir} does not exist or is not a folder`);
  return dir;
}

export async function planData(opts: DataOptions, clients: readonly Client[]): Promise<DataPlan> {
  const dir = await checkData(opts, clients.length);
  const replicas = opts.replicas ?? 1;
  const found = await scan(dir, { extensions: opts.extensions });
  const slot = new Map(clients.map((c, i) => [c.name, i]));
  // The selected clients that hold a verified copy of each recorded file.
  const held = new Map<string, number[]>();
  for (const f of readPlacementRecord(opts.stateDir, opts.project)?.files ?? []) {
    const i = slot.get(f.client);
    if (i === undefined) continue;
    const list = held.get(f.path);
    if (list === undefined) held.set(f.path, [i]);
    else if (!list.includes(i)) list.push(i);
  }
  const rng = seededRng(opts.seed ?? `${Date.now()}-${Math.random()}`);
  const placed = place(found.files, clients.length, opts.placement, rng, (rel) => held.get(rel), replicas);
  const root = remotePath(opts.remoteRoot);
  const plans: ClientPlan[] = clients.map((client) => ({ client, jobs: [], bytes: 0 }));
  let copies = 0;
  let totalBytes = 0;
  for (const p of placed) {
    const job: FileJob = { file: p.item, remotePath: joinRemote(root, opts.project, p.item.rel) };
    if (p.clients.length > 1) job.copies = p.clients.length;
    for (const c of p.clients) {
      const plan = plans[c] as ClientPlan;
      plan.jobs.push(job);
      plan.bytes += p.item.size;
    }
    copies += p.clients.length;
    totalBytes += p.item.size * p.clients.length;
  }
  return {
    dir,
    scan: found,
    clients: plans,
    randomCount: placed.filter((p) => p.by === 'random').length,
    recordedCount: placed.filter((p) => p.by === 'record').length,
    replicas,
    copies,
    totalBytes,
  };
}

export type DataEvent =
  | { type: 'bytes'; n: number }
  | { type: 'file'; client: Client; status: FileStatus }
  | { type: 'client-done'; result: ClientOutcome };

export interface ClientOutcome {
  client: Client;
  files: FileStatus[];
  /** Temporaries an earlier run left in the project folder, removed now (undefined: not known). */
  temporariesRemoved?: number;
  error?: HostError;
  ms: number;
}

export interface DataResult {
  plan: DataPlan;
  clients: ClientOutcome[];
  /** Files all of whose copies verified. */
  verified: number;
  /** Files with a copy that failed (kept locally). */
  failed: number;
  /** Copies (one per file and client) verified and failed. */
  copies: { verified: number; failed: number };
  /** Earlier runs' temporaries removed, all clients together. */
  temporariesRemoved: number;
  interrupted: boolean;
  /** Set when the journal could not be folded into placement.json at the end (it stays beside it). */
  recordNote?: string;
  /** 0 when every file verified; 1 when some failed (kept locally); 130/143 after Ctrl-C/SIGTERM. */
  exitCode: number;
}

/**
 * Plan and send under the project's lock: one run at a time reads and writes a project's
 * placement record, and plans only after the run before it has finished (its files are gone
 * from the folder by then, not "failed").
 */
export async function data(opts: DataOptions, deps: { fleet: Fleet; onPlan?: (plan: DataPlan) => void; onEvent?: (e: DataEvent) => void }): Promise<DataResult> {
  await checkData(opts, deps.fleet.clients.length);
  const release = await lockProject(opts.stateDir, opts.project, { wait: opts.wait, signal: deps.fleet.signal });
  try {
    const plan = await planData(opts, deps.fleet.clients);
    deps.onPlan?.(plan);
    return await runData(plan, opts, deps);
  } finally {
    release();
  }
}

export async function runData(
  plan: DataPlan,
  opts: DataOptions,
  deps: { fleet: Fleet; onEvent?: (e: DataEvent) => void },
): Promise<DataResult> {
  const emit = deps.onEvent ?? (() => undefined);
  const recorder = placementRecorder(opts.stateDir, opts.project, opts.remoteRoot);
  const work = plan.clients.filter((p) => p.jobs.length > 0);
  const wanted = new Set(work.map((p) => p.client.name));
  const fleet = deps.fleet;
  const signal = fleet.signal;
  const reader = new FileReader();
  const copies = new CopyCount();
  const results = await fleet.run(
    async (session, client) => {
      const p = plan.clients[client.index] as ClientPlan;
      return transferToClient(session, joinRemote(remotePath(opts.remoteRoot), opts.project), p.jobs, {
        reader,
        localPath: (rel) => join(plan.dir, rel),
        keep: opts.keep,
        force: opts.force,
        copies,
        signal,
        onBytes: (n) => emit({ type: 'bytes', n }),
        onFile: (status) => emit({ type: 'file', client, status }),
        record: (verified) =>
          recorder.record(verified.map((s) => ({ path: s.job.file.rel, client: client.name, remotePath: s.job.remotePath, size: s.bytes, md5: s.md5, time: s.time }))),
      });
    },
    // Clients with nothing to receive are not contacted.
    { only: (client) => wanted.has(client.name) },
  );
  await reader.close();
  let recordNote: string | undefined;
  try {
    recorder.close();
  } catch (e) {
    // Every entry is durable in the journal, which readers fold in: a note, not a failure.
    recordNote = `the placement record's journal was kept beside it (folding failed: ${(e as Error).message})`;
  }
  const outcomes: ClientOutcome[] = [];
  for (const r of results) {
    const p = plan.clients[r.client.index] as ClientPlan;
    let outcome: ClientOutcome;
    if (r.ok) {
      outcome = { client: r.client, files: r.value.files, temporariesRemoved: r.value.temporariesRemoved, error: r.value.error, ms: r.ms };
    } else {
      // The client failed before any file was tried (unreachable, auth…): every file failed, kept locally.
      const files: FileStatus[] = p.jobs.map((job) => ({ job, ok: false, kind: r.error.kind === 'interrupted' ? 'interrupted' : 'unreachable', reason: r.error.message }));
      for (const status of files) emit({ type: 'file', client: r.client, status });
      outcome = { client: r.client, files, error: r.error, ms: r.ms };
    }
    emit({ type: 'client-done', result: outcome });
    outcomes.push(outcome);
  }
  // A file counts as verified once every one of its copies did.
  const failedFiles = new Set<FileJob>();
  let copiesFailed = 0;
  for (const o of outcomes) {
    for (const f of o.files) {
      if (f.ok) continue;
      copiesFailed++;
      failedFiles.add(f.job);
    }
  }
  const interrupted = signal?.aborted === true;
  const failed = failedFiles.size;
  return {
    plan,
    clients: outcomes,
    verified: plan.scan.files.length - failed,
    failed,
    copies: { verified: plan.copies - copiesFailed, failed: copiesFailed },
    temporariesRemoved: outcomes.reduce((n, o) => n + (o.temporariesRemoved ?? 0), 0),
    interrupted,
    recordNote,
    exitCode: interrupted ? interruptedExit(signal) : failed === 0 ? EXIT.ok : EXIT.failed,
  };
}

export function listPlacement(stateDir: string, project: string): PlacementRecord {
  const record = readPlacementRecord(stateDir, project);
  if (!record) throw new UsageError(`no placement record for project "${project}" in ${resolve(stateDir, project)}`);
  return record;
}
