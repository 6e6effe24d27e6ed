import { ping } from '../../commands/ping.js';
import { pingRemote } from '../../commands/ping-remote.js';
import { renderPingRemote } from '../../output/echo-remote.js';
import { renderPing } from '../../output/local.js';
import type { ActionContext } from '../context.js';
import { positiveInt } from '../globals.js';

/** Without -t, an echo service that takes longer than this to answer counts as down. */
const DEFAULT_TIMEOUT_S = 2;

export default async function pingAction(opts: { count?: string; remote?: boolean }, ctx: ActionContext): Promise<number> {
  const count = positiveInt(opts.count ?? '1', '-n, --count');
  const ports = ctx.ports();
  const timeoutMs = (ctx.g.timeout ?? DEFAULT_TIMEOUT_S) * 1000;
  if (opts.remote === true) {
    const result = await pingRemote({ ports, count, timeoutMs }, { fleet: ctx.fleet() });
    renderPingRemote(result, ctx.p);
    return result.exitCode;
  }
  const result = await ping({ ports, count, timeoutMs }, { signal: ctx.signal });
  renderPing(result, ctx.p);
  return result.exitCode;
}
