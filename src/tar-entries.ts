// A tar stream a client sent (run's result files, gather), written to local files. A name is
// written only if every part of it is a plain name and the result stays inside the folder
// meant for it: absolute names, `..`, empty parts are refused, never written. Entries are
// written with backpressure and an md5 on the way, and the stream moves on whatever happens to
// one file. tar-stream's entry bodies are streamx readables; a body cut short (the stream
// ended mid-entry) errs, and that error must have a listener or it crashes the process.
import { createHash } from 'node:crypto';
import { createWriteStream, statfsSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type tar from 'tar-stream';

/** One plain part of a path: a backslash is a character like any other here (POSIX). */
function isPlainPart(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/** A name safe on any system (no backslash either): a folder name director makes itself. */
export function isSafeName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\\') && !name.includes('\0');
}

/** Is `path` inside `root` (both absolute)? */
export function isInside(root: string, path: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * A tar entry's name as a path under `root`: leading `./` and trailing `/` dropped; undefined
 * for the archive's own `.`; `unsafe` for anything that could land outside `root`.
 */
export function entryTarget(root: string, name: string): { rel: string; parts: string[]; target: string } | 'root' | 'unsafe' {
  const rel = name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (rel === '' || rel === '.') return 'root';
  const parts = rel.split('/');
  const target = resolve(root, rel);
  if (name.startsWith('/') || !parts.every(isPlainPart) || !isInside(root, target)) return 'unsafe';
  return { rel, parts, target };
}

/** The part of an entry body's API used here. */
export type Body = Pick<Readable, 'on' | 'pause' | 'resume'>;

export interface EntryWrite {
  /** Resolves when the file is closed (whatever happened), so it can be removed safely. */
  closed: Promise<void>;
}

/**
 * Writes one entry to `target`; a write that fails (a full disk) keeps reading the entry to
 * its end, so the stream moves on, and reports the failure once both the entry and the file
 * are done. `exclusive`: the file must not exist yet (a temporary), created 0600. `quick`: the
 * folder is on a local disk (quickLocalDisk), where a small entry may be written synchronously.
 */
export function writeEntry(body: Body, target: string, opts: { exclusive?: boolean; size?: number; quick?: boolean }, then: (e: unknown, md5: string, bytes: number) => void): EntryWrite {
  const flags = opts.exclusive ? { flag: 'wx', mode: 0o600 } : {};
  if (opts.size !== undefined && opts.size <= SMALL_ENTRY) return writeSmall(body, target, flags, opts.quick === true, then);
  const out = createWriteStream(target, opts.exclusive ? { flags: 'wx', mode: 0o600 } : {});
  const closed = new Promise<void>((ok) => out.on('close', ok));
  const hash = createHash('md5');
  let bytes = 0;
  let failed: unknown;
  let open = 2;
  const one = () => {
    if (--open === 0) then(failed, hash.digest('hex'), bytes);
  };
  out.on('error', (e) => {
    failed ??= e;
    body.resume();
  });
  out.on('close', one);
  body.on('error', (e: unknown) => {
    failed ??= e;
    out.destroy();
  });
  body.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
    if (failed !== undefined) return;
    if (!out.write(chunk)) {
      body.pause();
      out.once('drain', () => body.resume());
    }
  });
  body.on('end', () => {
    out.end();
    one();
  });
  return { closed };
}

/** Entries up to this size are read whole and written by one call. */
const SMALL_ENTRY = 1024 * 1024;

/**
 * How small entries are written. Synchronously, on this thread, while the file system answers
 * quickly: a gather of 16 × 2000 files of 10 KB into a journaled ext4 took 4.4 s instead of
 * 5.9 s and 37% less CPU than through the thread pool, whose open, write and close are three
 * hand-offs per file. Through the thread pool once writes turn slow (a run of sync writes
 * whose median is over SLOW_WRITE_MS): there the file system's own work dominates and 4 threads do it side by
 * side, where this thread would wait (on this machine's unjournaled ext4, right after
 * 32 000 files were deleted, each create scans past recently freed inodes: 22 s against 11–17 s).
 */
const SLOW_WRITE_MS = 0.25;

/**
 * File systems on a local disk (ext2/3/4, xfs, btrfs, f2fs, zfs, tmpfs, overlayfs), by statfs
 * magic: only there are small files written synchronously. A network or FUSE file system can
 * hang a call, and a synchronous one would stop the whole process (Ctrl-C, keepalives).
 */
const LOCAL_DISKS = new Set([0xef53, 0x58465342, 0x9123683e, 0xf2f52010, 0x2fc12fc1, 0x01021994, 0x794c7630]);

/** Is `dir` on a local disk's file system (LOCAL_DISKS)? False when it cannot tell. */
export function quickLocalDisk(dir: string): boolean {
  try {
    return LOCAL_DISKS.has(statfsSync(dir).type);
  } catch {
    return false;
  }
}
/** Judged by the median of each run of this many writes: a journal commit's one slow write is no verdict. */
const WRITES_JUDGED = 128;
const smallWrites = { recentMs: [] as number[], inThreads: false };

function writeSmallFile(target: string, data: Buffer, flags: { flag?: string; mode?: number }, quick: boolean, then: (e: unknown) => void): void {
  if (!quick || smallWrites.inThreads) {
    writeFile(target, data, flags).then(() => then(undefined), then);
    return;
  }
  const started = performance.now();
  let failed: unknown;
  try {
    writeFileSync(target, data, flags);
  } catch (e) {
    failed = e;
  }
  const recent = smallWrites.recentMs;
  if (recent.push(performance.now() - started) === WRITES_JUDGED) {
    recent.sort((a, b) => a - b);
    smallWrites.inThreads = recent[WRITES_JUDGED >> 1]! > SLOW_WRITE_MS;
    recent.length = 0;
  }
  then(failed);
}

/**
 * A small entry: held in memory, then written by one call. Thousands of small files cost a
 * third of the main thread's time that a write stream each costs (its open, writes and close
 * are separate round trips through the event loop).
 */
function writeSmall(body: Body, target: string, flags: { flag?: string; mode?: number }, quick: boolean, then: (e: unknown, md5: string, bytes: number) => void): EntryWrite {
  const chunks: Buffer[] = [];
  let failed: unknown;
  let wrote: () => void = () => undefined;
  const closed = new Promise<void>((ok) => (wrote = ok));
  body.on('error', (e: unknown) => {
    failed ??= e;
    wrote();
  });
  body.on('data', (chunk: Buffer) => chunks.push(chunk));
  body.on('end', () => {
    const data = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    const md5 = createHash('md5').update(data).digest('hex');
    writeSmallFile(target, data, flags, quick, (e) => {
      wrote();
      then(failed ?? e, md5, data.length);
    });
  });
  return { closed };
}

/** Reads an entry's body to its end (tar-stream moves on only then). */
export function drain(body: Body, then: () => void): void {
  body.on('end', then);
  body.on('error', () => undefined);
  body.resume();
}

export type EntryAt = Exclude<ReturnType<typeof entryTarget>, 'root' | 'unsafe'>;

/**
 * Calls `entry` for each entry of `extract` whose name is safe under `root`, with `done` to
 * call when it is handled; the archive's own `.` is passed over and an unsafe name goes to
 * `unsafe` (never written). A handler's error is kept, the first one, in `failed()`.
 */
export function onSafeEntries(
  extract: tar.Extract,
  root: string,
  unsafe: (name: string) => void,
  entry: (header: tar.Header, body: Body, at: EntryAt, done: (e?: unknown) => void) => void,
): { failed(): unknown } {
  let error: unknown;
  extract.on('entry', (header, stream, next) => {
    const body = stream as unknown as Body;
    const done = (e?: unknown) => {
      if (e !== undefined) error ??= e;
      next();
    };
    const at = entryTarget(root, header.name);
    if (at === 'root') return drain(body, done);
    if (at === 'unsafe') {
      unsafe(header.name);
      return drain(body, done);
    }
    entry(header, body, at, done);
  });
  return { failed: () => error };
}
