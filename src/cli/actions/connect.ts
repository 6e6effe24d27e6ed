import { fileURLToPath } from 'node:url';
import { connectKept, serveKeeper, startKeeper } from '../../commands/connect.js';
import { ConfigError } from '../../config/errors.js';
import { listening, runIn } from '../../keeper/client.cjs';
import { parsePersist } from '../../keeper/duration.js';
import { keeperKey } from '../../keeper/key.js';
import { ensureKeeperDir, keeperDir, keeperPaths, readCard } from '../../keeper/place.cjs';
import type { Program } from '../../keeper/server.js';
import { renderConnect } from '../../output/keeper.js';
import type { ActionContext } from '../context.js';

export interface ConnectArgs {
  persist?: string;
  /** Hidden: this process is the keeper (started by `connect` itself). */
  serve?: boolean;
  /** The commander program, to run the commands it is sent. */
  program: Program;
}

const BIN = fileURLToPath(new URL('../../../bin/director.cjs', import.meta.url));

export default async function connectAction(a: ConnectArgs, ctx: ActionContext): Promise<number> {
  const persistMs = parsePersist(a.persist ?? '10m');
  const fleet = ctx.fleet(); // clients, keys and ssh_config checked before anything starts
  if (ctx.io.pool) {
    // Inside the keeper: connect the selected clients and say how each went.
    const r = await connectKept({ persistMs }, { fleet, persist: ctx.io.persist });
    renderConnect(r, ctx.p);
    return r.exitCode;
  }
  const key = keeperKey(ctx.g);
  if (key === undefined) throw new ConfigError('cannot read the clients file or the -i key', ctx.g.clients);
  const dir = ensureKeeperDir();
  if (dir === undefined) throw new ConfigError(`${keeperDir()} is not a private folder of yours (owner you, mode 0700): no keeper there`);
  const paths = keeperPaths(dir, key);
  if (a.serve) return serveKeeper({ key, dir, clientsFile: ctx.g.clients, persistMs, program: a.program }, ctx.signal);
  if (await listening(paths.socket)) throw new Error(`the keeper for these clients is busy with another command; try again when it is done (director status --keeper)`);
  // No keeper took this command (bin/director.cts offered it to each first): start one and hand it the command.
  await startKeeper({ bin: BIN, argv: process.argv.slice(2), log: paths.log });
  const card = readCard(paths.card);
  const code = card === undefined ? undefined : await runIn({ paths, card }, process.argv.slice(2));
  if (code === undefined) throw new Error(`the keeper started but did not take the command (log: ${paths.log})`);
  return code;
}
