// -A: the password asked for once, on the terminal itself (/dev/tty, so a redirected stdin or
// stdout does not matter), never echoed. It stays in memory: never in argv, the environment,
// a file or a log.
import { closeSync, openSync, writeSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { UsageError } from '../config/errors.js';

const PROMPT = 'Password for the clients (asked once; not shown): ';

export function askPassword(tty = '/dev/tty'): Promise<string> {
  let fd: number;
  try {
    fd = openSync(tty, 'r+');
  } catch {
    return Promise.reject(new UsageError('-A, --ask-pass needs a terminal to ask on (/dev/tty cannot be opened)'));
  }
  return new Promise((resolve, reject) => {
    const input = new ReadStream(fd);
    let typed = '';
    const restore = () => input.setRawMode(false);
    process.once('exit', restore);
    const finish = (error?: Error) => {
      input.removeAllListeners('data');
      restore();
      process.off('exit', restore);
      writeSync(fd, '\n');
      input.destroy();
      if (error !== undefined) reject(error);
      else resolve(typed);
    };
    input.setRawMode(true);
    writeSync(fd, PROMPT);
    input.on('data', (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') {
          finish(new UsageError('-A: no password given (interrupted)'));
          process.kill(process.pid, 'SIGINT');
          return;
        }
        if (ch === '\u0004' && typed === '') return finish(new UsageError('-A: no password given'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch === '\u0015') typed = '';
        else typed += ch;
      }
    });
    input.on('error', (e) => finish(new UsageError(`-A: cannot read the terminal (${e.message})`)));
  }).finally(() => {
    try {
      closeSync(fd);
    } catch {
      // input.destroy() closed it already
    }
  }) as Promise<string>;
}
