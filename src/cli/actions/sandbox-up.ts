import { Printer } from '../../output/printer.js';
import { renderSandboxUp } from '../../output/sandbox.js';
import { sandboxUp } from '../../commands/sandbox.js';
import { EXIT } from '../exit-codes.js';
import { parseGlobals, positiveInt, type RawGlobals } from '../globals.js';
import type { ActionContext } from '../guard.js';

export default async function sandboxUpAction(raw: RawGlobals, opts: { count: string; dir: string }, _ctx: ActionContext): Promise<number> {
  const g = parseGlobals(raw);
  const p = new Printer(g);
  const count = positiveInt(opts.count, '-n, --count');
  const result = await sandboxUp({ count, dir: opts.dir });
  renderSandboxUp(result, p);
  return EXIT.ok;
}
