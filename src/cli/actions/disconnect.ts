import { disconnect } from '../../commands/disconnect.js';
import { keeperKey } from '../../keeper/key.js';
import { privateKeeperDir } from '../../keeper/place.cjs';
import { renderDisconnect } from '../../output/keeper.js';
import type { ActionContext } from '../context.js';

export default async function disconnectAction(opts: { all?: boolean }, ctx: ActionContext): Promise<number> {
  const result = await disconnect({ all: opts.all === true, key: keeperKey(ctx.g) }, { dir: privateKeeperDir() });
  renderDisconnect(result, ctx.p);
  return result.exitCode;
}
