import { setMaxListeners } from 'node:events';
// Runs one command action: turns configuration and usage errors into exit code 2 with a
// clear message, Ctrl-C and SIGTERM into an abort signal (exit 130 or 143, after remote
// commands are stopped and records written), and anything unexpected into a one-line
// report instead of a stack trace. The caller is this process, or the director process a
// connection keeper runs the command for (caller.ts).
import { ConfigError, UsageError } from '../config/errors.js';
import { EXIT, Interrupt, interruptedExit } from '../exit-codes.js';
import { takeCaller, type Caller, type InterruptBy } from './caller.js';
import { ActionContext } from './context.js';
import type { RawGlobals } from './globals.js';

export async function guard(raw: RawGlobals, action: (ctx: ActionContext) => Promise<number>, caller: Caller = takeCaller()): Promise<void> {
  const controller = new AbortController();
  // Every remote command of a run listens on this one signal.
  setMaxListeners(0, controller.signal);
  const { stderr } = caller.io;
  let interrupts = 0;
  /** An action that handles Ctrl-C itself (director shell: it stops a line, not the shell). */
  let takenBy: ((by: InterruptBy) => void) | undefined;
  const stopListening = caller.listen((by: InterruptBy) => {
    if (takenBy) return takenBy(by);
    interrupts++;
    // A second signal means "now": leave without the tidy-up.
    if (interrupts > 1) return caller.quit(interruptedExit(controller.signal));
    const what = by === 'SIGINT' ? 'interrupted' : 'terminated';
    stderr.write(`\n${what}: stopping remote commands (${by === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again to quit at once)\n`);
    controller.abort(new Interrupt(by));
  });
  try {
    const takeInterrupts = (handler: (by: InterruptBy) => void) => {
      takenBy = handler;
      return () => (takenBy = undefined);
    };
    const code = await action(new ActionContext(raw, controller.signal, caller.io, takeInterrupts));
    caller.finish(controller.signal.aborted ? interruptedExit(controller.signal) : code);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof UsageError) {
      stderr.write(`director: ${e.message}\n`);
      caller.finish(EXIT.usage);
    } else {
      const err = e as Error;
      stderr.write(`director: ${err?.message ?? String(e)}\n`);
      if (process.env['DIRECTOR_DEBUG']) stderr.write(`${err?.stack ?? ''}\n`);
      caller.finish(controller.signal.aborted ? interruptedExit(controller.signal) : EXIT.failed);
    }
  } finally {
    stopListening();
  }
}
