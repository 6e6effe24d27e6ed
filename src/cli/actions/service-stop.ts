import { serviceStop } from '../../commands/service-stop.js';
import { renderServiceStop } from '../../output/service.js';
import { checkServiceName, parseGrace } from '../../services/names.js';
import type { ActionContext } from '../context.js';

export default async function serviceStopAction(args: { name: string; opts: { grace?: string } }, ctx: ActionContext): Promise<number> {
  const name = checkServiceName(args.name);
  const result = await serviceStop({ name, graceS: parseGrace(args.opts.grace) }, { fleet: ctx.fleet() });
  renderServiceStop(result, ctx.p);
  return result.exitCode;
}
