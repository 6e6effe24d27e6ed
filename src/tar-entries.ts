// A tar stream a client sent (run's result files, gather), written to local files. A name is
// written only if every part of it is a plain name and the result stays inside the folder
// meant for it: absolute names, `..`, empty parts are refused, never written. Entries are
// written with backpressure and an md5 on the way, and the stream moves on whatever happens to
// one file. tar-stream's entry bodies are streamx readables; a body cut short (the stream
// ended mid-entry) errs, and that error must have a listener or it crashes the process.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type tar from 'tar-stream';
import { writeInThreads, type WritePace } from './local-writes.js';

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
 * are done. `exclusive`: the file must not exist yet (a temporary), created 0600. `pace`: how
 * a small entry is written (local-writes.ts); without one, through the thread pool.
 */
export function writeEntry(body: Body, target: string, opts: { exclusive?: boolean; size?: number; pace?: WritePace }, then: (e: unknown, md5: string, bytes: number) => void): EntryWrite {
  const flags = opts.exclusive ? { flag: 'wx', mode: 0o600 } : {};
  if (opts.size !== undefined && opts.size <= SMALL_ENTRY) return writeSmall(body, target, flags, opts.pace, then);
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
 * A small entry: held in memory, then written by one call. Thousands of small files cost a
 * third of the main thread's time that a write stream each costs (its open, writes and close
 * are separate round trips through the event loop).
 */
function writeSmall(body: Body, target: string, flags: { flag?: string; mode?: number }, pace: WritePace | undefined, then: (e: unknown, md5: string, bytes: number) => void): EntryWrite {
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
    const written = (e: unknown) => {
      wrote();
      then(failed ?? e, md5, data.length);
    };
    if (pace) pace.write(target, data, flags, written);
    else writeInThreads(target, data, flags, written);
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
