// Local paths built from names a client sent (tar entries of gathered files): a name is
// written only if every part of it is a plain name and the result stays inside the folder
// meant for it. Absolute names, `..`, empty parts are refused, never written.
import { resolve, sep } from 'node:path';

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
