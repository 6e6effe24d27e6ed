// Which clients hold which files of a project, read from `data`'s placement record. Today's
// record has one entry per file; with replicas it may have several entries (copies) for one
// path: every entry's client counts as a holder, in the order the record lists them.
import type { PlacementRecord } from '../transfer/placement-record.js';

export type Holders = Map<string, string[]>;

export function holdersByPath(record: PlacementRecord | undefined): Holders {
  const out: Holders = new Map();
  for (const f of record?.files ?? []) {
    const list = out.get(f.path);
    if (!list) out.set(f.path, [f.client]);
    else if (!list.includes(f.client)) list.push(f.client);
  }
  return out;
}

/**
 * The clients among `selected` that hold every one of `files`, in the order of the first
 * file's holders; `missing` names a file no selected client holds.
 */
export function holdersOfAll(files: readonly string[], holders: Holders, selected: ReadonlySet<string>): { holders: string[]; missing?: string } {
  let common: string[] | undefined;
  for (const f of files) {
    const here = (holders.get(f) ?? []).filter((c) => selected.has(c));
    if (here.length === 0) return { holders: [], missing: f };
    common = common === undefined ? here : common.filter((c) => here.includes(c));
  }
  return { holders: common ?? [] };
}
