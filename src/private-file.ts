// Files director keeps for itself (placement records, local-mode state): written whole to a
// temporary file, fsynced and renamed over the old one (write-file-atomic), so a reader or a
// crash sees the old contents or the new, never half; readable by the owner only (0600, in
// a 0700 folder), since they name hosts, paths and processes.
import { closeSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

export function writePrivateFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  writeFileAtomic.sync(file, text, { mode: PRIVATE_FILE_MODE, fsync: true });
  // write-file-atomic fsyncs the file, not the rename: the folder must be synced too before
  // local copies are deleted on the strength of this record.
  const dir = openSync(dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
