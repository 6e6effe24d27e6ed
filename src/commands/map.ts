// director map <script> <project> [-- args…]: one task per data file of the project, each
// run on a client that holds the file (data's placement record), with the file's path
// (relative to the project folder) as its last argument and in DIRECTOR_FILE. The script goes
// up once per client; every task is one exec channel over the client's one connection.
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Client } from '../config/client.js';
import { UsageError } from '../config/errors.js';
import type { Fleet } from '../ssh/fleet.js';
import { holdersByPath } from '../jobs/holders.js';
import type { JobsOutcome } from '../jobs/outcome.js';
import { writeRunState, type RunMeta } from '../jobs/run-folder.js';
import { runSession, type SessionDeps } from '../jobs/run-session.js';
import type { TaskSpec } from '../jobs/types.js';
import { createRunFolder } from '../run/layout.js';
import { interpreterFor } from '../run/remote-command.js';
import { checkProject, DEFAULT_REMOTE_ROOT, readPlacementRecord } from '../transfer/placement-record.js';
import { checkRemoteRoot, joinRemote, remotePath } from '../transfer/remote-path.js';

/** What map and jobs run share: where output and state go, slots, retries, limits, reduce. */
export interface TaskRunOptions {
  outputRoot: string;
  stateDir: string;
  remoteRoot?: string;
  /** -j: tasks at once per client; absent = the client's core count. */
  slots?: number;
  /** Retries after a non-zero exit (default 0). */
  retries: number;
  /** Retries after a lost client (default 1). */
  lostRetries: number;
  timeoutMs?: number;
  reduce?: { command: string; files: boolean };
}

export interface MapOptions extends TaskRunOptions {
  script: string;
  project: string;
  args: string[];
}

export interface MapPlan {
  script: Buffer;
  interpreter?: string;
  files: string[];
  workDir: string;
  /** Files of the project no selected client holds: left out. */
  leftOut: number;
}

/** Checks made before any client is contacted. */
export function planMap(opts: MapOptions, clients: readonly Client[]): MapPlan & { holders: ReturnType<typeof holdersByPath> } {
  let script: Buffer;
  try {
    if (!statSync(opts.script).isFile()) throw new Error('not a file');
    script = readFileSync(opts.script);
  } catch (e) {
    throw new UsageError(`map: script ${opts.script}: ${(e as Error).message}`);
  }
  const project = checkProject(opts.project);
  if (opts.remoteRoot !== undefined) checkRemoteRoot(opts.remoteRoot);
  const record = readPlacementRecord(opts.stateDir, project);
  if (!record || record.files.length === 0) throw new UsageError(`map: project ${project} has no placed files (no placement record in ${opts.stateDir}): place them with director data first`);
  const holders = holdersByPath(record);
  const selected = new Set(clients.map((c) => c.name));
  const all = [...holders.keys()].sort();
  const files = all.filter((f) => (holders.get(f) ?? []).some((c) => selected.has(c)));
  if (files.length === 0) throw new UsageError(`map: no file of ${project} is on the selected clients`);
  const workDir = remotePath(joinRemote(opts.remoteRoot ?? record.remoteRoot ?? DEFAULT_REMOTE_ROOT, project));
  return { script, interpreter: interpreterFor(script.subarray(0, 4)), files, workDir, leftOut: all.length - files.length, holders };
}

export async function map(opts: MapOptions, deps: SessionDeps & { fleet: Fleet }): Promise<JobsOutcome> {
  const plan = planMap(opts, deps.fleet.clients);
  if (plan.leftOut > 0) deps.events?.notice?.(`map: ${plan.leftOut} file(s) of ${opts.project} are held only by clients not selected: left out`);
  const { runId, dir } = createRunFolder(opts.outputRoot, opts.project);
  const specs: TaskSpec[] = plan.files.map((file, i) => ({ id: String(i + 1), priority: 0, file }));
  const meta: RunMeta = {
    version: 1,
    runId,
    kind: 'map',
    createdAt: new Date().toISOString(),
    project: opts.project,
    workDir: plan.workDir,
    outputDir: dir,
    script: { name: basename(opts.script), ...(plan.interpreter !== undefined ? { interpreter: plan.interpreter } : {}) },
    args: opts.args,
    ...commonMeta(opts),
  };
  writeRunState(opts.stateDir, meta, specs, plan.script);
  return runSession({ stateDir: opts.stateDir, meta, specs, script: plan.script, journal: '', resume: false, failedToo: false, holders: plan.holders }, deps);
}

/** The run.json fields map and jobs run take from their options alike. */
export function commonMeta(o: TaskRunOptions): Pick<RunMeta, 'slots' | 'retries' | 'lostRetries' | 'timeoutMs' | 'reduce'> {
  return {
    ...(o.slots !== undefined ? { slots: o.slots } : {}),
    retries: o.retries,
    lostRetries: o.lostRetries,
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.reduce !== undefined ? { reduce: o.reduce } : {}),
  };
}
