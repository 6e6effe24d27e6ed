// The options map and jobs run share, validated from what commander parsed.
import { resolve } from 'node:path';
import type { TaskRunOptions } from '../commands/map.js';
import { UsageError } from '../config/errors.js';
import type { JobsOutcome } from '../jobs/outcome.js';
import { MAX_SLOTS } from '../jobs/remote-task.js';
import type { SessionDeps } from '../jobs/run-session.js';
import { JobsProgress, renderJobsOutcome } from '../output/jobs.js';
import type { Fleet } from '../ssh/fleet.js';
import { STATE_DIR } from '../transfer/placement-record.js';
import type { ActionContext } from './context.js';
import { positiveInt } from './globals.js';

export interface TaskCliOptions {
  slots?: string;
  retries?: string;
  lostRetries?: string;
  output?: string;
  remoteRoot?: string;
  reduce?: string;
  reduceFiles?: boolean;
}

export function taskRunOptions(o: TaskCliOptions, ctx: ActionContext): TaskRunOptions {
  const g = ctx.g;
  const slots = o.slots === undefined ? undefined : positiveInt(o.slots, '-j, --slots');
  if (slots !== undefined && slots > MAX_SLOTS) ctx.p.noteOnce(SLOTS_CAPPED);
  if (o.reduceFiles && o.reduce === undefined) throw new UsageError('--reduce-files goes with --reduce <command>');
  if (o.reduce !== undefined && o.reduce.trim() === '') throw new UsageError('--reduce: give a command');
  return {
    outputRoot: o.output ?? 'output',
    stateDir: resolve(STATE_DIR),
    ...(o.remoteRoot !== undefined ? { remoteRoot: o.remoteRoot } : {}),
    // One connection per client carries at most MAX_SLOTS task channels (see README: slots).
    ...(slots !== undefined ? { slots: Math.min(slots, MAX_SLOTS) } : {}),
    retries: o.retries === undefined ? 0 : wholeNumber(o.retries, '--retries'),
    lostRetries: o.lostRetries === undefined ? 1 : wholeNumber(o.lostRetries, '--lost-retries'),
    ...(g.timeout !== undefined ? { timeoutMs: g.timeout * 1000 } : {}),
    ...(o.reduce !== undefined ? { reduce: { command: o.reduce, files: o.reduceFiles === true } } : {}),
  };
}

function wholeNumber(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} wants a whole number >= 0 (got "${text}")`);
  return Number(text);
}

/** Runs map, jobs run or jobs resume with the live progress, then renders the outcome. */
export async function withProgress(ctx: ActionContext, command: string, run: (deps: SessionDeps & { fleet: Fleet }) => Promise<JobsOutcome>): Promise<number> {
  const progress = new JobsProgress(ctx.p);
  const outcome = await run({ fleet: ctx.fleet(), events: progress.events, onStart: (r, n) => progress.begin(r, n) });
  progress.clear();
  renderJobsOutcome(outcome, ctx.p, command);
  return outcome.exitCode;
}

const SLOTS_CAPPED = `-j: at most ${MAX_SLOTS} tasks at once per client: they share its one SSH connection, and sshd allows 10 channels on one (MaxSessions), two of which stay free for kills and fetches`;
