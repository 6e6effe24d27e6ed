import { ECHO } from '../../commands/echo-start.js';
import { serviceStop } from '../../commands/service-stop.js';
import { renderEchoShutdown } from '../../output/echo-remote.js';
import { parseGrace } from '../../services/names.js';
import type { ActionContext } from '../context.js';

export default async function shutdownAction(o: { grace?: string }, ctx: ActionContext): Promise<number> {
  const result = await serviceStop({ name: ECHO, graceS: parseGrace(o.grace) }, { fleet: ctx.fleet() });
  renderEchoShutdown(result, ctx.p);
  return result.exitCode;
}
