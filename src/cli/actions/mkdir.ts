import { mkdir, mkdirTarget } from '../../commands/mkdir.js';
import { renderMkdir } from '../../output/mkdir.js';
import { Printer } from '../../output/printer.js';
import { buildFleet } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { parseGlobals, type RawGlobals } from '../globals.js';
import type { ActionContext } from '../guard.js';

export default async function mkdirAction(raw: RawGlobals, args: { path: string; dirName: string }, ctx: ActionContext): Promise<number> {
  const g = parseGlobals(raw);
  const p = new Printer(g);
  const target = mkdirTarget(args); // bad names are refused before any client is contacted
  const { fleet } = buildFleet(g, { signal: ctx.signal, notice: (m) => p.noteOnce(m) });
  const results = await mkdir(args, { fleet });
  renderMkdir(results, target, p);
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
}
