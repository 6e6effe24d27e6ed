import { jobsRun } from '../../commands/jobs.js';
import type { ActionContext } from '../context.js';
import { taskRunOptions, withProgress, type TaskCliOptions } from '../task-options.js';

export default async function jobsRunAction(a: { jobFile: string; opts: TaskCliOptions & { project?: string } }, ctx: ActionContext): Promise<number> {
  const opts = { ...taskRunOptions(a.opts, ctx), jobFile: a.jobFile, ...(a.opts.project !== undefined ? { project: a.opts.project } : {}) };
  return withProgress(ctx, 'jobs run', (deps) => jobsRun(opts, deps));
}
