// Which local files `data` sends: a recursive walk that never follows symbolic links.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_EXTENSIONS = ['.txt', '.json', '.zip', '.gz'];

/**
 * As little as placement needs, as there may be a hundred thousand: the full path is the
 * scan's root joined with `rel`, and the mtime for the tar header is read when the file is.
 */
export interface LocalFile {
  /** Relative to the data folder, `/`-separated: kept as is on the client. */
  rel: string;
  size: number;
  mtimeMs: number;
  /** Permission bits (07777). */
  mode: number;
}

export interface Skipped {
  rel: string;
  why: 'extension' | 'symlink' | 'not a regular file' | 'named like a director temporary';
}

export interface ScanResult {
  files: LocalFile[];
  skipped: Skipped[];
  /** Every folder under the root, relative to it. */
  dirs: string[];
}

export interface ScanOptions {
  /** Lower-case extensions with the dot; undefined = every regular file (--all). */
  extensions?: readonly string[];
}

/** `--ext txt,.CSV` → ['.txt', '.csv']. */
export function parseExtensions(list: string): string[] {
  return list
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '')
    .map((e) => (e.startsWith('.') ? e : `.${e}`));
}

export function eligible(name: string, extensions: readonly string[] | undefined): boolean {
  if (extensions === undefined) return true;
  const lower = name.toLowerCase();
  return extensions.some((e) => lower.endsWith(e) && lower.length > e.length);
}

/**
 * The exact names director gives its temporaries on a client (`.<16 hex>-<n>.director-tmp`,
 * `.director-batch-<16 hex>.list`). A data file of that name could be overwritten by a batch
 * whose tag it matches (tags are a hash of paths, so anyone can compute one): never sent.
 */
export const TEMPORARY_NAME = /^\.(?:[0-9a-f]{16}-\d+\.director-tmp|director-batch-[0-9a-f]{16}\.list)$/;

/**
 * Synchronous on purpose: it runs before any connection is open, when nothing else waits on
 * the event loop, and a thousand lstat calls cost a fraction of their promise forms.
 */
export async function scan(root: string, opts: ScanOptions): Promise<ScanResult> {
  const files: LocalFile[] = [];
  const skipped: Skipped[] = [];
  const dirs: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const abs = join(dir, e.name);
      const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
      if (e.isSymbolicLink()) skipped.push({ rel, why: 'symlink' });
      else if (e.isDirectory()) {
        dirs.push(rel);
        walk(abs, rel);
      }
      else if (!e.isFile()) skipped.push({ rel, why: 'not a regular file' });
      else if (TEMPORARY_NAME.test(e.name)) skipped.push({ rel, why: 'named like a director temporary' });
      else if (!eligible(e.name, opts.extensions)) skipped.push({ rel, why: 'extension' });
      else {
        const st = lstatSync(abs);
        files.push({ rel, size: st.size, mtimeMs: st.mtimeMs, mode: st.mode & 0o7777 });
      }
    }
  };
  walk(root, '');
  return { files, skipped, dirs };
}
