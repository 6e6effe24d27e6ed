// Shapes of a jobs run: the tasks as given (kept in the run's tasks.jsonl), how each ended,
// and what a renderer may hear while the run goes on.
import type { HostError } from '../ssh/host-error.js';

export interface TaskSpec {
  /** Names the task's output folder; unique in the run. */
  id: string;
  priority: number;
  /** map: the data file, relative to the project folder (the task's last argument, DIRECTOR_FILE). */
  file?: string;
  /** jobs run: the command line, run by /bin/sh on the client, and its arguments ($1…). */
  cmd?: string;
  args?: string[];
  /** A local file fed to the task's standard input (absolute path). */
  stdin?: string;
  /** The task's own time limit (-t otherwise). */
  timeoutMs?: number;
  /** Files of the project the task works on: it runs only on a client holding them all. */
  data?: string[];
  /** Retries after a non-zero exit, for this task (--retries otherwise). */
  retries?: number;
}

/** Where a task stands in the journal. */
export type TaskStatus = 'pending' | 'running' | 'done' | 'failed';

/** How one attempt ended, in the journal's words. */
export type AttemptState = 'done' | 'exit' | 'signal' | 'timeout' | 'lost' | 'failed' | 'interrupted' | 'refused';

/** What is known of one task after the journal is read (or the run is over). */
export interface TaskRecord {
  seq: number;
  spec: TaskSpec;
  status: TaskStatus;
  /** Attempts started, over every session of the run. */
  attempts: number;
  /** The client of the last attempt. */
  host?: string;
  /** The last attempt's exit code (null: killed, lost or never ran). */
  exit?: number | null;
  /** The last attempt's state. */
  last?: AttemptState;
  /** Why it failed (or why its last attempt did). */
  reason?: string;
  startedAt?: number;
  endedAt?: number;
  /** Milliseconds of the last attempt. */
  ms?: number;
  stdoutBytes?: number;
  stderrBytes?: number;
  /** Files the task left in DIRECTOR_OUTPUT_DIR, fetched into its folder's files/. */
  files?: number;
}

/** One client's share of a run, for a line when it finishes. */
export interface ClientTally {
  client: string;
  slots: number;
  done: number;
  failed: number;
  ms: number;
  /** Why the client ended early (unreachable, lost). */
  error?: HostError;
}

export interface JobsEvents {
  /** A task started on a client. */
  started?(rec: TaskRecord): void;
  /** A task's attempt ended; `rec.status` says whether it is done, failed, or pending again (retry). */
  ended?(rec: TaskRecord): void;
  /** A client is finished with the run (or was lost, or never connected). */
  clientDone?(tally: ClientTally): void;
  notice?(message: string): void;
}
