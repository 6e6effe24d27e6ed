import { status } from '../../commands/status.js';
import { renderStatus } from '../../output/status.js';
import type { ActionContext } from '../context.js';

export default async function statusAction(opts: { ssh?: boolean }, ctx: ActionContext): Promise<number> {
  const result = await status({ ssh: opts.ssh === true }, { fleet: ctx.fleet() });
  renderStatus(result, ctx.p);
  return result.exitCode;
}
