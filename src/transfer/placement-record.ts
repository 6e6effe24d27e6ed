// The placement record of a project: where every verified copy of a file went. Kept on the
// director under .director/<project>/placement.json, written atomically, plus the journal a
// running (or killed) `data` appends to (placement-journal.ts); read by `data --list` and by
// `run` (DIRECTOR_FILES) so later work can go where the data is. One entry per copy: a file
// sent with --replicas R has R entries (same path, one per client); older records have one.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../config/errors.js';
import { PRIVATE_DIR_MODE, writePrivateFile } from '../private-file.js';
import { JOURNAL_NAME, readJournal } from './placement-journal.js';

export const DEFAULT_REMOTE_ROOT = '~/director/data';

export interface PlacedFile {
  /** Path relative to the data folder, with `/` separators. */
  path: string;
  /** Client name as written in clients.conf. */
  client: string;
  /** Path on the client as director addresses it (relative = under the login home). */
  remotePath: string;
  size: number;
  md5: string;
  /** ISO time it was verified. */
  time: string;
}

export interface PlacementRecord {
  version: 1;
  project: string;
  remoteRoot: string;
  files: PlacedFile[];
}

const PROJECT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** A project name becomes a folder on the director and on every client: keep it plain. */
export function checkProject(project: string): string {
  if (!PROJECT.test(project) || project === '..' || project.length > 200) {
    throw new UsageError(`project name ${JSON.stringify(project)}: use letters, digits, "_", "-" and "." (not starting with "." or "-")`);
  }
  return project;
}

export function placementRecordPath(stateDir: string, project: string): string {
  return join(stateDir, checkProject(project), 'placement.json');
}

export function placementJournalPath(stateDir: string, project: string): string {
  return join(stateDir, checkProject(project), JOURNAL_NAME);
}

/** One copy of a file: a later entry for the same copy replaces an earlier one. */
export function copyKey(f: { path: string; client: string }): string {
  return `${f.client}\0${f.path}`;
}

/**
 * placement.json with its journal folded in; undefined when there is neither. The journal is
 * read first: a fold that runs meanwhile writes placement.json before it removes the journal,
 * so one of the two always has every entry.
 */
export function readPlacementRecord(stateDir: string, project: string): PlacementRecord | undefined {
  const file = placementRecordPath(stateDir, project);
  const journal = readJournal(placementJournalPath(stateDir, project));
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (text === undefined && journal.length === 0) return undefined;
  // The recorder writes placement.json before its first append; without it, the root is a guess.
  const record = text === undefined ? { version: 1 as const, project, remoteRoot: DEFAULT_REMOTE_ROOT, files: [] } : (JSON.parse(text) as PlacementRecord);
  if (record.version !== 1 || !Array.isArray(record.files)) throw new UsageError(`${file}: not a director placement record`);
  if (journal.length === 0) return record;
  const copies = new Map(record.files.map((f) => [copyKey(f), f]));
  for (const f of journal) copies.set(copyKey(f), f);
  return { ...record, files: [...copies.values()] };
}

/**
 * Write the whole record atomically and durably (fsync, then rename): local copies are
 * deleted right after, so the record must be on disk before they go. Sorted by path, then
 * client; written entry by entry, never as one string.
 */
export function writePlacementRecord(stateDir: string, record: PlacementRecord): void {
  const file = placementRecordPath(stateDir, record.project);
  // The state folder itself is private too: it lists what went where.
  mkdirSync(stateDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const files = [...record.files].sort(byPathThenClient);
  writePrivateFile(file, recordText({ ...record, files }));
}

function byPathThenClient(a: PlacedFile, b: PlacedFile): number {
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return a.client < b.client ? -1 : a.client > b.client ? 1 : 0;
}

/** The text of JSON.stringify(record, null, 2) + newline, piece by piece. */
function* recordText(record: PlacementRecord): Generator<string> {
  const { files, ...head } = record;
  const top = JSON.stringify(head, null, 2);
  yield `${top.slice(0, -2)},\n  "files": [`;
  for (let i = 0; i < files.length; i++) yield `${i === 0 ? '\n' : ',\n'}    ${JSON.stringify(files[i], null, 2).replace(/\n/g, '\n    ')}`;
  yield files.length === 0 ? ']\n}\n' : '\n  ]\n}\n';
}

/** Default folder for director's state on this machine. */
export const STATE_DIR = '.director';
