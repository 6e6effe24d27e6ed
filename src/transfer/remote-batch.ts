// The md5 of many remote files in one command. The paths travel as
// a NUL-separated list on stdin (xargs -0), never through the shell, so any name is safe.
import type { Session } from '../ssh/session.js';
import { HostError } from '../ssh/host-error.js';
import { afterMark, markCode } from '../remote/framed.js';
import { answerToken, didNotRun, underSh } from '../remote/posix.js';
import { nulList, parseMd5sumZ } from './md5sum-output.js';

/**
 * sh code: md5sum of a NUL-separated list of paths on stdin, NUL-terminated records out.
 * GNU md5sum writes them itself (-z); busybox's has no -z, and its lines are turned into
 * records (a name with a newline cannot be told apart there: it fails its check). A client
 * with no md5sum at all exits 127 with a line saying so.
 */
export const MD5SUM_LIST =
  'if ! command -v md5sum >/dev/null 2>&1; then echo "md5sum: not found (install coreutils or busybox)" >&2; exit 127; fi; ' +
  'if md5sum --version 2>/dev/null | grep -q GNU; then xargs -0 -r md5sum -z --; else xargs -0 -r md5sum -- | tr "\\n" "\\0"; fi';

/** md5 of every path that exists as a readable file; missing ones are simply absent. */
export async function remoteMd5(session: Session, paths: readonly string[], signal?: AbortSignal): Promise<Map<string, string>> {
  if (paths.length === 0) return new Map();
  const token = answerToken();
  const { result, stdout, stderr } = await session.capture(underSh(`${markCode(token)}\n{ ${MD5SUM_LIST}; } 2>/dev/null`), { stdin: nulList(paths), signal });
  const sums = afterMark(stdout, token);
  if (result.code === 127 || result.code === 126) {
    throw new HostError('io', 'the client has no md5sum (install coreutils, or busybox with md5sum): nothing is deleted locally');
  }
  if (sums === undefined) throw new HostError('io', didNotRun(result.code, stderr));
  return parseMd5sumZ(sums);
}
