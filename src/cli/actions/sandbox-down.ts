import { Printer } from '../../output/printer.js';
import { renderSandboxDown } from '../../output/sandbox.js';
import { sandboxDown } from '../../commands/sandbox.js';
import { EXIT } from '../exit-codes.js';
import { parseGlobals, type RawGlobals } from '../globals.js';
import type { ActionContext } from '../guard.js';

export default async function sandboxDownAction(raw: RawGlobals, opts: { dir: string }, _ctx: ActionContext): Promise<number> {
  const g = parseGlobals(raw);
  const p = new Printer(g);
  renderSandboxDown(await sandboxDown({ dir: opts.dir }), p);
  return EXIT.ok;
}
