import { exec } from '../../commands/exec.js';
import type { ActionContext } from '../guard.js';
import type { RawGlobals } from '../globals.js';
import { withRunContext, type RunCliArgs } from './run.js';

export default async function execAction(raw: RawGlobals, args: RunCliArgs, ctx: ActionContext): Promise<number> {
  const o = args.opts;
  return withRunContext(raw, o, ctx, async ({ g, view, renderer, temp, stdin, fleet }) => {
    // Blocks and --json are read back from files: without -o they go to a spool removed afterwards.
    const spool = o.output === undefined && (view === 'inline' || view === 'fold' || g.json) ? temp.path('output') : undefined;
    const outputRoot = o.output ?? spool;
    const outcome = await exec(
      {
        words: args.operands,
        ...(outputRoot !== undefined ? { outputRoot } : {}),
        gather: o.output !== undefined,
        keepRemote: o.keepRemote === true,
        ...(g.timeout !== undefined ? { timeoutMs: g.timeout * 1000 } : {}),
        ...(stdin ? { stdin } : {}),
        signal: ctx.signal,
      },
      { fleet, events: renderer.events },
    );
    await renderer.finish(outcome, o.output !== undefined);
    return outcome.exitCode;
  });
}
