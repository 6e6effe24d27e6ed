// The md5 of many remote files in one command. The paths travel as
// a NUL-separated list on stdin (xargs -0), never through the shell, so any name is safe.
import type { Session } from '../ssh/session.js';
import { HostError } from '../ssh/host-error.js';
import { nulList, parseMd5sumZ } from './md5sum-output.js';

/** md5sum of a NUL-separated list of paths on stdin, NUL-terminated records out. */
export const MD5SUM_LIST = 'xargs -0 -r md5sum -z --';
const MD5SUM = `${MD5SUM_LIST} 2>/dev/null`;

/** md5 of every path that exists as a readable file; missing ones are simply absent. */
export async function remoteMd5(session: Session, paths: readonly string[], signal?: AbortSignal): Promise<Map<string, string>> {
  if (paths.length === 0) return new Map();
  const { result, stdout } = await session.capture(MD5SUM, { stdin: nulList(paths), signal });
  if (result.code === 127 || result.code === 126) {
    throw new HostError('io', 'the client has no md5sum/xargs (GNU coreutils and findutils are needed)');
  }
  return parseMd5sumZ(stdout);
}
