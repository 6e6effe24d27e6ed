import { serviceLogs } from '../../commands/service-logs.js';
import { LogLines, renderServiceLogs } from '../../output/service.js';
import { checkServiceName } from '../../services/names.js';
import type { ActionContext } from '../context.js';
import { positiveInt } from '../globals.js';

export default async function serviceLogsAction(args: { name: string; opts: { lines?: string; follow?: boolean } }, ctx: ActionContext): Promise<number> {
  const name = checkServiceName(args.name);
  const lines = positiveInt(args.opts.lines ?? '10', '-n, --lines');
  const follow = args.opts.follow === true;
  const live = new LogLines(ctx.p);
  const timeoutMs = ctx.g.timeout === undefined ? undefined : ctx.g.timeout * 1000;
  const result = await serviceLogs(
    { name, lines, follow, ...(timeoutMs !== undefined ? { timeoutMs } : {}) },
    { fleet: ctx.fleet(), events: { lines: (client, block) => live.lines(client, block) } },
  );
  renderServiceLogs(result, ctx.p);
  return result.exitCode;
}
