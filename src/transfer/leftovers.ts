// Temporaries an earlier run left on a client. A batch removes its own temporaries when it
// fails or is stopped, but a director killed outright (SIGKILL, a power cut) cannot: its
// `.<tag>-<n>.director-tmp` files and `.director-batch-<tag>.list` stay in the project folder.
// A rerun replaces only those whose batch it sends again with the same files (same tag), so
// the next run of the project removes every one it finds, and says how many.
import { quote } from '../remote-shell.js';
import type { Session } from '../ssh/session.js';
import { trace } from '../trace.js';
import { underSh } from '../remote/posix.js';

const HEX16 = '[0-9a-f]'.repeat(16);

/**
 * `find` words that match exactly the names of scan.ts's TEMPORARY_NAME, in the glob of
 * `-name` that GNU and busybox find share: `.<16 hex>-<digits>.director-tmp` (a digit first,
 * then no non-digit before the suffix) and `.director-batch-<16 hex>.list`. Exact, because a
 * user's own `.notes.director-tmp` is data, not ours to delete. C locale: `[0-9a-f]` is a
 * byte range, never a collation range that takes in capitals.
 */
export const LEFTOVER_MATCH =
  `\\( \\( -name '.${HEX16}-[0-9]*.director-tmp' ! -name '.${HEX16}-*[!0-9]*.director-tmp' \\) ` +
  `-o -name '.director-batch-${HEX16}.list' \\) -type f`;

/**
 * The remote command: nothing to do where the project folder does not exist yet. A name is
 * printed (NUL-terminated) only once its `rm` succeeded, so the count is of files removed.
 * One `rm` per file, as busybox find has no -delete; there are none after a clean run.
 */
export function leftoversCommand(base: string): string {
  return underSh(`cd -- ${quote(base)} 2>/dev/null || exit 0; LC_ALL=C find . ${LEFTOVER_MATCH} -exec rm -f -- {} ';' -print0`);
}

/** How long a client may take to look through its project folder. */
const LEFTOVERS_MS = 60_000;

/**
 * Remove director's temporaries under the project folder `base` (one command); returns how
 * many went, or undefined when the client could not say (no find, a time-out): a leftover
 * is untidy, never a reason to fail the files of this run.
 */
export async function removeLeftovers(session: Session, base: string, signal?: AbortSignal): Promise<number | undefined> {
  try {
    const { result, stdout } = await session.capture(leftoversCommand(base), { timeoutMs: LEFTOVERS_MS, signal });
    const removed = stdout.split('\0').length - 1;
    trace(`${session.target.hostname}:${session.target.port} ${removed} leftover temporaries removed (find exit ${String(result.code)})`);
    return result.code === 0 || removed > 0 ? removed : undefined;
  } catch {
    return undefined;
  }
}
