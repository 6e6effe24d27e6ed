import { status } from '../../commands/status.js';
import { Printer } from '../../output/printer.js';
import { renderStatus, statusOk } from '../../output/status.js';
import { buildFleet } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { RawGlobals } from '../globals.js';
import { parseGlobals } from '../globals.js';
import type { ActionContext } from '../guard.js';

export default async function statusAction(raw: RawGlobals, opts: { ssh?: boolean }, ctx: ActionContext): Promise<number> {
  const g = parseGlobals(raw);
  const p = new Printer(g);
  const { clients, fleet, targets } = buildFleet(g, { signal: ctx.signal, notice: (m) => p.noteOnce(m) });
  const all = await status({ ssh: opts.ssh === true }, { clients, fleet, targets });
  renderStatus(all, p);
  return statusOk(all) ? EXIT.ok : EXIT.failed;
}
