import { copy, checkDest, checkOwner, parseMode, type CopyOptions } from '../../commands/copy.js';
import { copySources } from '../../transfer/local-sources.js';
import { pushProgress, renderPushResult, renderPushStart } from '../../output/push.js';
import type { ActionContext } from '../context.js';

export default async function copyAction(a: CopyOptions, ctx: ActionContext): Promise<number> {
  // Bad operands are refused before clients.conf is read or a client contacted.
  checkDest(a.dest, 'copy');
  parseMode(a.mode);
  checkOwner(a.owner);
  const local = await copySources(a.sources);
  const fleet = ctx.fleet();
  renderPushStart({ local }, 'copy', a.dest, fleet.clients.length, ctx.p);
  const result = await copy(a, { fleet, local, onEvent: pushProgress(ctx.p) });
  renderPushResult(result, ctx.p);
  return result.exitCode;
}
