import { serviceStatus } from '../../commands/service-status.js';
import { renderServiceStatus } from '../../output/service.js';
import { checkServiceName } from '../../services/names.js';
import type { ActionContext } from '../context.js';

export default async function serviceStatusAction(args: { name?: string; opts: { fold?: boolean } }, ctx: ActionContext): Promise<number> {
  const name = args.name === undefined ? undefined : checkServiceName(args.name);
  const timeoutMs = ctx.g.timeout === undefined ? undefined : ctx.g.timeout * 1000;
  const result = await serviceStatus({ ...(name !== undefined ? { name } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) }, { fleet: ctx.fleet() });
  renderServiceStatus(result, ctx.p, args.opts.fold === true);
  return result.exitCode;
}
