import { keeperStatus } from '../../commands/keeper-status.js';
import { status } from '../../commands/status.js';
import { keeperKey } from '../../keeper/key.js';
import { privateKeeperDir } from '../../keeper/place.cjs';
import { renderKeeperStatus } from '../../output/keeper.js';
import { renderStatus } from '../../output/status.js';
import type { ActionContext } from '../context.js';

export default async function statusAction(opts: { ssh?: boolean; keeper?: boolean }, ctx: ActionContext): Promise<number> {
  if (opts.keeper === true) {
    const kept = await keeperStatus({ key: keeperKey(ctx.g) }, { dir: privateKeeperDir() });
    renderKeeperStatus(kept, ctx.p);
    return kept.exitCode;
  }
  const result = await status({ ssh: opts.ssh === true }, { fleet: ctx.fleet() });
  renderStatus(result, ctx.p);
  return result.exitCode;
}
