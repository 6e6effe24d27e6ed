import { resolve } from 'node:path';
import { checkResume, jobsResume } from '../../commands/jobs.js';
import { STATE_DIR } from '../../transfer/placement-record.js';
import type { ActionContext } from '../context.js';
import { withProgress } from '../task-options.js';

export default async function jobsResumeAction(a: { runId: string; failed?: boolean }, ctx: ActionContext): Promise<number> {
  const opts = { runId: a.runId, stateDir: resolve(STATE_DIR), failed: a.failed === true };
  checkResume(opts); // an unknown run fails before any client is contacted
  return withProgress(ctx, 'jobs resume', (deps) => jobsResume(opts, deps));
}
