import { setMaxListeners } from 'node:events';
// Runs one command action: turns configuration and usage errors into exit code 2 with a
// clear message, Ctrl-C into an abort signal (and exit 130), and anything unexpected into
// a one-line report instead of a stack trace.
import { ConfigError, UsageError } from '../config/errors.js';
import { EXIT } from './exit-codes.js';

export interface ActionContext {
  signal: AbortSignal;
}

export async function guard(action: (ctx: ActionContext) => Promise<number>): Promise<void> {
  const controller = new AbortController();
  // Every remote command of a run listens on this one signal.
  setMaxListeners(0, controller.signal);
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    process.stderr.write('\ninterrupted: stopping remote commands (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const code = await action({ signal: controller.signal });
    process.exitCode = controller.signal.aborted ? EXIT.interrupted : code;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof UsageError) {
      process.stderr.write(`director: ${e.message}\n`);
      process.exitCode = EXIT.usage;
    } else {
      const err = e as Error;
      process.stderr.write(`director: ${err?.message ?? String(e)}\n`);
      if (process.env['DIRECTOR_DEBUG']) process.stderr.write(`${err?.stack ?? ''}\n`);
      process.exitCode = controller.signal.aborted ? EXIT.interrupted : EXIT.failed;
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}
