// The result of a jobs run (map, jobs run, jobs resume): every task's record, the clients'
// shares, the reduce, the exit status, and summary.json in the run's output folder.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from '../exit-codes.cjs';
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

/** summary.json without its tasks (they follow one a line: see summaryChunks). */
export function summaryHead(o: JobsOutcome): Record<string, unknown> {
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
  };
}

const TASKS_PER_CHUNK = 1000;

/**
 * A document whose `tasks` are every task's record, as text in pieces: `head` indented, then
 * one task a line. A run of 100 000 tasks is never held as one document or one string.
 */
export function* withTasks(head: Record<string, unknown>, records: readonly TaskRecord[]): Generator<string> {
  const text = JSON.stringify(head, null, 2);
  yield `${text.slice(0, text.lastIndexOf('\n}'))},\n  "tasks": [`;
  for (let at = 0; at < records.length; at += TASKS_PER_CHUNK) {
    const part = records.slice(at, at + TASKS_PER_CHUNK).map((r) => JSON.stringify(taskDocument(r)));
    yield `${at === 0 ? '' : ','}\n    ${part.join(',\n    ')}`;
  }
  yield '\n  ]\n}\n';
}

/** summary.json, in pieces. */
export function summaryChunks(o: JobsOutcome): Generator<string> {
  return withTasks(summaryHead(o), o.records);
}

/** summary.json in the run's output folder, whole or not at all; returns why it could not be written, if so. */
export function writeSummary(o: JobsOutcome): string | undefined {
  const file = join(o.meta.outputDir, 'summary.json');
  const tmp = `${file}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', 0o644);
    for (const chunk of summaryChunks(o)) {
      const b = Buffer.from(chunk, 'utf8');
      for (let at = 0; at < b.length; ) at += writeSync(fd, b, at, b.length - at);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
    return undefined;
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    return (e as Error).message;
  }
}
