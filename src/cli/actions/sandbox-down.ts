import { sandboxDown } from '../../commands/sandbox.js';
import { renderSandboxDown } from '../../output/sandbox.js';
import type { ActionContext } from '../context.js';

export default async function sandboxDownAction(opts: { dir: string }, ctx: ActionContext): Promise<number> {
  const result = await sandboxDown({ dir: opts.dir });
  renderSandboxDown(result, ctx.p);
  return result.exitCode;
}
