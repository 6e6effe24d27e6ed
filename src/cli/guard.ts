import { setMaxListeners } from 'node:events';
// Runs one command action: turns configuration and usage errors into exit code 2 with a
// clear message, Ctrl-C and SIGTERM into an abort signal (exit 130 or 143, after remote
// commands are stopped and records written), and anything unexpected into a one-line
// report instead of a stack trace. The caller is this process, or the director process a
// connection keeper runs the command for (caller.ts).
import { ConfigError, UsageError } from '../config/errors.js';
import { EXIT, Interrupt, interruptedExit } from '../exit-codes.cjs';
import { takeCaller, type Caller, type InterruptBy } from './caller.js';
import { watchClosedOutput } from './closed-output.js';
import { errorEnvelope } from '../output/envelope.js';
import { Printer } from '../output/printer.js';
import { ActionContext } from './context.js';
import type { RawGlobals } from './globals.js';

/** `command`: as typed after `director` (`exec`, `sandbox up`), for the JSON of an error. */
export async function guard(raw: RawGlobals, command: string, action: (ctx: ActionContext) => Promise<number>, caller: Caller = takeCaller()): Promise<void> {
  const controller = new AbortController();
  // Every remote command of a run listens on this one signal.
  setMaxListeners(0, controller.signal);
  const { stdout, stderr } = caller.io;
  let ctx: ActionContext | undefined;
  let interrupts = 0;
  /** An action that handles Ctrl-C itself (director shell: it stops a line, not the shell). */
  let takenBy: ((by: InterruptBy) => void) | undefined;
  const stop = (by: Interrupt['by']) => {
    if (!controller.signal.aborted) controller.abort(new Interrupt(by));
  };
  const stopListening = caller.listen((by: InterruptBy) => {
    // The caller's stdout closed (a keeper's caller piped into `head`): stop without a word.
    if (by === 'SIGPIPE') return stop(by);
    if (takenBy) return takenBy(by);
    interrupts++;
    // A second signal means "now": leave without the tidy-up.
    if (interrupts > 1) return caller.quit(interruptedExit(controller.signal));
    const what = by === 'SIGINT' ? 'interrupted' : 'terminated';
    const text = `${what}: stopping remote commands (${by === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again to quit at once)`;
    // Through the printer, which clears a progress line first; else on a line of its own
    // (after the terminal's echoed ^C).
    if (ctx?.p.liveShowing) ctx.p.note(text);
    else stderr.write(`\n${text}\n`);
    stop(by);
  });
  const unwatch = watchClosedOutput([stdout, stderr], () => stop('SIGPIPE'));
  const takeInterrupts = (handler: (by: InterruptBy) => void) => {
    takenBy = handler;
    return () => (takenBy = undefined);
  };
  try {
    ctx = new ActionContext(raw, controller.signal, caller.io, takeInterrupts);
    const code = await action(ctx);
    caller.finish(controller.signal.aborted ? interruptedExit(controller.signal) : code);
  } catch (e) {
    if (closedOutput(controller.signal)) {
      // The reader is gone: nothing more to say to anyone.
      caller.finish(interruptedExit(controller.signal));
    } else if (e instanceof ConfigError || e instanceof UsageError) {
      stderr.write(`director: ${e.message}\n`);
      caller.finish(EXIT.usage);
      if (raw.json) printJson(stdout, errorEnvelope(command, EXIT.usage, e instanceof ConfigError ? 'config' : 'usage', e.message));
    } else {
      const err = e as Error;
      const code = controller.signal.aborted ? interruptedExit(controller.signal) : EXIT.failed;
      stderr.write(`director: ${err?.message ?? String(e)}\n`);
      if (process.env['DIRECTOR_DEBUG']) stderr.write(`${err?.stack ?? ''}\n`);
      caller.finish(code);
      if (raw.json) printJson(stdout, errorEnvelope(command, code, 'internal', err?.message ?? String(e)));
    }
  } finally {
    unwatch();
    stopListening();
  }
}

/** Under --json a command that stopped still leaves its one document on stdout. */
function printJson(stdout: NodeJS.WritableStream, doc: unknown): void {
  new Printer({ json: true, color: false, stdout }).document(doc);
}

function closedOutput(signal: AbortSignal): boolean {
  return signal.reason instanceof Interrupt && signal.reason.by === 'SIGPIPE';
}
