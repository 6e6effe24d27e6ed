// Durable updates of a project's placement record while `data` runs. Clients verify copies
// all the time, and a local copy may go only once its entry is on disk. Each group of entries
// is appended to the record's journal (placement-journal.ts: written, fsync'd, read back);
// entries that arrive while an append is under way go together in the next one (group
// commit), and each caller resumes only once its entries are on disk. At the end the journal
// is folded into placement.json (written whole, once) and removed.
//
// Appends are spaced: the next one starts no sooner than SPACING times the last one's
// duration after it, so fsyncs take at most ~1/(1+SPACING) of the run on a slow disk, while
// on a fast one each batch is recorded at once.
import { existsSync } from 'node:fs';
import { JournalWriter } from './placement-journal.js';
import { copyKey, placementJournalPath, placementRecordPath, readPlacementRecord, writePlacementRecord, type PlacedFile } from './placement-record.js';

/** Time between appends, as a multiple of the last one's duration. */
const SPACING = 3;

export interface Recorder {
  /** Resolves once `entries` are durably in the record; rejects (nothing recorded) if they could not be. */
  record(entries: readonly PlacedFile[]): Promise<void>;
  /** Fold the journal into placement.json; an error leaves the record whole as placement.json plus journal. */
  close(): void;
}

interface Waiter {
  ok: () => void;
  fail: (e: unknown) => void;
}

export function placementRecorder(stateDir: string, project: string, remoteRoot: string): Recorder {
  const journal = new JournalWriter(placementJournalPath(stateDir, project));
  // Every entry on disk (placement.json and journal), by copy: what the fold writes.
  let copies: Map<string, PlacedFile> | undefined;
  let pending: PlacedFile[] = [];
  let waiters: Waiter[] = [];
  let writing = false;
  let timer: NodeJS.Timeout | undefined;
  let nextAt = 0;

  const load = (): Map<string, PlacedFile> => {
    if (copies) return copies;
    const found = new Map((readPlacementRecord(stateDir, project)?.files ?? []).map((f) => [copyKey(f), f]));
    // Readers take the project's remote root from placement.json: it is there before the first append.
    if (!existsSync(placementRecordPath(stateDir, project))) writePlacementRecord(stateDir, { version: 1, project, remoteRoot, files: [...found.values()] });
    copies = found;
    return found;
  };

  const fold = (all: Map<string, PlacedFile>) => {
    writePlacementRecord(stateDir, { version: 1, project, remoteRoot, files: [...all.values()] });
    journal.remove();
  };

  const write = (placed: PlacedFile[], mine: Waiter[]) => {
    const started = Date.now();
    try {
      const all = load();
      if (journal.broken) {
        // The journal has a torn tail it could not cut off: write the record whole instead.
        const next = new Map(all);
        for (const f of placed) next.set(copyKey(f), f);
        fold(next);
        copies = next;
      } else {
        journal.append(placed);
        for (const f of placed) all.set(copyKey(f), f);
      }
      for (const w of mine) w.ok();
    } catch (e) {
      for (const w of mine) w.fail(e);
    } finally {
      const ended = Date.now();
      nextAt = ended + SPACING * (ended - started);
      writing = false;
      drain();
    }
  };

  const drain = () => {
    if (writing || timer !== undefined || pending.length === 0) return;
    const wait = nextAt - Date.now();
    if (wait > 0) {
      timer = setTimeout(() => {
        timer = undefined;
        drain();
      }, wait);
      return;
    }
    writing = true;
    const placed = pending;
    const mine = waiters;
    pending = [];
    waiters = [];
    setImmediate(() => write(placed, mine));
  };

  return {
    record: (entries) =>
      new Promise<void>((ok, fail) => {
        for (const f of entries) pending.push(f);
        waiters.push({ ok, fail });
        drain();
      }),
    close: () => {
      journal.close();
      // Nothing recorded now, but a killed run's journal is there: fold it too.
      if (copies === undefined && !existsSync(journal.file)) return;
      fold(load());
    },
  };
}
