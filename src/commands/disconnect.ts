// director disconnect [--all]: stop the keeper of these clients and settings (or every keeper
// of this user), its connections closed, and say so only once its process is gone.
import { readFileSync } from 'node:fs';
import { EXIT } from '../exit-codes.cjs';
import { askKeeper } from '../keeper/client.cjs';
import { alive, listCards, removeKeeperFiles, type KeeperCard, type KeeperPaths } from '../keeper/place.cjs';

/** How long a keeper has to close its connections and exit. */
const EXIT_WAIT_MS = 10_000;

export interface Stopped {
  pid: number;
  clientsFile: string;
  /** Connections it held when asked. */
  connections?: number;
  outcome: 'stopped' | 'stale' | 'still running';
}

export interface DisconnectResult {
  keepers: Stopped[];
  exitCode: number;
}

export async function disconnect(opts: { all: boolean; key: string | undefined }, deps: { dir: string | undefined }): Promise<DisconnectResult> {
  const chosen = (deps.dir === undefined ? [] : listCards(deps.dir)).filter((k) => opts.all || k.card.key === opts.key);
  const keepers = await Promise.all(chosen.map(({ paths, card }) => stopOne(paths, card)));
  return { keepers, exitCode: keepers.every((k) => k.outcome !== 'still running') ? EXIT.ok : EXIT.failed };
}

async function stopOne(paths: KeeperPaths, card: KeeperCard): Promise<Stopped> {
  const base = { pid: card.pid, clientsFile: card.clientsFile };
  const answer = await askKeeper<{ pid: number; connections: number }>(paths, card, 'stop');
  if (answer === undefined) {
    // No answer: gone (a stale card), or stuck; a stuck keeper of ours is sent SIGTERM.
    if (!isKeeper(card.pid)) {
      removeKeeperFiles(paths);
      return { ...base, outcome: 'stale' };
    }
    process.kill(card.pid, 'SIGTERM');
  }
  const deadline = Date.now() + EXIT_WAIT_MS;
  while (isKeeper(card.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const gone = !isKeeper(card.pid);
  if (gone) removeKeeperFiles(paths);
  return { ...base, ...(answer ? { connections: answer.connections } : {}), outcome: gone ? 'stopped' : 'still running' };
}

/** The pid is alive and is a director keeper (not a pid reused since by something else). */
export function isKeeper(pid: number): boolean {
  if (!alive(pid)) return false;
  try {
    const words = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return words.includes('--serve') && words.includes('connect');
  } catch {
    return false;
  }
}
