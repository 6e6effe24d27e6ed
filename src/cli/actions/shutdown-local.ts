import { shutdownLocal } from '../../commands/shutdown-local.js';
import { stateFileIn } from '../../local/state.js';
import { renderShutdownLocal, shutdownOk } from '../../output/local.js';
import { Printer } from '../../output/printer.js';
import { EXIT } from '../exit-codes.js';
import { parseGlobals, type RawGlobals } from '../globals.js';
import type { ActionContext } from '../guard.js';

export default async function shutdownLocalAction(raw: RawGlobals, _opts: unknown, _ctx: ActionContext): Promise<number> {
  const p = new Printer(parseGlobals(raw));
  const result = await shutdownLocal({ stateFile: stateFileIn(process.cwd()), graceMs: 3000 });
  renderShutdownLocal(result, p);
  return shutdownOk(result) ? EXIT.ok : EXIT.failed;
}
