// director status --keeper: this user's keepers, what each keeps (clients, connections alive,
// why the others are not), how long it has been idle; which one serves these options.
import { EXIT } from '../exit-codes.cjs';
import { askKeeper } from '../keeper/client.cjs';
import { listCards, type KeeperCard } from '../keeper/place.cjs';
import type { KeeperReport } from '../keeper/server.js';
import { isKeeper } from './disconnect.js';

export interface KeeperState {
  card: KeeperCard;
  /** Its own account; absent when it did not answer. */
  report?: KeeperReport;
  /** Serves commands given the current options. */
  matches: boolean;
  /** Its process is gone (the card is left over). */
  stale: boolean;
}

export interface KeeperStatusResult {
  keepers: KeeperState[];
  /** 0 when a keeper serves the current options. */
  exitCode: number;
}

export async function keeperStatus(opts: { key: string | undefined }, deps: { dir: string | undefined }): Promise<KeeperStatusResult> {
  const keepers = await Promise.all(
    (deps.dir === undefined ? [] : listCards(deps.dir)).map(async ({ paths, card }): Promise<KeeperState> => {
      const report = await askKeeper<KeeperReport>(paths, card, 'status');
      return { card, ...(report ? { report } : {}), matches: card.key === opts.key, stale: report === undefined && !isKeeper(card.pid) };
    }),
  );
  return { keepers, exitCode: keepers.some((k) => k.matches && k.report !== undefined) ? EXIT.ok : EXIT.failed };
}
