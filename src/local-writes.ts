// How many small files are written here (gather): synchronously, on this thread, while the
// file system answers quickly; through the thread pool otherwise. A gather of 16 × 2000 files
// of 10 KB into a journaled ext4 took 4.6–5.5 s instead of 6.2–6.5 s, and a third less CPU,
// written synchronously: through the thread pool a file's open, write and close are three
// hand-offs between threads. The thread pool wins where the file system's own work dominates
// and its 4 threads do it side by side (this machine's unjournaled ext4 right after 32 000
// files were deleted: each create scans past recently freed inodes), and it is the only safe
// choice off a local disk, where a call can hang and a synchronous one would stop the whole
// process (Ctrl-C, keepalives).
import { statfsSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

/** A run of synchronous writes whose median is over this is slow: the thread pool takes over. */
const SLOW_WRITE_MS = 0.25;
/** Judged by the median of each run of this many writes: a journal commit's one slow write is no verdict. */
const WRITES_JUDGED = 128;

/**
 * File systems on a local disk (ext2/3/4, xfs, btrfs, f2fs, zfs, tmpfs, overlayfs), by statfs
 * magic: only there are small files written synchronously.
 */
const LOCAL_DISKS = new Set([0xef53, 0x58465342, 0x9123683e, 0xf2f52010, 0x2fc12fc1, 0x01021994, 0x794c7630]);

/** Is `dir` on a local disk's file system (LOCAL_DISKS)? False when it cannot tell. */
export function onLocalDisk(dir: string): boolean {
  try {
    return LOCAL_DISKS.has(statfsSync(dir).type);
  } catch {
    return false;
  }
}

type Flags = { flag?: string; mode?: number };

/** One write through the thread pool; `then` gets its error, if any. */
export function writeInThreads(target: string, data: Buffer, flags: Flags, then: (e: unknown) => void): void {
  writeFile(target, data, flags).then(() => then(undefined), then);
}

/** The pace of one run's small-file writes (one per gather, shared by its clients). */
export class WritePace {
  private local = false;
  private inThreads = false;
  private readonly recentMs: number[] = [];

  /** The folder written into: synchronous writes only when it is on a local disk. */
  onFolder(dir: string): this {
    this.local = onLocalDisk(dir);
    return this;
  }

  write(target: string, data: Buffer, flags: Flags, then: (e: unknown) => void): void {
    if (!this.local || this.inThreads) return writeInThreads(target, data, flags, then);
    const started = performance.now();
    let failed: unknown;
    try {
      writeFileSync(target, data, flags);
    } catch (e) {
      failed = e;
    }
    if (this.recentMs.push(performance.now() - started) === WRITES_JUDGED) {
      this.recentMs.sort((a, b) => a - b);
      this.inThreads = this.recentMs[WRITES_JUDGED >> 1]! > SLOW_WRITE_MS;
      this.recentMs.length = 0;
    }
    then(failed);
  }

  /** Whether writes have gone to the thread pool (for tests and traces). */
  get threaded(): boolean {
    return !this.local || this.inThreads;
  }
}
