// The journal of a jobs run: `.director/jobs/<run id>/journal.jsonl`, one JSON record a line
// for every change of a task (started on a client, ended, retried, failed without running),
// appended and fsynced in group commits: while one write+fdatasync is on its way, new records
// gather and go in the next, so a busy run costs one fsync per batch, not per task.
//
// What it promises: a task whose `done` record reached the disk never runs again on resume.
// A task that was running (or had ended, its record still in memory) when the director died
// is not recorded done, so `jobs resume` runs it again: at-least-once for interrupted tasks,
// exactly-once for done ones.
import { open, type FileHandle } from 'node:fs/promises';
import { PRIVATE_FILE_MODE } from '../private-file.js';
import type { AttemptState, TaskRecord, TaskSpec } from './types.js';

export type Next = 'done' | 'retry' | 'failed' | 'pending';

export type JournalEntry =
  /** A session of the run began (the first, or a resume). */
  | { e: 'session'; at: number; pid: number; resume: boolean }
  | { e: 'start'; t: number; id: string; a: number; h: string; at: number }
  | {
      e: 'end';
      t: number;
      id: string;
      a: number;
      h: string;
      /** How the attempt ended, and what the task is now. */
      s: AttemptState;
      next: Next;
      x: number | null;
      ms: number;
      at: number;
      r?: string;
      out?: number;
      err?: number;
      files?: number;
    }
  /** Failed without an attempt: its data is unavailable, or no client is left. */
  | { e: 'fail'; t: number; id: string; r: string; at: number }
  /** A session ended (interrupted: by Ctrl-C or SIGTERM). */
  | { e: 'close'; at: number; interrupted: boolean };

export class JournalWriter {
  private pending: string[] = [];
  private waiters: Array<() => void> = [];
  private busy = false;
  /** The first write or fsync that failed: from then on nothing is durable. */
  error: Error | undefined;

  private constructor(private readonly fh: FileHandle) {}

  static async open(path: string): Promise<JournalWriter> {
    return new JournalWriter(await open(path, 'a', PRIVATE_FILE_MODE));
  }

  append(entry: JournalEntry): void {
    this.pending.push(`${JSON.stringify(entry)}\n`);
    this.kick();
  }

  /** Resolves once every record appended so far is on disk (or the journal failed). */
  flushed(): Promise<void> {
    if (!this.busy && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.flushed();
    await this.fh.close();
  }

  private kick(): void {
    if (this.busy) return;
    this.busy = true;
    void this.commitLoop();
  }

  private async commitLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const bytes = Buffer.from(this.pending.join(''), 'utf8');
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      if (this.error === undefined) {
        try {
          for (let at = 0; at < bytes.length; ) {
            const { bytesWritten } = await this.fh.write(bytes, at, bytes.length - at);
            if (bytesWritten <= 0) throw new Error('short write');
            at += bytesWritten;
          }
          await this.fh.datasync();
        } catch (e) {
          this.error = e as Error;
        }
      }
      for (const w of waiters) w();
    }
    this.busy = false;
    // Someone may have waited after the last batch was taken: nothing is left, so they are done.
    const late = this.waiters;
    this.waiters = [];
    for (const w of late) w();
  }
}

export interface Replayed {
  tasks: TaskRecord[];
  sessions: number;
  /** The last line was cut short (the director died while writing it): left out. */
  tornTail: boolean;
  /** Whether the last session recorded its own end. */
  closed: boolean;
}

/** Every task's state from the journal's lines (pure). */
export function replay(specs: readonly TaskSpec[], text: string): Replayed {
  const tasks: TaskRecord[] = specs.map((spec, seq) => ({ seq, spec, status: 'pending', attempts: 0 }));
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let sessions = 0;
  let tornTail = false;
  let closed = false;
  lines.forEach((line, i) => {
    let j: JournalEntry;
    try {
      j = JSON.parse(line) as JournalEntry;
    } catch {
      // Only the tail can be torn: a record is written whole or, at a crash, cut at the end.
      if (i === lines.length - 1) tornTail = true;
      return;
    }
    if (j.e === 'session') {
      sessions++;
      closed = false;
      return;
    }
    if (j.e === 'close') {
      closed = true;
      return;
    }
    const t = tasks[j.t];
    if (!t) return;
    if (j.e === 'start') {
      t.status = 'running';
      t.attempts = Math.max(t.attempts, j.a);
      t.host = j.h;
      t.startedAt = j.at;
      delete t.endedAt;
    } else if (j.e === 'end') {
      t.status = j.next === 'done' ? 'done' : j.next === 'failed' ? 'failed' : 'pending';
      t.attempts = Math.max(t.attempts, j.a);
      t.host = j.h;
      t.last = j.s;
      t.exit = j.x;
      t.ms = j.ms;
      t.endedAt = j.at;
      t.stdoutBytes = j.out;
      t.stderrBytes = j.err;
      t.files = j.files;
      if (j.r !== undefined) t.reason = j.r;
      else delete t.reason;
    } else if (j.e === 'fail') {
      t.status = 'failed';
      t.reason = j.r;
      t.endedAt = j.at;
    }
  });
  return { tasks, sessions, tornTail, closed };
}
