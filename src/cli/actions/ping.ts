import { ping } from '../../commands/ping.js';
import { loadPorts } from '../../config/load.js';
import { pingOk, renderPing } from '../../output/local.js';
import { Printer } from '../../output/printer.js';
import { EXIT } from '../exit-codes.js';
import { parseGlobals, positiveInt, type RawGlobals } from '../globals.js';
import type { ActionContext } from '../guard.js';

/** Without -t, a local service that takes longer than this to answer counts as down. */
const DEFAULT_TIMEOUT_S = 2;

export default async function pingAction(raw: RawGlobals, opts: { count?: string }, ctx: ActionContext): Promise<number> {
  const g = parseGlobals(raw);
  const p = new Printer(g);
  const count = positiveInt(opts.count ?? '1', '-n, --count');
  const ports = loadPorts(g.ports).map((e) => e.port);
  const results = await ping({ ports, count, timeoutMs: (g.timeout ?? DEFAULT_TIMEOUT_S) * 1000 }, { signal: ctx.signal });
  renderPing(results, count, p);
  return pingOk(results) ? EXIT.ok : EXIT.failed;
}
