// Durable updates of a project's placement record while `data` runs. Clients verify files
// all the time; the record is one JSON file rewritten whole (atomically, fsync'd), and a local
// copy may go only once its entry is in it. Entries that arrive while a write is under way
// are written together by the next one (group commit); each caller resumes only once its
// entries are on disk.
//
// Two things keep a big project cheap. The record is held once, as a map updated in place
// (not copied per write). And writes are spaced: the next one starts no sooner than
// SPACING times the last one's duration after it, so a record of a hundred thousand entries
// (a few hundred ms to write) is rewritten every second or two rather than for every batch,
// while a small one is still written at once.
import type { VerifiedFile } from './types.js';
import { readPlacementRecord, writePlacementRecord, type PlacedFile } from './placement-record.js';

/** Time between writes, as a multiple of the last write's duration: writing takes at most ~1/(1+SPACING) of the run. */
const SPACING = 3;

export type Recorder = (client: string, verified: readonly VerifiedFile[]) => Promise<void>;

interface Waiter {
  ok: () => void;
  fail: (e: unknown) => void;
}

export function placementRecorder(stateDir: string, project: string, remoteRoot: string): Recorder {
  let files: Map<string, PlacedFile> | undefined;
  let pending: PlacedFile[] = [];
  let waiters: Waiter[] = [];
  let writing = false;
  let timer: NodeJS.Timeout | undefined;
  let nextAt = 0;

  const write = (placed: PlacedFile[], mine: Waiter[]) => {
    const started = Date.now();
    // Entries of a failed write are taken back out: the record in memory is the one on disk.
    const undo: Array<[string, PlacedFile | undefined]> = [];
    try {
      files ??= new Map((readPlacementRecord(stateDir, project)?.files ?? []).map((f) => [f.path, f]));
      for (const f of placed) {
        undo.push([f.path, files.get(f.path)]);
        files.set(f.path, f);
      }
      writePlacementRecord(stateDir, { version: 1, project, remoteRoot, files: [...files.values()] });
      for (const w of mine) w.ok();
    } catch (e) {
      for (const [path, was] of undo.reverse()) {
        if (was === undefined) files?.delete(path);
        else files?.set(path, was);
      }
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

  return (client, verified) =>
    new Promise<void>((ok, fail) => {
      for (const s of verified) {
        pending.push({ path: s.job.file.rel, client, remotePath: s.job.remotePath, size: s.bytes, md5: s.md5, time: s.time });
      }
      waiters.push({ ok, fail });
      drain();
    });
}
