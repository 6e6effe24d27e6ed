import { setMaxListeners } from 'node:events';
// Runs one command action: turns configuration and usage errors into exit code 2 with a
// clear message, Ctrl-C and SIGTERM into an abort signal (exit 130 or 143, after remote
// commands are stopped and records written), and anything unexpected into a one-line
// report instead of a stack trace.
import { ConfigError, UsageError } from '../config/errors.js';
import { EXIT, Interrupt, interruptedExit } from '../exit-codes.js';
import { watchClosedOutput } from './closed-output.js';
import { errorEnvelope } from '../output/envelope.js';
import { Printer } from '../output/printer.js';
import { ActionContext } from './context.js';
import type { RawGlobals } from './globals.js';

/** `command`: as typed after `director` (`exec`, `sandbox up`), for the JSON of an error. */
export async function guard(raw: RawGlobals, command: string, action: (ctx: ActionContext) => Promise<number>): Promise<void> {
  const controller = new AbortController();
  // Every remote command of a run listens on this one signal.
  setMaxListeners(0, controller.signal);
  let ctx: ActionContext | undefined;
  let interrupts = 0;
  const onSignal = (by: 'SIGINT' | 'SIGTERM') => {
    interrupts++;
    // A second signal means "now": leave without the tidy-up.
    if (interrupts > 1) process.exit(interruptedExit(controller.signal));
    const what = by === 'SIGINT' ? 'interrupted' : 'terminated';
    const text = `${what}: stopping remote commands (${by === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again to quit at once)`;
    // Through the printer, which clears a progress line first; else on a line of its own
    // (after the terminal's echoed ^C).
    if (ctx?.p.liveShowing) ctx.p.note(text);
    else process.stderr.write(`\n${text}\n`);
    if (!controller.signal.aborted) controller.abort(new Interrupt(by));
  };
  const unwatch = watchClosedOutput([process.stdout, process.stderr], () => {
    if (!controller.signal.aborted) controller.abort(new Interrupt('SIGPIPE'));
  });
  const onSigint = () => onSignal('SIGINT');
  const onSigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    ctx = new ActionContext(raw, controller.signal);
    const code = await action(ctx);
    process.exitCode = controller.signal.aborted ? interruptedExit(controller.signal) : code;
  } catch (e) {
    if (closedOutput(controller.signal)) {
      // The reader is gone: nothing more to say to anyone.
      process.exitCode = interruptedExit(controller.signal);
    } else if (e instanceof ConfigError || e instanceof UsageError) {
      process.stderr.write(`director: ${e.message}\n`);
      process.exitCode = EXIT.usage;
      if (raw.json) printJson(errorEnvelope(command, EXIT.usage, e instanceof ConfigError ? 'config' : 'usage', e.message));
    } else {
      const err = e as Error;
      process.stderr.write(`director: ${err?.message ?? String(e)}\n`);
      if (process.env['DIRECTOR_DEBUG']) process.stderr.write(`${err?.stack ?? ''}\n`);
      process.exitCode = controller.signal.aborted ? interruptedExit(controller.signal) : EXIT.failed;
      if (raw.json) printJson(errorEnvelope(command, process.exitCode, 'internal', err?.message ?? String(e)));
    }
  } finally {
    unwatch();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}

/** Under --json a command that stopped still leaves its one document on stdout. */
function printJson(doc: unknown): void {
  new Printer({ json: true, color: false }).document(doc);
}

function closedOutput(signal: AbortSignal): boolean {
  return signal.reason instanceof Interrupt && signal.reason.by === 'SIGPIPE';
}
