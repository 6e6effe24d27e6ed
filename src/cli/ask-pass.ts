// -A: the password asked for once, on the terminal itself (/dev/tty, so a redirected stdin or
// stdout does not matter), never echoed. It stays in memory: never in argv, the environment,
// a file or a log.
import { closeSync, openSync, writeSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { UsageError } from '../config/errors.js';
import { Interrupt } from '../exit-codes.cjs';

const PROMPT = 'Password for the clients (asked once; not shown): ';

/**
 * Ctrl-C while typing is Ctrl-C for the command: the terminal is raw, so the key is read here
 * and sent on as SIGINT; the command's abort (`signal`) ends the prompt with the terminal
 * restored.
 */
export function askPassword(signal?: AbortSignal, tty = '/dev/tty'): Promise<string> {
  let fd: number;
  let input: ReadStream;
  try {
    fd = openSync(tty, 'r+');
  } catch {
    return Promise.reject(new UsageError('-A, --ask-pass needs a terminal to ask on (/dev/tty cannot be opened)'));
  }
  try {
    // From here the stream owns the descriptor and closes it when destroyed.
    input = new ReadStream(fd);
  } catch (e) {
    closeSync(fd);
    return Promise.reject(new UsageError(`-A, --ask-pass needs a terminal to ask on (${(e as Error).message})`));
  }
  return new Promise<string>((resolve, reject) => {
    let typed = '';
    const restore = () => input.setRawMode(false);
    process.once('exit', restore);
    const onAbort = () => finish(signal?.reason instanceof Interrupt ? signal.reason : new Interrupt('SIGINT'));
    const finish = (error?: Error) => {
      signal?.removeEventListener('abort', onAbort);
      input.removeAllListeners('data');
      restore();
      process.off('exit', restore);
      writeSync(fd, '\n');
      input.destroy();
      if (error !== undefined) reject(error);
      else resolve(typed);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    input.setRawMode(true);
    writeSync(fd, PROMPT);
    input.on('data', (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return void process.kill(process.pid, 'SIGINT');
        if (ch === '\u0004' && typed === '') return finish(new UsageError('-A: no password given'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch === '\u0015') typed = '';
        else typed += ch;
      }
    });
    input.on('error', (e) => finish(new UsageError(`-A: cannot read the terminal (${e.message})`)));
  });
}
