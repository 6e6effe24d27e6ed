import { ping } from '../../commands/ping.js';
import { renderPing } from '../../output/local.js';
import type { ActionContext } from '../context.js';
import { positiveInt } from '../globals.js';

/** Without -t, a local service that takes longer than this to answer counts as down. */
const DEFAULT_TIMEOUT_S = 2;

export default async function pingAction(opts: { count?: string }, ctx: ActionContext): Promise<number> {
  const count = positiveInt(opts.count ?? '1', '-n, --count');
  const ports = ctx.ports();
  const result = await ping({ ports, count, timeoutMs: (ctx.g.timeout ?? DEFAULT_TIMEOUT_S) * 1000 }, { signal: ctx.signal });
  renderPing(result, ctx.p);
  return result.exitCode;
}
