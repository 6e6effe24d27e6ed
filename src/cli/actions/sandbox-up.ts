import { sandboxUp } from '../../commands/sandbox.js';
import { renderSandboxUp } from '../../output/sandbox.js';
import type { ActionContext } from '../context.js';
import { positiveInt } from '../globals.js';

export default async function sandboxUpAction(opts: { count: string; dir: string }, ctx: ActionContext): Promise<number> {
  const result = await sandboxUp({ count: positiveInt(opts.count, '-n, --count'), dir: opts.dir });
  renderSandboxUp(result, ctx.p);
  return result.exitCode;
}
