// The result of a jobs run (map, jobs run, jobs resume): every task's record, the clients'
// shares, the reduce, the exit status, and summary.json in the run's output folder.
import { join } from 'node:path';
import { EXIT } from '../exit-codes.js';
import { replaceFileDurably } from '../private-file.js';
import { exitCodeFor } from '../run/exit-status.js';
import type { HostState } from '../run/types.js';
import type { ReduceResult } from './reduce.js';
import type { RunMeta } from './run-folder.js';
import type { ClientTally, TaskRecord } from './types.js';

export interface JobsOutcome {
  runId: string;
  meta: RunMeta;
  /** Every task of the run, in task order. */
  records: TaskRecord[];
  /** The clients of this session. */
  clients: ClientTally[];
  startedAt: number;
  finishedAt: number;
  interrupted: boolean;
  resumed: boolean;
  /** Tasks this session set out to run (all of a new run; those not done on resume). */
  ran: number;
  exitCode: number;
  journalError?: string;
  reduce?: ReduceResult;
  /** Why the reduce did not run. */
  reduceSkipped?: string;
  summaryError?: string;
}

export interface Counts {
  tasks: number;
  done: number;
  failed: number;
  pending: number;
}

export function countTasks(records: readonly TaskRecord[]): Counts {
  const c: Counts = { tasks: records.length, done: 0, failed: 0, pending: 0 };
  for (const r of records) {
    if (r.status === 'done') c.done++;
    else if (r.status === 'failed') c.failed++;
    else c.pending++;
  }
  return c;
}

/** A failed task in run/exec's words, so the exit status follows the same order: 4 > 3 > 5 > 1. */
function hostState(r: TaskRecord): HostState {
  if (r.status === 'done') return 'success';
  if (r.status !== 'failed') return 'failed';
  switch (r.last) {
    case 'exit':
      return 'exit';
    case 'timeout':
    case 'signal':
      return 'timeout';
    case 'lost':
    case undefined: // never ran: its data was unavailable, or no client was left
      return 'unreachable';
    default:
      return 'failed';
  }
}

/** 0 only when every task is done (and the reduce, journal and summary are fine). */
export function jobsExitCode(records: readonly TaskRecord[], extra: { interrupted?: number; journalError?: string; reduceFailed?: boolean }): number {
  if (extra.interrupted !== undefined) return extra.interrupted;
  const code = exitCodeFor(records.map(hostState));
  return code === EXIT.ok && (extra.journalError !== undefined || extra.reduceFailed) ? EXIT.failed : code;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function taskDocument(r: TaskRecord): Record<string, unknown> {
  return {
    id: r.spec.id,
    ...(r.spec.file !== undefined ? { file: r.spec.file } : { cmd: r.spec.cmd }),
    host: r.host ?? null,
    state: r.status,
    exit: r.exit ?? null,
    attempts: r.attempts,
    ms: r.ms ?? null,
    startedAt: iso(r.startedAt),
    endedAt: iso(r.endedAt),
    stdoutBytes: r.stdoutBytes,
    stderrBytes: r.stderrBytes,
    files: r.files,
    reason: r.reason,
  };
}

export function summaryDocument(o: JobsOutcome): Record<string, unknown> {
  const m = o.meta;
  return {
    command: m.kind,
    runId: o.runId,
    project: m.project,
    script: m.script?.name,
    args: m.kind === 'map' ? m.args : undefined,
    jobFile: m.jobFile,
    outputDir: m.outputDir,
    startedAt: iso(o.startedAt),
    finishedAt: iso(o.finishedAt),
    resumed: o.resumed,
    interrupted: o.interrupted,
    exitCode: o.exitCode,
    counts: countTasks(o.records),
    journalError: o.journalError,
    clients: o.clients.map((c) => ({ client: c.client, slots: c.slots, done: c.done, failed: c.failed, ms: c.ms, error: c.error ? { kind: c.error.kind, message: c.error.message } : undefined })),
    reduce: o.reduce
      ? { command: o.reduce.command, files: o.reduce.files, exitCode: o.reduce.code, signal: o.reduce.signal, ms: o.reduce.ms, stdout: o.reduce.stdout, stderr: o.reduce.stderr, error: o.reduce.error }
      : o.reduceSkipped !== undefined
        ? { command: m.reduce?.command, skipped: o.reduceSkipped }
        : undefined,
    tasks: o.records.map(taskDocument),
  };
}

/** summary.json in the run's output folder; returns why it could not be written, if so. */
export function writeSummary(o: JobsOutcome): string | undefined {
  try {
    replaceFileDurably(join(o.meta.outputDir, 'summary.json'), `${JSON.stringify(summaryDocument(o), null, 2)}\n`, { mode: 0o644 });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
