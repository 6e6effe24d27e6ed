// Files director keeps for itself (placement records, local-mode state, known_hosts
// additions): replaced whole through a temporary file in the same folder, so a reader or a
// crash sees the old contents or the new, never half. Local copies of data are deleted on
// the strength of a placement record, so a write counts only once every byte is on disk:
// a short write, ENOSPC or EIO is an error, the bytes are fsynced and read back, and the
// rename is fsynced with its folder.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Owner-only (0600 in a 0700 folder): these files name hosts, paths and processes. */
export function writePrivateFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  replaceFileDurably(file, text, { mode: PRIVATE_FILE_MODE });
}

/**
 * Replace `file` with `text`. `mode` is forced when given; otherwise an existing file keeps
 * its mode (and owner, as root) and a new one is 0600. A symbolic link is written through.
 * Throws, leaving the old file as it was, if any step fails.
 */
export function replaceFileDurably(file: string, text: string, opts: { mode?: number } = {}): void {
  const target = resolveLink(file);
  const before = statOrUndefined(target);
  const mode = opts.mode ?? (before ? before.mode & 0o7777 : PRIVATE_FILE_MODE);
  const bytes = Buffer.from(text, 'utf8');
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', mode);
    for (let at = 0; at < bytes.length; ) {
      const n = writeSync(fd, bytes, at, bytes.length - at);
      if (n <= 0) throw new Error(`short write (${at} of ${bytes.length} bytes)`);
      at += n;
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (!readFileSync(tmp).equals(bytes)) throw new Error('the bytes read back differ from those written');
    chmodSync(tmp, mode); // the umask may have narrowed it
    if (before && opts.mode === undefined && process.getuid?.() === 0) chownSync(tmp, before.uid, before.gid);
    renameSync(tmp, target);
    syncFolder(dirname(target));
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* never created, or already renamed */
    }
    throw new Error(`cannot write ${file}: ${(e as Error).message}`);
  }
}

function resolveLink(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** A rename is durable only once its folder is synced. */
function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
