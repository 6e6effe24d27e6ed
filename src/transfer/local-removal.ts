// When a local copy may go. A file's stamp (device, inode, size, mtime and ctime, to the
// nanosecond) is taken before its first byte is read; its copy goes only if the stamp is the
// same after the record entry is durable. Size and mtime alone are not enough: a rewrite in
// place keeps the size, and `touch -d` puts the mtime back. The ctime is set by the kernel
// on every change and no user can set it back.
import { lstatSync, unlinkSync, type BigIntStats } from 'node:fs';
import type { FileJob, FileStatus, VerifiedFile } from './types.js';

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
 * The copies of files sent to several clients (`job.copies`), shared by those clients'
 * transfers: counts each file's copies verified and recorded so far, and whether they were
 * all read from the same local file.
 */
export class CopyCount {
  private readonly settled = new Map<FileJob, { n: number; stamp: string | undefined; same: boolean }>();

  /**
   * One more copy of `job` verified and recorded, read with `stamp`: `last` once it is the
   * last of them; `same` if every copy was read from the same file.
   */
  settle(job: FileJob, stamp: string | undefined): { last: boolean; same: boolean; stamp: string | undefined } {
    const was = this.settled.get(job);
    const now = was === undefined ? { n: 1, stamp, same: true } : { n: was.n + 1, stamp: was.stamp, same: was.same && was.stamp === stamp };
    const last = now.n >= (job.copies ?? 1);
    if (last) this.settled.delete(job);
    else this.settled.set(job, now);
    return { last, same: now.same, stamp: now.stamp };
  }
}

/**
 * Record verified files, then (unless `keep`) delete each local copy whose stamp is the one
 * taken before it was read (`stamps[i]` for `verified[i]`). A copy that changed stays, one
 * deleted meanwhile is said to be gone, not kept. A file with several copies goes with the
 * last of them (`copies`).
 */
export async function recordThenRemoveLocal(
  verified: VerifiedFile[],
  stamps: readonly string[],
  opts: { keep: boolean; localPath: (rel: string) => string; record: (verified: VerifiedFile[]) => Promise<void>; copies?: CopyCount },
  report: (s: FileStatus) => void,
): Promise<void> {
  await opts.record(verified);
  // Synchronous: an unlink of a file just read is quick, and a thousand of them as promises
  // would each wait a trip through libuv's thread pool.
  verified.forEach((s, i) => {
    if (!opts.keep) {
      if ((s.job.copies ?? 1) === 1 || opts.copies === undefined) removeIfUnchanged(s, stamps[i], opts.localPath(s.job.file.rel));
      else {
        const { last, same, stamp } = opts.copies.settle(s.job, stamps[i]);
        if (last && same) removeIfUnchanged(s, stamp, opts.localPath(s.job.file.rel));
        else if (last) s.keptBecause = `${CHANGED} (its copies were read from different versions)`;
      }
    }
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
