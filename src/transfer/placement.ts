// Which client each data file goes to. Pure: names in, client indexes out.
import { pick, type Rng } from './random.js';

export type PlacementRule = 'mod' | 'random';

/**
 * The number that places a file under `mod`: the last `_<digits>` followed by a `.` in its
 * name (`tweets_12.txt` → 12, `a_3.tar.gz` → 3, `run_12.part_3.txt` → 3, `f_007.json` → 7).
 */
export function fileNumber(name: string): number | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1);
  let found: number | undefined;
  for (const m of base.matchAll(/_(\d+)(?=\.)/g)) found = Number(m[1]);
  return found !== undefined && Number.isSafeInteger(found) ? found : undefined;
}

/** `_1` goes to the first client and `_0` to the last, as distsys did: (n − 1) mod N. */
export function modIndex(n: number, clients: number): number {
  return (((n - 1) % clients) + clients) % clients;
}

export interface Placed<T> {
  item: T;
  client: number;
  /** How the client was chosen. */
  by: 'number' | 'random' | 'record';
}

/**
 * Place every item. A file already recorded on a client (`recorded`) stays there, so a rerun
 * never sends a file to a second client; the rest follow the rule.
 */
export function place<T extends { rel: string }>(
  items: readonly T[],
  clients: number,
  rule: PlacementRule,
  rng: Rng,
  recorded: (rel: string) => number | undefined = () => undefined,
): Placed<T>[] {
  if (clients < 1) throw new Error('no clients to place files on');
  return items.map((item) => {
    const kept = recorded(item.rel);
    if (kept !== undefined) return { item, client: kept, by: 'record' };
    const n = rule === 'mod' ? fileNumber(item.rel) : undefined;
    if (n !== undefined) return { item, client: modIndex(n, clients), by: 'number' };
    return { item, client: pick(rng, clients), by: 'random' };
  });
}
