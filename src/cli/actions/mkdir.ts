import { mkdir, mkdirTarget, type MkdirOptions } from '../../commands/mkdir.js';
import { renderMkdir } from '../../output/mkdir.js';
import type { ActionContext } from '../context.js';

export default async function mkdirAction(args: MkdirOptions, ctx: ActionContext): Promise<number> {
  mkdirTarget(args); // bad names are refused before clients.conf is read or a client contacted
  const result = await mkdir(args, { fleet: ctx.fleet() });
  renderMkdir(result, ctx.p);
  return result.exitCode;
}
