import { resolve } from 'node:path';
import { ShellSession } from '../../commands/shell.js';
import { SessionPool } from '../../ssh/session-pool.js';
import { STATE_DIR } from '../../transfer/placement-record.js';
import type { ActionContext } from '../context.js';
import { repl } from '../repl.js';
import { secondsToMs, viewOf } from './run.js';

export default async function shellAction(opts: { fold?: boolean; inline?: boolean }, ctx: ActionContext): Promise<number> {
  const pool = new SessionPool();
  const session = new ShellSession(ctx.fleet(pool), pool, { view: viewOf(opts), timeoutMs: secondsToMs(ctx.g.timeout) });
  try {
    return await repl({ session, p: ctx.p, stdin: ctx.io.stdin, stdout: ctx.io.stdout, onInterrupt: (h) => ctx.onInterrupt(h), historyFile: resolve(STATE_DIR, 'history') });
  } finally {
    session.close();
  }
}
