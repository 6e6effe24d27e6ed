import { resolve } from 'node:path';
import { checkResume, jobsResume } from '../../commands/jobs.js';
import { JobsProgress, renderJobsOutcome } from '../../output/jobs.js';
import { STATE_DIR } from '../../transfer/placement-record.js';
import type { ActionContext } from '../context.js';

export default async function jobsResumeAction(a: { runId: string; failed?: boolean }, ctx: ActionContext): Promise<number> {
  const opts = { runId: a.runId, stateDir: resolve(STATE_DIR), failed: a.failed === true };
  checkResume(opts);
  const progress = new JobsProgress(ctx.p);
  const outcome = await jobsResume(opts, { fleet: ctx.fleet(), events: progress.events, onStart: (r, n) => progress.begin(r, n) });
  progress.clear();
  renderJobsOutcome(outcome, ctx.p);
  return outcome.exitCode;
}
