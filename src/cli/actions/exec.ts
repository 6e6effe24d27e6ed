import { exec } from '../../commands/exec.js';
import type { ActionContext } from '../context.js';
import { secondsToMs, withRunContext, type RunCliArgs } from './run.js';

export default async function execAction(args: RunCliArgs, ctx: ActionContext): Promise<number> {
  const o = args.opts;
  return withRunContext(o, ctx, async ({ view, renderer, temp, stdin, fleet }) => {
    // Blocks and --json are read back from files: without -o they go to a spool removed afterwards.
    const spool = o.output === undefined && (view === 'inline' || view === 'fold' || ctx.p.json) ? temp.path('output') : undefined;
    const outcome = await exec(
      {
        words: args.operands,
        outputRoot: o.output ?? spool,
        gather: o.output !== undefined,
        keepRemote: o.keepRemote === true,
        timeoutMs: secondsToMs(ctx.g.timeout),
        stdin,
      },
      { fleet, events: renderer.events },
    );
    await renderer.finish(outcome, o.output !== undefined);
    return outcome.exitCode;
  });
}
