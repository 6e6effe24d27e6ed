import { serviceStart, checkStartOptions, type ServiceStartOptions } from '../../commands/service-start.js';
import { renderServiceStart } from '../../output/service.js';
import { parseGrace, parseLogLimit, parsePort, parseRestart } from '../../services/names.js';
import type { ActionContext } from '../context.js';

export interface ServiceStartArgs {
  name: string;
  words: string[];
  opts: { port?: string; restart?: string; replace?: boolean; grace?: string; logLimit?: string };
}

export default async function serviceStartAction(args: ServiceStartArgs, ctx: ActionContext): Promise<number> {
  const o = args.opts;
  const opts: ServiceStartOptions = {
    name: args.name,
    words: args.words,
    ports: o.port === undefined ? [] : [parsePort(o.port)],
    restart: parseRestart(o.restart),
    replace: o.replace === true,
    graceS: parseGrace(o.grace),
    logLimit: parseLogLimit(o.logLimit),
  };
  checkStartOptions(opts); // bad names and commands are refused before any client is contacted
  const result = await serviceStart(opts, { fleet: ctx.fleet() });
  renderServiceStart(result, ctx.p);
  return result.exitCode;
}
