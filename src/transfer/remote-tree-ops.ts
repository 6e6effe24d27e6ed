// The remote steps of copy and sync around the tar batches, each one command for many names:
// backups of replaced files, removal of extraneous entries, folders to create, and earlier
// runs' temporaries. Names travel NUL-separated on stdin (xargs -0), never through a shell;
// a name is reported done only when the client printed it after checking.
import { quote } from '../remote-shell.js';
import { afterMark, markCode } from '../remote/framed.js';
import { answerToken, didNotRun, underSh } from '../remote/posix.js';
import type { Session } from '../ssh/session.js';
import { HostError } from '../ssh/host-error.js';
import { LEFTOVER_MATCH } from './leftovers.js';
import { nulList } from './md5sum-output.js';

/** Runs `perName` (sh code over "$@", printing done names NUL-terminated) over `names` in `base`; the names printed. */
async function eachName(session: Session, base: string, names: readonly string[], perName: string, signal?: AbortSignal): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const token = answerToken();
  const code = `cd -- ${quote(base)} || exit 1\n${markCode(token)}\nxargs -0 -r sh -c ${quote(perName)} sh`;
  const { result, stdout, stderr } = await session.capture(underSh(code), { stdin: nulList(names), signal });
  const body = afterMark(stdout, token);
  if (body === undefined) throw new HostError('io', didNotRun(result.code, stderr));
  return new Set(body.split('\0').slice(0, -1));
}

/**
 * `name~` becomes the file now at `name` (a hard link, or a copy where links fail), for the
 * regular files about to be replaced. Resolves with the names backed up; a `name~` that is a
 * folder is left alone (and that name is not backed up).
 */
export function keepBackups(session: Session, base: string, names: readonly string[], signal?: AbortSignal): Promise<Set<string>> {
  const perName = 'for f do [ -d "$f~" ] && continue; rm -f -- "$f~" 2>/dev/null; { ln -- "$f" "$f~" 2>/dev/null || cp -p -- "$f" "$f~"; } && printf "%s\\0" "$f"; done';
  return eachName(session, base, names, perName, signal);
}

/**
 * Removes each entry (files and links with rm, folders with rmdir once emptied: give them
 * deepest first, after their contents); resolves with the names that are gone afterwards.
 */
export function removeEntries(session: Session, base: string, names: readonly string[], signal?: AbortSignal): Promise<Set<string>> {
  const perName =
    'for p do if [ -d "$p" ] && [ ! -L "$p" ]; then rmdir -- "$p"; else rm -f -- "$p"; fi 2>/dev/null; ' +
    'if [ -e "$p" ] || [ -L "$p" ]; then :; else printf "%s\\0" "$p"; fi; done';
  return eachName(session, base, names, perName, signal);
}

/** Creates the folders (under `base`, made too); resolves with those that are folders afterwards. */
export function makeDirs(session: Session, base: string, dirs: readonly string[], signal?: AbortSignal): Promise<Set<string>> {
  const perName = 'for d do mkdir -p -- "$d" 2>/dev/null; [ -d "$d" ] && printf "%s\\0" "$d"; done';
  return eachName(session, '.', dirs.map((d) => (base === '.' ? d : `${base}/${d}`)), perName, signal).then(
    (made) => new Set(dirs.filter((d) => made.has(base === '.' ? d : `${base}/${d}`))),
  );
}

/**
 * Earlier runs' temporaries in the folders copy and sync write to (only there, not below:
 * a destination may be a home or /): how many were removed; undefined when the client could
 * not say. A folder that does not exist yet is passed over.
 */
export async function removeLeftoversIn(session: Session, dirs: readonly string[], signal?: AbortSignal): Promise<number | undefined> {
  if (dirs.length === 0) return 0;
  // find takes no `--`: a start path must not look like an option.
  const starts = dirs.map((d) => (d.startsWith('/') || d.startsWith('./') ? d : `./${d}`));
  const perDirs = `LC_ALL=C find "$@" -maxdepth 1 ${LEFTOVER_MATCH} -exec rm -f -- {} ';' -print0 2>/dev/null; true`;
  try {
    const token = answerToken();
    const { stdout } = await session.capture(underSh(`${markCode(token)}\nxargs -0 -r sh -c ${quote(perDirs)} sh`), { stdin: nulList(starts), signal, timeoutMs: 60_000 });
    const body = afterMark(stdout, token);
    return body === undefined ? undefined : body.split('\0').length - 1;
  } catch {
    return undefined;
  }
}
