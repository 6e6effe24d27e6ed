// The local side of copy and sync: which files go, under which relative name. copy takes
// files and folders by their last name (`copy a.txt tree/ DEST` writes DEST/a.txt and
// DEST/tree/…, as cp -r and scp -r do); sync takes a folder's contents. A symbolic link named
// on the command line is followed (as cp -H and scp do); links inside a tree are skipped and
// listed, never followed, as are special files.
import { lstatSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { UsageError } from '../config/errors.js';
import { scan, TEMPORARY_NAME, type LocalFile, type Skipped } from './scan.js';

export interface PushFile extends LocalFile {
  /** Where it is read from. */
  abs: string;
}

export interface LocalSources {
  files: PushFile[];
  /** Folders to have on the client (relative to the destination), parents before children. */
  dirs: string[];
  skipped: Skipped[];
  totalBytes: number;
}

/** copy's operands: files and folders, each under its own last name. */
export async function copySources(paths: readonly string[]): Promise<LocalSources> {
  if (paths.length === 0) throw new UsageError('copy: give at least one local path and a remote folder');
  const out: LocalSources = { files: [], dirs: [], skipped: [], totalBytes: 0 };
  const seen = new Map<string, string>();
  for (const path of paths) {
    const abs = resolve(path);
    const name = basename(abs);
    if (name === '') throw new UsageError(`copy: ${JSON.stringify(path)} has no name to copy it under`);
    const other = seen.get(name);
    if (other !== undefined) throw new UsageError(`copy: ${JSON.stringify(other)} and ${JSON.stringify(path)} would both be written as ${JSON.stringify(name)}`);
    seen.set(name, path);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (st === undefined) throw new UsageError(`copy: ${path}: no such file or folder${lstatSync(abs, { throwIfNoEntry: false })?.isSymbolicLink() ? ' (a broken symbolic link)' : ''}`);
    if (st.isDirectory()) await addTree(out, abs, name);
    else if (st.isFile()) {
      if (TEMPORARY_NAME.test(name)) throw new UsageError(`copy: ${path} is named like a director temporary`);
      out.files.push({ rel: name, abs, size: st.size, mtimeMs: st.mtimeMs, mode: st.mode & 0o7777 });
    } else throw new UsageError(`copy: ${path} is not a regular file or folder`);
  }
  out.totalBytes = out.files.reduce((n, f) => n + f.size, 0);
  return out;
}

/** sync's source: the contents of one folder. */
export async function syncSources(dir: string): Promise<LocalSources> {
  const abs = resolve(dir);
  if (!statSync(abs, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`sync: ${dir} is not a folder`);
  const out: LocalSources = { files: [], dirs: [], skipped: [], totalBytes: 0 };
  await addTree(out, abs, '');
  out.totalBytes = out.files.reduce((n, f) => n + f.size, 0);
  return out;
}

async function addTree(out: LocalSources, abs: string, prefix: string): Promise<void> {
  const found = await scan(abs, {});
  const under = (rel: string) => (prefix === '' ? rel : `${prefix}/${rel}`);
  if (prefix !== '') out.dirs.push(prefix);
  for (const d of found.dirs) out.dirs.push(under(d));
  for (const f of found.files) out.files.push({ ...f, rel: under(f.rel), abs: resolve(abs, f.rel) });
  for (const s of found.skipped) out.skipped.push({ ...s, rel: under(s.rel) });
}
