import { resolve } from 'node:path';
import { jobsStatus } from '../../commands/jobs.js';
import { renderStatus } from '../../output/jobs.js';
import { STATE_DIR } from '../../transfer/placement-record.js';
import type { ActionContext } from '../context.js';

export default async function jobsStatusAction(a: { runId?: string }, ctx: ActionContext): Promise<number> {
  const result = await jobsStatus({ stateDir: resolve(STATE_DIR), ...(a.runId !== undefined ? { runId: a.runId } : {}) });
  renderStatus(result, ctx.p);
  return result.exitCode;
}
