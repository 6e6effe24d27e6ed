import { map } from '../../commands/map.js';
import { UsageError } from '../../config/errors.js';
import type { ActionContext } from '../context.js';
import { taskRunOptions, withProgress, type TaskCliOptions } from '../task-options.js';

export interface MapCliArgs {
  opts: TaskCliOptions;
  operands: string[];
  argv: string[];
}

export default async function mapAction(a: MapCliArgs, ctx: ActionContext): Promise<number> {
  const dash = a.argv.indexOf('--');
  const after = dash === -1 ? 0 : a.argv.length - dash - 1;
  const [script, project, ...extra] = a.operands.slice(0, a.operands.length - after);
  if (script === undefined || project === undefined) throw new UsageError('map: give <script> <project>');
  if (extra.length > 0) throw new UsageError('map: arguments for the script go after "--": director map <script> <project> -- <args…>');
  const opts = { ...taskRunOptions(a.opts, ctx), script, project, args: a.operands.slice(a.operands.length - after) };
  return withProgress(ctx, 'map', (deps) => map(opts, deps));
}
