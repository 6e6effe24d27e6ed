// director jobs run <jobfile> | resume <run> [--failed] | status [run]: a file of tasks run
// over the clients (priorities, slots, locality to the data of --project, retries), a
// journaled run resumed after Ctrl-C or a crash, and what a run's journal says.
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Client } from '../config/client.js';
import { ConfigError, UsageError } from '../config/errors.js';
import type { Fleet } from '../ssh/fleet.js';
import { holdersByPath, holdersOfAll, type Holders } from '../jobs/holders.js';
import { parseJobFile } from '../jobs/jobfile.js';
import { replay } from '../jobs/journal.js';
import { countTasks, type Counts, type JobsOutcome } from '../jobs/outcome.js';
import { listRuns, loadRun, runOwner, writeRunState, type RunMeta } from '../jobs/run-folder.js';
import { runSession, type SessionDeps } from '../jobs/run-session.js';
import type { TaskRecord, TaskSpec } from '../jobs/types.js';
import { createRunFolder, safeSegment } from '../run/layout.js';
import { checkProject, DEFAULT_REMOTE_ROOT, readPlacementRecord } from '../transfer/placement-record.js';
import { checkRemoteRoot, joinRemote, remotePath } from '../transfer/remote-path.js';
import { commonMeta, type TaskRunOptions } from './map.js';

export interface JobsRunOptions extends TaskRunOptions {
  jobFile: string;
  /** Tasks' `data` names files of this project; tasks run in its folder. */
  project?: string;
}

/** Reads and checks the job file (stdin files, data held by a selected client) before any client is contacted. */
export function planJobs(opts: JobsRunOptions, clients: readonly Client[]): { specs: TaskSpec[]; holders: Holders; workDir?: string } {
  const file = resolve(opts.jobFile);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`jobs run: ${opts.jobFile}: ${(e as Error).message}`);
  }
  const lines = parseJobFile(text, opts.jobFile, dirname(file));
  if (opts.remoteRoot !== undefined) checkRemoteRoot(opts.remoteRoot);
  const project = opts.project === undefined ? undefined : checkProject(opts.project);
  const record = project === undefined ? undefined : readPlacementRecord(opts.stateDir, project);
  const holders = holdersByPath(record);
  const selected = new Set(clients.map((c) => c.name));
  for (const { spec, line } of lines) {
    if (spec.stdin !== undefined) {
      try {
        if (!statSync(spec.stdin).isFile()) throw new Error('not a file');
      } catch (e) {
        throw new ConfigError(`stdin ${spec.stdin}: ${(e as Error).message}`, opts.jobFile, line);
      }
    }
    if (spec.data === undefined) continue;
    if (project === undefined) throw new ConfigError('a task with "data" needs --project <name> (the project data placed)', opts.jobFile, line);
    const { holders: common, missing } = holdersOfAll(spec.data, holders, selected);
    if (missing !== undefined) {
      const where = holders.get(missing);
      throw new ConfigError(
        where ? `data ${missing} is held only by ${where.join(', ')}, not among the selected clients` : `data ${missing} is not in the placement record of ${project}`,
        opts.jobFile,
        line,
      );
    }
    if (common.length === 0) throw new ConfigError(`no selected client holds all of ${spec.data.join(', ')}`, opts.jobFile, line);
  }
  const workDir = project === undefined ? undefined : remotePath(joinRemote(opts.remoteRoot ?? record?.remoteRoot ?? DEFAULT_REMOTE_ROOT, project));
  return { specs: lines.map((l) => l.spec), holders, ...(workDir !== undefined ? { workDir } : {}) };
}

export async function jobsRun(opts: JobsRunOptions, deps: SessionDeps & { fleet: Fleet }): Promise<JobsOutcome> {
  const plan = planJobs(opts, deps.fleet.clients);
  const { runId, dir } = createRunFolder(opts.outputRoot, opts.project ?? safeSegment(basename(opts.jobFile)));
  const meta: RunMeta = {
    version: 1,
    runId,
    kind: 'jobs',
    createdAt: new Date().toISOString(),
    ...(opts.project !== undefined ? { project: opts.project } : {}),
    ...(plan.workDir !== undefined ? { workDir: plan.workDir } : {}),
    outputDir: dir,
    args: [],
    jobFile: resolve(opts.jobFile),
    ...commonMeta(opts),
  };
  writeRunState(opts.stateDir, meta, plan.specs);
  return runSession({ stateDir: opts.stateDir, meta, specs: plan.specs, journal: '', resume: false, failedToo: false, holders: plan.holders }, deps);
}

export interface ResumeOptions {
  runId: string;
  stateDir: string;
  /** Run the failed tasks again too. */
  failed: boolean;
}

/** Checks made before any client is contacted: the run exists and is whole. */
export function checkResume(opts: ResumeOptions): void {
  loadRun(opts.stateDir, opts.runId);
}

export async function jobsResume(opts: ResumeOptions, deps: SessionDeps & { fleet: Fleet }): Promise<JobsOutcome> {
  const run = loadRun(opts.stateDir, opts.runId);
  const holders = holdersByPath(run.meta.project === undefined ? undefined : readPlacementRecord(opts.stateDir, run.meta.project));
  return runSession(
    {
      stateDir: opts.stateDir,
      meta: run.meta,
      specs: run.specs,
      ...(run.script !== undefined ? { script: run.script } : {}),
      journal: run.journal,
      resume: true,
      failedToo: opts.failed,
      holders,
    },
    deps,
  );
}

export interface RunStatus {
  runId: string;
  meta: RunMeta;
  counts: Counts;
  /** Tasks the journal shows started and not ended. */
  running: number;
  /** The pid of a director working on the run now. */
  owner?: number;
  sessions: number;
  /** The failed tasks (all of them with a run named; none in the list of runs). */
  failed: TaskRecord[];
}

export interface StatusResult {
  /** One run (named), or every run, oldest first. */
  runs: RunStatus[];
  named: boolean;
  exitCode: number;
}

export async function jobsStatus(opts: { stateDir: string; runId?: string }): Promise<StatusResult> {
  const ids = opts.runId !== undefined ? [opts.runId] : listRuns(opts.stateDir);
  const runs: RunStatus[] = [];
  for (const id of ids) {
    const run = loadRun(opts.stateDir, id);
    const r = replay(run.specs, run.journal);
    const owner = await runOwner(opts.stateDir, id);
    runs.push({
      runId: id,
      meta: run.meta,
      counts: countTasks(r.tasks),
      running: r.tasks.filter((t) => t.status === 'running').length,
      ...(owner !== undefined ? { owner } : {}),
      sessions: r.sessions,
      failed: opts.runId !== undefined ? r.tasks.filter((t) => t.status === 'failed') : [],
    });
  }
  return { runs, named: opts.runId !== undefined, exitCode: 0 };
}

