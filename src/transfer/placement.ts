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
  /** The first client of the file (its rule's pick, or where the record has it). */
  client: number;
  /** Every client that is to hold a copy, the first one first (one unless --replicas). */
  clients: number[];
  /** How the first client was chosen. */
  by: 'number' | 'random' | 'record';
}

/**
 * Place every item on `replicas` distinct clients. The rule picks the first; the others are
 * the next clients in client order (wrapping round). Copies the record already has
 * (`recorded`: the clients holding one) stay where they are and count: a rerun sends a file
 * only to the clients it is still missing from, never to more than `replicas` in all.
 */
export function place<T extends { rel: string }>(
  items: readonly T[],
  clients: number,
  rule: PlacementRule,
  rng: Rng,
  recorded: (rel: string) => readonly number[] | undefined = () => undefined,
  replicas = 1,
): Placed<T>[] {
  if (clients < 1) throw new Error('no clients to place files on');
  if (replicas > clients) throw new Error(`${replicas} replicas need as many clients (there are ${clients})`);
  return items.map((item) => {
    const held = recorded(item.rel) ?? [];
    const n = rule === 'mod' ? fileNumber(item.rel) : undefined;
    if (held.length >= replicas) return { item, client: held[0] as number, clients: [...held], by: 'record' };
    // A numbered file starts at its number's client even when some copies exist, so a rerun
    // completes the same set a first run would have made.
    const first = n !== undefined ? modIndex(n, clients) : held.length > 0 ? (held[0] as number) : pick(rng, clients);
    const chosen = [...held];
    for (let k = 0; k < clients && chosen.length < replicas; k++) {
      const c = (first + k) % clients;
      if (!chosen.includes(c)) chosen.push(c);
    }
    const by = held.length > 0 ? 'record' : n !== undefined ? 'number' : 'random';
    return { item, client: chosen[0] as number, clients: chosen, by };
  });
}
