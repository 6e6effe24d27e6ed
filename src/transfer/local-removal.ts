// When a local copy may go. A file's stamp (device, inode, size, mtime and ctime, to the
// nanosecond) is taken before its first byte is read; its copy goes only if the stamp is the
// same after the record entry is durable. Size and mtime alone are not enough: a rewrite in
// place keeps the size, and `touch -d` puts the mtime back. The ctime is set by the kernel
// on every change and no user can set it back.
import { lstatSync, unlinkSync, type BigIntStats } from 'node:fs';
import type { FileStatus, VerifiedFile } from './types.js';

/** What a file was when it was opened; equal stamps mean the same bytes (short of clock tricks by root). */
export function stampOf(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** The stamp of `path` now, or undefined when nothing is there. */
export function stampNow(path: string): string | undefined {
  const st = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  return st === undefined ? undefined : stampOf(st);
}

export const CHANGED = 'changed while it was sent';

/**
 * Record verified files, then (unless `keep`) delete each local copy whose stamp is the one
 * taken before it was read (`stamps[i]` for `verified[i]`). A copy that changed stays, one
 * deleted meanwhile is said to be gone, not kept.
 */
export async function recordThenRemoveLocal(
  verified: VerifiedFile[],
  stamps: readonly string[],
  opts: { keep: boolean; localPath: (rel: string) => string; record: (verified: VerifiedFile[]) => Promise<void> },
  report: (s: FileStatus) => void,
): Promise<void> {
  await opts.record(verified);
  // Synchronous: an unlink of a file just read is quick, and a thousand of them as promises
  // would each wait a trip through libuv's thread pool.
  verified.forEach((s, i) => {
    if (!opts.keep) removeIfUnchanged(s, stamps[i], opts.localPath(s.job.file.rel));
    report(s);
  });
}

function removeIfUnchanged(s: VerifiedFile, stamp: string | undefined, path: string): void {
  try {
    const now = stampNow(path);
    if (now === undefined) s.localGone = true;
    else if (now !== stamp) s.keptBecause = CHANGED;
    else {
      // A change between this check and the unlink is a race no stat closes; the window
      // is one system call wide.
      unlinkSync(path);
      s.removedLocal = true;
    }
  } catch (e) {
    s.keptBecause = `cannot remove: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
}
