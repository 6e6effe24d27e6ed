import { serviceStart } from '../../commands/service-start.js';
import { renderServiceStart } from '../../output/service.js';
import { checkServiceName, parseGrace } from '../../services/names.js';
import type { ActionContext } from '../context.js';

export default async function serviceRestartAction(args: { name: string; opts: { grace?: string } }, ctx: ActionContext): Promise<number> {
  const name = checkServiceName(args.name);
  const result = await serviceStart({ name, graceS: parseGrace(args.opts.grace) }, { fleet: ctx.fleet() });
  renderServiceStart(result, ctx.p);
  return result.exitCode;
}
