import { checkSync, sync, type SyncOptions } from '../../commands/sync.js';
import { syncSources } from '../../transfer/local-sources.js';
import { pushProgress, renderPushResult, renderPushStart } from '../../output/push.js';
import type { ActionContext } from '../context.js';

export default async function syncAction(a: SyncOptions, ctx: ActionContext): Promise<number> {
  checkSync(a);
  renderPushStart({ local: await syncSources(a.dir) }, 'sync', a.dest, ctx.clients().length, ctx.p);
  const result = await sync(a, { fleet: ctx.fleet(), onEvent: pushProgress(ctx.p, a.dryRun) });
  renderPushResult(result, ctx.p);
  return result.exitCode;
}
