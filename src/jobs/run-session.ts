// One session of a jobs run, new or resumed: take the run's lock, replay its journal, run
// every task not done (with --failed the failed ones too) where its data lies, journal every
// change, then the reduce and summary.json. A task the journal shows running when the last
// director died was not recorded done: it runs again (at-least-once for interrupted tasks).
import { join } from 'node:path';
import type { Fleet } from '../ssh/fleet.js';
import { interruptedExit } from '../exit-codes.cjs';
import { holdersOfAll, type Holders } from './holders.js';
import { JournalWriter, replay } from './journal.js';
import { countTasks, jobsExitCode, writeSummary, type JobsOutcome } from './outcome.js';
import { runReduce } from './reduce.js';
import { JOURNAL, lockRun, runFolder, type RunMeta } from './run-folder.js';
import { runTasks } from './runner.js';
import type { TaskDef } from './scheduler.js';
import type { JobsEvents, TaskRecord, TaskSpec } from './types.js';

/** Shared by every task without data (there may be 100 000). */
const NO_HOLDERS: readonly string[] = Object.freeze([]);

export interface SessionInput {
  stateDir: string;
  meta: RunMeta;
  specs: TaskSpec[];
  script?: Buffer;
  /** The journal so far ('' for a new run). */
  journal: string;
  resume: boolean;
  /** resume --failed: failed tasks run again too. */
  failedToo: boolean;
  /** Who holds which file of the project (placement record). */
  holders: Holders;
}

export interface SessionDeps {
  fleet: Fleet;
  events?: JobsEvents;
  /** Told the records before any task starts (the renderer's totals). */
  onStart?(records: readonly TaskRecord[], toRun: number): void;
}

export async function runSession(input: SessionInput, deps: SessionDeps): Promise<JobsOutcome> {
  const { meta } = input;
  const release = await lockRun(input.stateDir, meta.runId);
  try {
    const records = replay(input.specs, input.journal).tasks;
    const selected = new Set(deps.fleet.clients.map((c) => c.name));
    const journal = await JournalWriter.open(join(runFolder(input.stateDir, meta.runId), JOURNAL));
    const startedAt = Date.now();
    journal.append({ e: 'session', at: startedAt, pid: process.pid, resume: input.resume });
    const defs: TaskDef[] = [];
    for (const r of records) {
      const again = r.status === 'pending' || r.status === 'running' || (input.failedToo && r.status === 'failed');
      if (!again) continue;
      r.status = 'pending';
      const data = r.spec.file !== undefined ? [r.spec.file] : (r.spec.data ?? []);
      const { holders, missing } = holdersOfAll(data, input.holders, selected);
      if (missing !== undefined || (data.length > 0 && holders.length === 0)) {
        r.status = 'failed';
        r.reason = missing !== undefined ? `data unavailable: ${missing} is held by no selected client` : 'data unavailable: no selected client holds all of its files';
        journal.append({ e: 'fail', t: r.seq, id: r.spec.id, r: r.reason, at: startedAt });
        continue;
      }
      defs.push({
        seq: r.seq,
        priority: r.spec.priority,
        holders: holders.length === 0 ? NO_HOLDERS : holders,
        exitRetries: r.spec.retries ?? meta.retries,
        lostRetries: meta.lostRetries,
        ...(r.attempts > 0 ? { attemptsBefore: r.attempts } : {}),
      });
    }
    const toRun = defs.length;
    deps.onStart?.(records, toRun);
    const result = await runTasks(
      {
        kind: meta.kind,
        runId: meta.runId,
        project: meta.project,
        workDir: meta.workDir,
        script: input.script,
        interpreter: meta.script?.interpreter,
        args: meta.args,
        specs: input.specs,
        defs,
        slots: meta.slots,
        timeoutMs: meta.timeoutMs,
        tasksDir: join(meta.outputDir, 'tasks'),
      },
      { fleet: deps.fleet, journal, records, events: deps.events },
    );
    journal.append({ e: 'close', at: Date.now(), interrupted: result.interrupted });
    await journal.close();
    const journalError = result.journalError ?? journal.error?.message;
    const outcome: JobsOutcome = {
      runId: meta.runId,
      meta,
      records,
      clients: result.clients,
      startedAt,
      finishedAt: Date.now(),
      interrupted: result.interrupted,
      resumed: input.resume,
      ran: toRun,
      exitCode: 0,
      ...(journalError !== undefined ? { journalError } : {}),
    };
    if (meta.reduce) {
      const c = countTasks(records);
      if (result.interrupted) outcome.reduceSkipped = 'the run was interrupted';
      else if (c.failed + c.pending > 0) outcome.reduceSkipped = `${c.failed + c.pending} of ${c.tasks} tasks are not done`;
      else outcome.reduce = await runReduce({ ...meta.reduce, outputDir: meta.outputDir, tasks: records, signal: deps.fleet.signal });
    }
    outcome.finishedAt = Date.now();
    outcome.exitCode = jobsExitCode(records, {
      interrupted: result.interrupted ? interruptedExit(deps.fleet.signal) : undefined,
      journalError,
      reduceFailed: outcome.reduce !== undefined && outcome.reduce.code !== 0,
    });
    const summaryError = writeSummary(outcome);
    if (summaryError !== undefined) outcome.summaryError = summaryError;
    return outcome;
  } finally {
    release();
  }
}
