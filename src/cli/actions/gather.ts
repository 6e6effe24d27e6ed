import { checkGather, gather, type GatherOptions } from '../../commands/gather.js';
import { gatherLine, renderGather } from '../../output/gather.js';
import type { ActionContext } from '../context.js';

export default async function gatherAction(a: GatherOptions, ctx: ActionContext): Promise<number> {
  checkGather(a); // a bad pattern is refused before clients.conf is read or a client contacted
  const result = await gather(a, { fleet: ctx.fleet(), onDone: (o) => ctx.p.line(gatherLine(o, ctx.p)) });
  renderGather(result, ctx.p);
  return result.exitCode;
}
