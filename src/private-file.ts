// Files director keeps for itself (placement records, local-mode state, known_hosts
// additions): replaced whole through a temporary file in the same folder, so a reader or a
// crash sees the old contents or the new, never half. Local copies of data are deleted on
// the strength of a placement record, so a write counts only once every byte is on disk:
// a short write, ENOSPC or EIO is an error, the bytes are fsynced and read back, and the
// rename is fsynced with its folder. A big file (a placement record of a hundred thousand
// entries) comes as pieces of text and is written and read back in chunks: never whole in
// memory, so its writes leave no large strings or buffers for the garbage collector.
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
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

/** The contents of a file: one string, or pieces joined in order. */
export type FileText = string | Iterable<string>;

/** Bytes gathered before a write: big enough for few system calls, small enough to stay out of the way. */
const CHUNK = 256 * 1024;

/** Owner-only (0600 in a 0700 folder): these files name hosts, paths and processes. */
export function writePrivateFile(file: string, text: FileText): void {
  mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  replaceFileDurably(file, text, { mode: PRIVATE_FILE_MODE });
}

/**
 * Replace `file` with `text`. `mode` is forced when given; otherwise an existing file keeps
 * its mode (and owner, as root) and a new one is 0600. A symbolic link is written through.
 * Throws, leaving the old file as it was, if any step fails.
 */
export function replaceFileDurably(file: string, text: FileText, opts: { mode?: number } = {}): void {
  const target = resolveLink(file);
  const before = statOrUndefined(target);
  const mode = opts.mode ?? (before ? before.mode & 0o7777 : PRIVATE_FILE_MODE);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', mode);
    const written = writeChunks(fd, typeof text === 'string' ? [text] : text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (readBackDigest(tmp) !== written) throw new Error('the bytes read back differ from those written');
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

/** Writes every piece (in CHUNK-sized writes); returns the md5 of the bytes written. */
function writeChunks(fd: number, pieces: Iterable<string>): string {
  const hash = createHash('md5');
  const buf = Buffer.allocUnsafe(CHUNK);
  let used = 0;
  let total = 0;
  const flush = (bytes: Buffer, length: number) => {
    for (let at = 0; at < length; ) {
      const n = writeSync(fd, bytes, at, length - at);
      if (n <= 0) throw new Error(`short write (${total + at} bytes written)`);
      at += n;
    }
    hash.update(bytes.subarray(0, length));
    total += length;
  };
  for (const piece of pieces) {
    if (Buffer.byteLength(piece) > CHUNK - used) {
      flush(buf, used);
      used = 0;
    }
    if (Buffer.byteLength(piece) > CHUNK) {
      const big = Buffer.from(piece, 'utf8');
      flush(big, big.length);
    } else used += buf.write(piece, used, 'utf8');
  }
  flush(buf, used);
  return hash.digest('hex');
}

/** md5 of a file read back in chunks. */
function readBackDigest(file: string): string {
  const hash = createHash('md5');
  const buf = Buffer.allocUnsafe(CHUNK);
  const fd = openSync(file, 'r');
  try {
    for (let n = readSync(fd, buf, 0, CHUNK, null); n > 0; n = readSync(fd, buf, 0, CHUNK, null)) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
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

/** A rename (or a new or removed file) is durable only once its folder is synced. */
export function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
