import { jobsRun } from '../../commands/jobs.js';
import { JobsProgress, renderJobsOutcome } from '../../output/jobs.js';
import type { ActionContext } from '../context.js';
import { SLOTS_CAPPED, taskRunOptions, type TaskCliOptions } from '../task-options.js';

export default async function jobsRunAction(a: { jobFile: string; opts: TaskCliOptions & { project?: string } }, ctx: ActionContext): Promise<number> {
  const opts = { ...taskRunOptions(a.opts, ctx.g), jobFile: a.jobFile, ...(a.opts.project !== undefined ? { project: a.opts.project } : {}) };
  if (opts.slotsCapped) ctx.p.noteOnce(SLOTS_CAPPED);
  const progress = new JobsProgress(ctx.p);
  const outcome = await jobsRun(opts, { fleet: ctx.fleet(), events: progress.events, onStart: (r, n) => progress.begin(r, n) });
  progress.clear();
  renderJobsOutcome(outcome, ctx.p);
  return outcome.exitCode;
}
