import { checkBind, echoStart } from '../../commands/echo-start.js';
import { loadPorts } from '../../config/load.js';
import { renderEchoStart } from '../../output/echo-remote.js';
import { parseGrace, parseRestart } from '../../services/names.js';
import type { ActionContext } from '../context.js';
import { positiveNumber } from '../globals.js';

export interface StartArgs {
  bind?: string;
  idleTimeout?: string;
  restart?: string;
  replace?: boolean;
  grace?: string;
}

export default async function startAction(o: StartArgs, ctx: ActionContext): Promise<number> {
  const ports = loadPorts(ctx.g.ports).map((e) => e.port);
  const result = await echoStart(
    {
      ports,
      bind: checkBind(o.bind ?? '127.0.0.1'),
      idleMs: Math.round(positiveNumber(o.idleTimeout ?? '60', '--idle-timeout') * 1000),
      restart: parseRestart(o.restart),
      replace: o.replace === true,
      graceS: parseGrace(o.grace),
    },
    { fleet: ctx.fleet() },
  );
  renderEchoStart(result, ctx.p);
  return result.exitCode;
}
