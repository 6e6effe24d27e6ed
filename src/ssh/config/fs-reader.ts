// The ConfigReader over the real file system: readFileSync, and a small glob(3) for Include
// (Node 20 has no fs.glob). Like glob(3), a wildcard never matches a leading dot and the
// results are sorted; a pattern without wildcards names the file if it exists.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { ConfigReader } from './read.js';

export const fsReader: ConfigReader = {
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw e;
    }
  },
  glob(pattern) {
    return globPaths(pattern).sort();
  },
};

const MAGIC = /[*?[]/;

function globPaths(pattern: string): string[] {
  const absolute = pattern.startsWith('/');
  const parts = pattern.split('/').filter((p) => p !== '');
  let found = [absolute ? '/' : '.'];
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const dir of found) {
      if (!MAGIC.test(part)) {
        const p = join(dir, part);
        if (exists(p, !last)) next.push(p);
        continue;
      }
      const re = segmentRegExp(part);
      for (const name of list(dir)) {
        const p = join(dir, name);
        if (re.test(name) && (last || exists(p, true))) next.push(p);
      }
    }
    found = next;
  }
  return parts.length === 0 ? [] : found.map((p) => (absolute ? p : p.replace(/^\.\//, '')));
}

function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function exists(p: string, mustBeDir: boolean): boolean {
  try {
    const st = statSync(p);
    return !mustBeDir || st.isDirectory();
  } catch {
    return false;
  }
}

/** One path segment of a glob: `*`, `?`, `[…]` (with `!` or `^` to negate); no leading-dot matches. */
function segmentRegExp(part: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i += 1) {
    const c = part[i]!;
    const close = c === '[' ? part.indexOf(']', i + 2) : -1;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (close !== -1) {
      const body = part.slice(i + 1, close);
      re += `[${body.replace(/^[!^]/, '^').replace(/\\/g, '\\\\')}]`;
      i = close;
    } else re += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${part.startsWith('.') ? '' : '(?!\\.)'}${re}$`, 's');
}
