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

/**
 * A remote root given by the user (--remote-root): any folder, but not one reached through
 * `..`, which would put a project somewhere its name does not say. Checked before any client
 * is contacted.
 */
export function checkRemoteRoot(path: string): string {
  if (path.split('/').includes('..')) {
    throw new UsageError(`--remote-root ${JSON.stringify(path)}: ".." is not allowed; name the folder itself`);
  }
  remotePath(path); // `~user/…` is refused there
  return path;
}
