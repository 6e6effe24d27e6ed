import { shutdownLocal } from '../../commands/shutdown-local.js';
import { stateFileIn } from '../../local/state.js';
import { renderShutdownLocal } from '../../output/local.js';
import type { ActionContext } from '../context.js';

export default async function shutdownLocalAction(_opts: unknown, ctx: ActionContext): Promise<number> {
  const result = await shutdownLocal({ stateFile: stateFileIn(process.cwd()), graceMs: 3000 });
  renderShutdownLocal(result, ctx.p);
  return result.exitCode;
}
