// Rendering of map, jobs run, jobs resume and jobs status. While a run goes on: on a terminal
// one live line, `tasks 12 480/22 280 done | 3 failed | 16 running | 410 tasks/s | ETA 24s`;
// otherwise a line per client when it finishes. Then a summary, the failed tasks, the reduce's
// output, where everything went, and how to resume what is left.
import { readFileSync } from 'node:fs';
import type { RunStatus, StatusResult } from '../commands/jobs.js';
import { countTasks, summaryHead, withTasks, type JobsOutcome } from '../jobs/outcome.js';
import { clientJson, envelope } from './envelope.js';
import type { ClientTally, JobsEvents, TaskRecord } from '../jobs/types.js';
import { KIND_LABEL } from '../ssh/host-error.js';
import { formatSeconds, plural } from './format.js';
import type { Printer } from './printer.js';

/** `12 480`: thousands apart, as the live line shows them. */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** The live line from counts (pure, for tests). */
export function progressLine(v: { done: number; total: number; failed: number; running: number; rate: number }): string {
  const left = v.total - v.done - v.failed;
  const eta = v.rate > 0 ? `ETA ${Math.ceil(left / v.rate)}s` : 'ETA …';
  return `tasks ${formatCount(v.done)}/${formatCount(v.total)} done | ${formatCount(v.failed)} failed | ${formatCount(v.running)} running | ${formatCount(v.rate)} tasks/s | ${eta}`;
}

const LIVE_EVERY_MS = 100;

export class JobsProgress {
  readonly events: JobsEvents;
  private total = 0;
  private done = 0;
  private failed = 0;
  private running = 0;
  /** Done before this session (resume): not counted in the rate. */
  private doneBefore = 0;
  private started = Date.now();
  private shownAt = 0;
  private shown = false;

  constructor(private readonly p: Printer) {
    this.events = {
      started: () => {
        this.running++;
        this.tick();
      },
      ended: (r) => this.ended(r),
      clientDone: (t) => this.clientDone(t),
      notice: (m) => {
        this.clear();
        p.noteOnce(m);
      },
    };
  }

  /** The run's tasks, before the first starts. */
  begin(records: readonly TaskRecord[], toRun: number): void {
    const c = countTasks(records);
    this.total = c.tasks;
    this.done = this.doneBefore = c.done;
    this.failed = c.failed;
    this.started = Date.now();
    if (!this.p.json && !this.p.interactive) this.p.line(`${plural(toRun, 'task')} to run (${formatCount(c.tasks)} in the run)`);
  }

  private ended(r: TaskRecord): void {
    this.running--;
    if (r.status === 'done') this.done++;
    else if (r.status === 'failed') this.failed++;
    this.tick();
  }

  private tick(): void {
    if (!this.p.interactive) return;
    const now = Date.now();
    if (now - this.shownAt < LIVE_EVERY_MS) return;
    this.shownAt = now;
    const secs = Math.max(0.001, (now - this.started) / 1000);
    const line = progressLine({ done: this.done, total: this.total, failed: this.failed, running: this.running, rate: (this.done - this.doneBefore) / secs });
    this.p.stderr.write(`\r${line}\x1b[K`);
    this.shown = true;
  }

  private clientDone(t: ClientTally): void {
    if (this.p.json || this.p.interactive) {
      if (t.error) {
        this.clear();
        this.p.note(`${t.client}: ${KIND_LABEL[t.error.kind]}: ${t.error.message}`);
      }
      return;
    }
    const err = t.error ? ` — ${KIND_LABEL[t.error.kind]}: ${t.error.message}` : '';
    const line = `${t.client}: ${t.done} done, ${t.failed} failed, ${plural(t.slots, 'slot')} (${formatSeconds(t.ms)})${err}`;
    this.p.line(t.error ? this.p.c.red(line) : line);
  }

  /** Takes the live line away before other text or at the end. */
  clear(): void {
    if (!this.shown) return;
    this.p.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

const FAILED_SHOWN = 20;

/**
 * The --json document of map, jobs run and jobs resume (`command`): the envelope, a client
 * entry per client of the run, summary.json's fields beside them, and every task.
 */
export function jobsEnvelope(o: JobsOutcome, command: string): Record<string, unknown> {
  const { command: _c, exitCode: _e, clients: _cl, ...fields } = summaryHead(o);
  const clients = o.clients.map((t) =>
    clientJson(t.client, t.error === undefined, t.error?.kind ?? 'success', t.error, { slots: t.slots, done: t.done, failed: t.failed, ms: t.ms }),
  );
  return envelope(command, o.exitCode, clients, fields);
}

export function renderJobsOutcome(o: JobsOutcome, p: Printer, command: string): void {
  if (p.json) {
    p.documentText(withTasks(jobsEnvelope(o, command), o.records));
    return;
  }
  const c = countTasks(o.records);
  const secs = (o.finishedAt - o.startedAt) / 1000;
  const head = `${formatCount(c.tasks)} tasks: ${formatCount(c.done)} done, ${formatCount(c.failed)} failed${c.pending > 0 ? `, ${formatCount(c.pending)} not run` : ''}`;
  // The rate of this session: tasks that ended since it started (not those set out to run).
  const ended = o.records.filter((r) => r.status !== 'pending' && r.status !== 'running' && (r.endedAt ?? 0) >= o.startedAt).length;
  const tail = ` (${formatSeconds(o.finishedAt - o.startedAt)}${ended > 0 && secs > 0 ? `, ${formatCount(ended / secs)} tasks/s` : ''})`;
  p.line(c.failed + c.pending > 0 ? p.c.red(head) + tail : p.c.green(head) + tail);
  const failed = o.records.filter((r) => r.status === 'failed');
  for (const r of failed.slice(0, FAILED_SHOWN)) p.line(`  ${failedLine(r)}`);
  if (failed.length > FAILED_SHOWN) p.line(`  … and ${failed.length - FAILED_SHOWN} more (summary.json lists them all)`);
  if (o.journalError !== undefined) p.note(`journal: ${o.journalError}: tasks stopped starting`);
  if (o.summaryError !== undefined) p.note(`summary.json not written: ${o.summaryError}`);
  if (o.reduce) renderReduce(o, p);
  else if (o.reduceSkipped !== undefined) p.line(`reduce not run: ${o.reduceSkipped}`);
  p.line(`output: ${o.meta.outputDir}`);
  if (c.pending > 0 || c.failed > 0) p.line(`resume: director jobs resume ${o.runId}${c.pending === 0 ? ' --failed' : ''}`);
}

function failedLine(r: TaskRecord): string {
  const what = r.spec.file ?? r.spec.cmd ?? '';
  return `${r.spec.id} ${JSON.stringify(what.length > 60 ? `${what.slice(0, 60)}…` : what)}${r.host ? ` @${r.host}` : ''}: ${r.reason ?? 'failed'}${r.attempts > 1 ? ` (${r.attempts} attempts)` : ''}`;
}

function renderReduce(o: JobsOutcome, p: Printer): void {
  const r = o.reduce;
  if (!r) return;
  for (const [file, write] of [
    [r.stdout, (b: Buffer) => p.raw(b)],
    [r.stderr, (b: Buffer) => p.stderr.write(b)],
  ] as const) {
    try {
      write(readFileSync(file));
    } catch {
      /* nothing written */
    }
  }
  const how = r.error !== undefined ? `could not run: ${r.error}` : r.code === 0 ? 'exit 0' : r.code !== null ? `exit ${r.code}` : `killed by signal ${r.signal}`;
  const line = `reduce: ${how} (${formatSeconds(r.ms)}); output in ${r.stdout}`;
  p.line(r.code === 0 ? line : p.c.red(line));
}

export function renderStatus(s: StatusResult, p: Printer): void {
  if (p.json) {
    p.document(
      envelope('jobs status', s.exitCode, [], {
        runs: s.runs.map((r) => ({
        runId: r.runId,
        command: r.meta.kind,
        project: r.meta.project,
        outputDir: r.meta.outputDir,
        counts: r.counts,
        running: r.running,
        owner: r.owner,
        sessions: r.sessions,
          failed: r.failed.map((t) => ({ id: t.spec.id, host: t.host, reason: t.reason, attempts: t.attempts })),
        })),
      }),
    );
    return;
  }
  if (s.runs.length === 0) {
    p.line('No jobs runs here (.director/jobs is empty).');
    return;
  }
  for (const r of s.runs) p.line(statusLine(r));
  if (!s.named) return;
  const r = s.runs[0] as RunStatus;
  for (const t of r.failed.slice(0, FAILED_SHOWN)) p.line(`  ${failedLine(t)}`);
  if (r.failed.length > FAILED_SHOWN) p.line(`  … and ${r.failed.length - FAILED_SHOWN} more`);
  p.line(`output: ${r.meta.outputDir}`);
}

function statusLine(r: RunStatus): string {
  const what = r.meta.kind === 'map' ? `map ${r.meta.script?.name ?? ''} ${r.meta.project ?? ''}` : `jobs ${r.meta.jobFile ?? ''}`;
  const c = r.counts;
  const state =
    r.owner !== undefined
      ? `running (pid ${r.owner})`
      : c.pending === 0 && c.failed === 0
        ? 'finished'
        : r.running > 0
          ? `stopped with ${r.running} running (they run again on resume)`
          : 'stopped';
  return `${r.runId}  ${what.trim()}  ${formatCount(c.done)}/${formatCount(c.tasks)} done, ${formatCount(c.failed)} failed, ${formatCount(c.pending)} pending  ${state}`;
}
