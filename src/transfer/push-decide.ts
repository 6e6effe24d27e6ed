// Which files a client needs, and (sync --delete) which of its entries are extraneous: pure,
// from the local files and what the client has (remote-stat.ts).
import { posix } from 'node:path';
import type { RemoteEntry } from './remote-stat.js';
import { TEMPORARY_NAME } from './scan.js';
import type { PushFile } from './local-sources.js';

/**
 * `content` (copy): the same bytes (md5), and the mode and mtime asked for; `size-mtime`
 * (sync's default, rsync's quick check): same size and mtime to the second; `checksum`
 * (sync --checksum): same size and md5.
 */
export type Compare = 'content' | 'size-mtime' | 'checksum';

/** `md5`: the sizes match, the sums decide. */
export type FirstLook = 'send' | 'unchanged' | 'md5';

export interface Wanted {
  /** The mode the file must end with, when one is asked for (--mode, --preserve). */
  mode?: number;
  /** Its mtime must be the local one (--preserve, and always for sync). */
  mtime: boolean;
}

export function firstLook(file: PushFile, there: RemoteEntry | undefined, compare: Compare, want: Wanted): FirstLook {
  if (there === undefined || there.type !== 'file' || there.size !== file.size) return 'send';
  const sameMtime = there.mtime === Math.floor(file.mtimeMs / 1000);
  if (compare === 'size-mtime') return sameMtime ? 'unchanged' : 'send';
  if (compare === 'checksum') return 'md5';
  if (want.mode !== undefined && there.mode !== want.mode) return 'send';
  if (want.mtime && !sameMtime) return 'send';
  return 'md5';
}

/** The mode a written file gets: --mode, else the local one (--preserve, sync), else the local one less the client's umask. */
export function modeFor(file: PushFile, o: { mode?: number; preserve: boolean; umask: number }): number {
  if (o.mode !== undefined) return o.mode;
  return o.preserve ? file.mode & 0o777 : file.mode & 0o777 & ~o.umask;
}

export interface Extraneous {
  /** Files, links and special files to remove. */
  files: string[];
  /** Folders to remove once emptied, deepest first. */
  dirs: string[];
}

/**
 * What the client has under the destination that the local folder has not: every entry no
 * local path names, and entries of the wrong kind (a folder where a file goes, a file where a
 * folder goes). director's own temporaries are left to the leftover clean-up.
 */
export function extraneous(files: readonly PushFile[], dirs: readonly string[], remote: ReadonlyMap<string, RemoteEntry>): Extraneous {
  const localFiles = new Set(files.map((f) => f.rel));
  const localDirs = new Set(dirs);
  const out: Extraneous = { files: [], dirs: [] };
  for (const [rel, e] of remote) {
    if (TEMPORARY_NAME.test(posix.basename(rel))) continue;
    if (e.type === 'dir') {
      if (!localDirs.has(rel)) out.dirs.push(rel);
    } else if (!localFiles.has(rel)) out.files.push(rel);
  }
  out.files.sort();
  out.dirs.sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : a > b ? 1 : 0));
  return out;
}

function depth(rel: string): number {
  return rel.split('/').length;
}

/** Remote paths that can never be the folder of a `sync --delete`: the whole machine or a home. */
export function deleteGuard(dir: string): string | undefined {
  const parts = dir.split('/');
  if (parts.includes('..')) return 'a folder reached through ".." is not allowed with --delete; name the folder itself';
  const normal = dir.replace(/\/+/g, '/').replace(/(^|\/)\.(?=\/|$)/g, '$1').replace(/\/+/g, '/').replace(/\/$/, '');
  if (normal === '' && dir.startsWith('/')) return 'the root folder';
  if (normal === '' || normal === '~' || normal === '.' || normal === '~/.') return 'the home folder';
  return undefined;
}
