// A jobs run over the Fleet: every selected client is worked on over its one connection by
// a ClientWorker, which asks the scheduler for tasks while it has free slots and runs each
// as an exec channel. What the scheduler decides is journaled (group-committed) and kept in
// the task records; the renderer hears of it through JobsEvents.
import { setMaxListeners } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { Fleet } from '../ssh/fleet.js';
import { KIND_LABEL } from '../ssh/host-error.js';
import type { JournalEntry, JournalWriter } from './journal.js';
import { Scheduler, type Decision, type TaskDef } from './scheduler.js';
import { ClientWorker } from './client-worker.js';
import type { AttemptState, ClientTally, JobsEvents, TaskRecord, TaskSpec } from './types.js';

export interface RunnerPlan {
  kind: 'map' | 'jobs';
  runId: string;
  project?: string;
  /** Where tasks run on the clients (the project folder); absent = the login home. */
  workDir?: string;
  /** map: the script's bytes, and /bin/sh when it has no shebang. */
  script?: Buffer;
  interpreter?: string;
  /** map: the user's arguments, before the file. */
  args: readonly string[];
  /** Every task of the run, by seq. */
  specs: readonly TaskSpec[];
  /** The tasks to run now: all of a new run, those not done on resume. */
  defs: TaskDef[];
  /** -j: tasks at once per client; absent = its core count. */
  slots?: number;
  /** -t: a task's time limit unless it has its own. */
  timeoutMs?: number;
  /** output/<name>/<run id>/tasks */
  tasksDir: string;
}

export interface RunnerDeps {
  fleet: Fleet;
  journal: JournalWriter;
  /** Every task's record, by seq; updated as the run goes. */
  records: TaskRecord[];
  events?: JobsEvents;
}

export interface RunnerResult {
  interrupted: boolean;
  clients: ClientTally[];
  /** Why the journal could not be written, when it could not (the run stopped starting tasks). */
  journalError?: string;
}

/** How an attempt that reached the scheduler ended, for its journal record. */
export interface AttemptInfo {
  client: string;
  attempt: number;
  state: AttemptState;
  exit: number | null;
  startedAt: number;
  out?: number;
  err?: number;
  files?: number;
}

/** Wakes a client's worker when something may have changed for it; a wake never gets lost. */
export class Wakes {
  private readonly waiting = new Map<string, () => void>();
  private readonly dirty = new Set<string>();

  wait(client: string): Promise<void> {
    if (this.dirty.delete(client)) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(client, resolve));
  }

  wake(client: string): void {
    const w = this.waiting.get(client);
    if (w) {
      this.waiting.delete(client);
      w();
    } else this.dirty.add(client);
  }

  wakeAll(clients: Iterable<string>): void {
    for (const c of clients) this.wake(c);
  }
}

/** What the workers share: the scheduler, the journal, the records, and how to wake each other. */
export class RunShared {
  readonly sched: Scheduler;
  readonly wakes = new Wakes();
  private readonly names: string[];
  private readonly nameSet: Set<string>;

  readonly plan: RunnerPlan;

  constructor(
    plan: RunnerPlan,
    readonly deps: RunnerDeps,
  ) {
    this.names = contacted(plan.defs, deps.fleet.clients.map((c) => c.name));
    this.nameSet = new Set(this.names);
    this.sched = new Scheduler(plan.defs, this.names);
    // The scheduler has what it needs of the task list: do not hold 100 000 objects twice.
    this.plan = { ...plan, defs: [] };
  }

  get signal(): AbortSignal | undefined {
    return this.deps.fleet.signal;
  }

  journal(entry: JournalEntry): void {
    this.deps.journal.append(entry);
  }

  /** No new starts: Ctrl-C, or a journal that cannot be written. */
  get stopping(): boolean {
    return this.signal?.aborted === true || this.deps.journal.error !== undefined;
  }

  started(seq: number, client: string, attempt: number, at: number): void {
    const rec = this.deps.records[seq] as TaskRecord;
    rec.status = 'running';
    rec.attempts = attempt;
    rec.host = client;
    rec.startedAt = at;
    this.journal({ e: 'start', t: seq, id: rec.spec.id, a: attempt, h: client, at });
    this.deps.events?.started?.(rec);
  }

  /**
   * Records what the scheduler decided: an attempt's end (with `info`) or a failure without an
   * attempt, and wakes whoever the change may concern.
   */
  settle(d: Decision, info?: AttemptInfo): void {
    const rec = this.deps.records[d.seq] as TaskRecord;
    const at = Date.now();
    rec.status = d.next === 'done' ? 'done' : d.next === 'failed' ? 'failed' : 'pending';
    rec.endedAt = at;
    if (d.reason !== undefined) rec.reason = d.reason;
    else delete rec.reason;
    if (info) {
      rec.host = info.client;
      rec.last = info.state;
      rec.exit = info.exit;
      rec.ms = at - info.startedAt;
      rec.stdoutBytes = info.out;
      rec.stderrBytes = info.err;
      rec.files = info.files;
      this.journal({
        e: 'end',
        t: d.seq,
        id: rec.spec.id,
        a: info.attempt,
        h: info.client,
        s: info.state,
        next: d.next,
        x: info.exit,
        ms: rec.ms,
        at,
        ...(d.reason !== undefined ? { r: d.reason } : {}),
        ...(info.out !== undefined ? { out: info.out, err: info.err } : {}),
        ...(info.files ? { files: info.files } : {}),
      });
    } else this.journal({ e: 'fail', t: d.seq, id: rec.spec.id, r: d.reason ?? 'failed', at });
    this.deps.events?.ended?.(rec);
    if (d.next === 'retry' || d.next === 'pending' || this.sched.finished) this.wakes.wakeAll(this.names);
  }

  /** A client is gone: its running attempts end as lost (`running`: seq → attempt info). */
  lose(client: string, why: string, reason: string, running: ReadonlyMap<number, AttemptInfo> = new Map()): void {
    for (const d of this.sched.lose(client, why, reason)) {
      const info = running.get(d.seq);
      this.settle(d, info ? { ...info, state: 'lost', exit: null } : undefined);
    }
    this.wakes.wakeAll(this.names);
  }

  wakeAll(): void {
    this.wakes.wakeAll(this.names);
  }

  /** Is this client worth a connection: does any task need it or could run on it? */
  concerns(client: string): boolean {
    return this.nameSet.has(client);
  }
}

/** The clients some task could run on: all when a task has no data, else the holders. */
function contacted(defs: readonly TaskDef[], clients: readonly string[]): string[] {
  if (defs.some((d) => d.holders.length === 0)) return [...clients];
  const held = new Set(defs.flatMap((d) => d.holders));
  return clients.filter((c) => held.has(c));
}

export async function runTasks(plan: RunnerPlan, deps: RunnerDeps): Promise<RunnerResult> {
  mkdirSync(plan.tasksDir, { recursive: true });
  const shared = new RunShared(plan, deps);
  const tallies = new Map<string, ClientTally>();
  const onAbort = () => {
    shared.sched.stop();
    shared.wakeAll();
  };
  // Every running task listens on the one abort signal.
  if (shared.signal) setMaxListeners(0, shared.signal);
  shared.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await deps.fleet.run<void>(
      async (session, client) => {
        const worker = new ClientWorker(shared, session, client);
        tallies.set(client.name, worker.tally);
        await worker.run();
      },
      {
        only: (client) => shared.concerns(client.name),
        onDone: (result) => {
          const name = result.client.name;
          const tally = tallies.get(name) ?? { client: name, slots: 0, done: 0, failed: 0, ms: 0 };
          tallies.set(name, tally);
          tally.ms = result.ms;
          if (!result.ok) {
            tally.error = result.error;
            // Ctrl-C is no loss: that client's tasks stay pending for `jobs resume`.
            if (result.error.kind !== 'interrupted') shared.lose(name, KIND_LABEL[result.error.kind], result.error.message);
          }
          deps.events?.clientDone?.(tally);
        },
      },
    );
  } finally {
    shared.signal?.removeEventListener('abort', onAbort);
  }
  const journalError = deps.journal.error?.message;
  return {
    interrupted: shared.signal?.aborted === true,
    clients: deps.fleet.clients.filter((c) => shared.concerns(c.name)).map((c) => tallies.get(c.name) ?? { client: c.name, slots: 0, done: 0, failed: 0, ms: 0 }),
    ...(journalError !== undefined ? { journalError } : {}),
  };
}
