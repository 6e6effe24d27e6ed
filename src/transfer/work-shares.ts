// Which client's script works on which placed file in `run`: every file exactly once, even
// when --replicas put copies of it on several clients (a script run over every copy would count
// it R times). A file goes to one of its holders among the clients of this run, the one with the
// fewest bytes handed out so far (ties: the earlier copy in the record), so that with a holder
// left out (-x, or not in -w) its files spread over the other holders instead of piling on one.
import type { PlacedFile, PlacementRecord } from './placement-record.js';

/** Each client's files, in the record's order; clients of the run that hold nothing get []. */
export function workShares(record: PlacementRecord, clients: readonly string[]): Map<string, PlacedFile[]> {
  const shares = new Map<string, PlacedFile[]>(clients.map((c) => [c, []]));
  const load = new Map<string, number>(clients.map((c) => [c, 0]));
  // The copies of each path that sit on a client of this run, in record order.
  const copies = new Map<string, PlacedFile[]>();
  for (const f of record.files) {
    if (!shares.has(f.client)) continue;
    const list = copies.get(f.path);
    if (list === undefined) copies.set(f.path, [f]);
    else if (!list.some((g) => g.client === f.client)) list.push(f);
  }
  for (const held of copies.values()) {
    let best = held[0]!;
    for (const f of held) if (load.get(f.client)! < load.get(best.client)!) best = f;
    shares.get(best.client)!.push(best);
    load.set(best.client, load.get(best.client)! + best.size);
  }
  return shares;
}
