// A jobs run's own folder on the director, `.director/jobs/<run id>/`: everything `jobs
// resume` needs to go on without the job file or script the run started from.
//   run.json        what was run and how (written last: a folder without it is not a run)
//   tasks.jsonl     every task, one a line, by seq
//   script          map: the script's bytes as they were when the run started
//   journal.jsonl   every state change (journal.ts)
//   lock            held while a director works on the run
// Each file is on disk (fsynced) before any task starts.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../config/errors.js';
import { PRIVATE_DIR_MODE, writePrivateFile } from '../private-file.js';
import { RUN_ID } from '../run/layout.js';
import { lockProject, ProjectBusy } from '../transfer/project-lock.js';
import type { TaskSpec } from './types.js';

export interface RunMeta {
  version: 1;
  runId: string;
  kind: 'map' | 'jobs';
  createdAt: string;
  project?: string;
  /** Where the tasks run on the clients (the project folder); absent = the login home. */
  workDir?: string;
  /** output/<name>/<run id>, absolute. */
  outputDir: string;
  /** map: the script's name, and /bin/sh when it has no shebang. */
  script?: { name: string; interpreter?: string };
  /** map: the script's arguments (before the file). */
  args: string[];
  /** jobs: the job file it was read from. */
  jobFile?: string;
  slots?: number;
  retries: number;
  lostRetries: number;
  timeoutMs?: number;
  reduce?: { command: string; files: boolean };
}

export const JOURNAL = 'journal.jsonl';

export function jobsRoot(stateDir: string): string {
  return join(stateDir, 'jobs');
}

export function runFolder(stateDir: string, runId: string): string {
  if (!RUN_ID.test(runId)) throw new UsageError(`not a run id: ${JSON.stringify(runId)} (like 20261123-111500.123-ab12; see director jobs status)`);
  return join(jobsRoot(stateDir), runId);
}

/** Writes the run's folder; the run id must be new. */
export function writeRunState(stateDir: string, meta: RunMeta, specs: readonly TaskSpec[], script?: Buffer): string {
  mkdirSync(jobsRoot(stateDir), { recursive: true, mode: PRIVATE_DIR_MODE });
  const dir = runFolder(stateDir, meta.runId);
  mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
  if (script !== undefined) writeDurably(join(dir, 'script'), script, 0o700);
  writeDurably(join(dir, 'tasks.jsonl'), Buffer.from(specs.map((s) => `${JSON.stringify(s)}\n`).join('')), 0o600);
  writePrivateFile(join(dir, 'run.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return dir;
}

export interface LoadedRun {
  dir: string;
  meta: RunMeta;
  specs: TaskSpec[];
  journal: string;
  script?: Buffer;
}

export function loadRun(stateDir: string, runId: string): LoadedRun {
  const dir = runFolder(stateDir, runId);
  if (!existsSync(join(dir, 'run.json'))) throw new UsageError(`no jobs run ${runId} in ${jobsRoot(stateDir)} (director jobs status lists them)`);
  const meta = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunMeta;
  if (meta.version !== 1 || meta.runId !== runId) throw new UsageError(`${join(dir, 'run.json')}: not a director jobs run`);
  const specs = readFileSync(join(dir, 'tasks.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as TaskSpec);
  const journalFile = join(dir, JOURNAL);
  const journal = existsSync(journalFile) ? readFileSync(journalFile, 'utf8') : '';
  const script = meta.kind === 'map' ? readFileSync(join(dir, 'script')) : undefined;
  return { dir, meta, specs, journal, ...(script !== undefined ? { script } : {}) };
}

/** The run ids under .director/jobs, oldest first (ids sort by start time). */
export function listRuns(stateDir: string): string[] {
  const root = jobsRoot(stateDir);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => RUN_ID.test(n) && existsSync(join(root, n, 'run.json')))
    .sort();
}

/** One director at a time per run: returns the release, or throws naming the holder. */
export async function lockRun(stateDir: string, runId: string): Promise<() => void> {
  try {
    return await lockProject(jobsRoot(stateDir), runId, { wait: false });
  } catch (e) {
    if (e instanceof ProjectBusy) throw new RunBusy(runId, e.owner.pid, e.owner.startedAt);
    throw e;
  }
}

export class RunBusy extends Error {
  constructor(
    readonly runId: string,
    readonly pid: number,
    readonly since: string,
  ) {
    super(`run ${runId} is being worked on by another director (pid ${pid}, since ${since})`);
  }
}

/** Is a live director working on the run now? Its pid, or undefined. */
export async function runOwner(stateDir: string, runId: string): Promise<number | undefined> {
  try {
    (await lockRun(stateDir, runId))();
    return undefined;
  } catch (e) {
    if (e instanceof RunBusy) return e.pid;
    throw e;
  }
}

function writeDurably(file: string, bytes: Buffer, mode: number): void {
  const fd = openSync(file, 'wx', mode);
  try {
    for (let at = 0; at < bytes.length; ) {
      const n = writeSync(fd, bytes, at, bytes.length - at);
      if (n <= 0) throw new Error(`cannot write ${file}: short write`);
      at += n;
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
