// Remote paths as director writes them: `~` and `~/x` mean the login home. Commands run
// with the home as their working directory, so a home path becomes a relative one, which
// keeps it quotable (a quoted `~` would not expand).
import { UsageError } from '../config/errors.js';

export function remotePath(path: string): string {
  if (path === '~') return '.';
  if (path.startsWith('~/')) return path.slice(2).replace(/^\/+/, '') || '.';
  if (path.startsWith('~')) throw new UsageError(`remote path ${JSON.stringify(path)}: only ~ and ~/… are understood`);
  return path;
}

/** Join remote path parts with single slashes. */
export function joinRemote(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '' && p !== '.').join('/').replace(/\/{2,}/g, '/');
  return joined === '' ? '.' : joined;
}
