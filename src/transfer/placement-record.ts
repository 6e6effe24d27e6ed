// The placement record of a project: where every verified file went. Kept on the director
// under .director/<project>/placement.json, written atomically, read by `data --list` and
// by `run` (DIRECTOR_FILES) so later work can go where the data is.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../config/errors.js';
import { PRIVATE_DIR_MODE, writePrivateFile } from '../private-file.js';

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

export function readPlacementRecord(stateDir: string, project: string): PlacementRecord | undefined {
  const file = placementRecordPath(stateDir, project);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const record = JSON.parse(text) as PlacementRecord;
  if (record.version !== 1 || !Array.isArray(record.files)) throw new UsageError(`${file}: not a director placement record`);
  return record;
}

/**
 * Write the whole record atomically and durably (fsync, then rename): local copies are
 * deleted right after, so the record must be on disk before they go.
 */
export function writePlacementRecord(stateDir: string, record: PlacementRecord): void {
  const file = placementRecordPath(stateDir, record.project);
  // The state folder itself is private too: it lists what went where.
  mkdirSync(stateDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const sorted = { ...record, files: [...record.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
  writePrivateFile(file, `${JSON.stringify(sorted, null, 2)}\n`);
}

export function filesOn(record: PlacementRecord, clientName: string): PlacedFile[] {
  return record.files.filter((f) => f.client === clientName);
}

/** Default folder for director's state on this machine. */
export const STATE_DIR = '.director';
