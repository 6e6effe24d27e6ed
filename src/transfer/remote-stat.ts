// What is already on a client, in one command: size, mtime, mode and type of named paths
// (copy's targets) or of a whole folder (sync). `stat -c` is in GNU coreutils and busybox
// alike; its records start with a token fresh for each command, so a name holding newlines
// (or text that looks like a record) cannot be taken for another record: only a name holding
// "\n<token> " could, and nobody can know the token beforehand. Names go in NUL-separated on
// stdin (xargs -0) or come from find, never through the shell.
import { quote } from '../remote-shell.js';
import { afterMark, markCode } from '../remote/framed.js';
import { answers, answerToken, didNotRun, underSh } from '../remote/posix.js';
import type { Session } from '../ssh/session.js';
import { HostError } from '../ssh/host-error.js';
import { nulList } from './md5sum-output.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface RemoteEntry {
  type: EntryType;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Permission bits (07777). */
  mode: number;
}

/** `stat -c` format of one record: `<token> size mtime mode rawmode name`. */
export function statFormat(token: string): string {
  return `${token} %s %Y %a %f %n`;
}

/**
 * The records of `stat -c statFormat(token)` output, by name (a leading `./` dropped). A sync
 * reads one record per file of the tree on every client (32 000 for 16 clients of 2000 files):
 * scanned in place, no split, no regex per record.
 */
export function parseStat(out: string, token: string): Map<string, RemoteEntry> {
  const entries = new Map<string, RemoteEntry>();
  // Records are what follows each "\n<token> " in "\n" + out, up to the next one.
  const sep = `\n${token} `;
  let at = out.startsWith(`${token} `) ? token.length + 1 : afterSep(out, sep, 0);
  while (at !== -1) {
    const next = out.indexOf(sep, at);
    // The last record lost no newline to a separator: stat's own is dropped here.
    const end = next !== -1 ? next : out.charCodeAt(out.length - 1) === 10 ? out.length - 1 : out.length;
    record(out, at, end, entries);
    at = next === -1 ? -1 : next + sep.length;
  }
  return entries;
}

function afterSep(out: string, sep: string, from: number): number {
  const i = out.indexOf(sep, from);
  return i === -1 ? -1 : i + sep.length;
}

/** One record, `size mtime mode rawmode name`, from out[start, end); a malformed one is skipped. */
function record(out: string, start: number, end: number, entries: Map<string, RemoteEntry>): void {
  const s1 = field(out, start, end, 10);
  const s2 = s1 === -1 ? -1 : field(out, s1 + 1, end, 10);
  const s3 = s2 === -1 ? -1 : field(out, s2 + 1, end, 8);
  const s4 = s3 === -1 ? -1 : field(out, s3 + 1, end, 16);
  if (s4 === -1) return;
  const kind = parseInt(out.slice(s3 + 1, s4), 16) & 0o170000;
  const type: EntryType = kind === 0o100000 ? 'file' : kind === 0o040000 ? 'dir' : kind === 0o120000 ? 'symlink' : 'other';
  const from = s4 + 1;
  const name = out.startsWith('./', from) ? out.slice(from + 2, end) : out.slice(from, end);
  entries.set(name, {
    type,
    size: Number(out.slice(start, s1)),
    mtime: Number(out.slice(s1 + 1, s2)),
    mode: parseInt(out.slice(s2 + 1, s3), 8) & 0o7777,
  });
}

/** The space ending a field of digits (of this radix) that starts at `from`, or -1. */
function field(out: string, from: number, end: number, radix: number): number {
  const space = out.indexOf(' ', from);
  return space === -1 || space >= end || !digits(out, from, space, radix) ? -1 : space;
}

/** Are out[from, to) one or more digits of this radix (10, 8 or 16)? */
function digits(out: string, from: number, to: number, radix: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = out.charCodeAt(i);
    const ok = radix === 16 ? (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) : c >= 48 && c < 48 + radix;
    if (!ok) return false;
  }
  return true;
}

/** The sh code of a stat of every NUL-separated path on stdin (missing ones print nothing). */
export function statPathsCode(token: string): string {
  return `xargs -0 -r stat -c ${quote(statFormat(token))} -- 2>/dev/null; true`;
}

export interface ClientFacts {
  /** Asked only when needed (--owner): `id` is a process more on every client. */
  uid?: number;
  /** The login's umask (what a file written without an explicit mode loses). */
  umask: number;
}

/** sh lines printing the client's umask (the builtin, no subshell) and, when asked, its uid, as answer lines. */
function factsCode(token: string, uid: boolean): string[] {
  return [`printf '%s umask ' ${token}; umask`, ...(uid ? [`printf '%s %s %s\\n' ${token} uid "$(id -u)"`] : [])];
}

function parseFacts(said: readonly string[], uid: boolean): ClientFacts | undefined {
  const map = new Map(said.map((a) => a.split(' ') as [string, string]));
  const umask = parseInt(map.get('umask') ?? '', 8);
  if (!Number.isInteger(umask)) return undefined;
  if (!uid) return { umask };
  const id = Number(map.get('uid'));
  return Number.isInteger(id) ? { uid: id, umask } : undefined;
}

/**
 * The client's uid and umask, and the entries among `paths` that exist: one round trip. The
 * facts come as answer lines, the records after a mark (rc banners are passed over).
 */
export async function probeTargets(session: Session, paths: readonly string[], uid: boolean, signal?: AbortSignal): Promise<{ facts: ClientFacts; entries: Map<string, RemoteEntry> }> {
  const token = answerToken();
  const code = [...factsCode(token, uid), markCode(token), statPathsCode(token)].join('\n');
  const { result, stdout, stderr } = await session.capture(underSh(code), { stdin: nulList(paths), signal });
  const body = afterMark(stdout, token);
  const facts = parseFacts(answers(beforeMark(stdout, token), token), uid);
  if (body === undefined || facts === undefined) throw new HostError('io', didNotRun(result.code, stderr));
  return { facts, entries: parseStat(body, token) };
}

/**
 * The client's uid and umask, and every entry under the folder `dir` by path relative to it
 * (`exists: false` when there is no such folder): one round trip. find lists, stat describes
 * (busybox find has `-exec {} +` too).
 */
export async function probeTree(session: Session, dir: string, uid: boolean, signal?: AbortSignal): Promise<{ facts: ClientFacts; exists: boolean; entries: Map<string, RemoteEntry> }> {
  const token = answerToken();
  const code = [
    ...factsCode(token, uid),
    `cd -- ${quote(dir)} 2>/dev/null || { printf '%s %s\\n' ${token} missing; exit 0; }`,
    markCode(token),
    `find . ! -name . -exec stat -c ${quote(statFormat(token))} {} + 2>/dev/null; true`,
  ].join('\n');
  const { result, stdout, stderr } = await session.capture(underSh(code), { signal });
  const body = afterMark(stdout, token);
  const said = answers(body === undefined ? stdout : beforeMark(stdout, token), token);
  const facts = parseFacts(said, uid);
  if (facts !== undefined && body === undefined && said.includes('missing')) return { facts, exists: false, entries: new Map() };
  if (body === undefined || facts === undefined) throw new HostError('io', didNotRun(result.code, stderr));
  return { facts, exists: true, entries: parseStat(body, token) };
}

/** The answer lines' part of an output: what comes before the mark (the records follow it). */
function beforeMark(stdout: string, token: string): string {
  const at = stdout.indexOf(`${token}\n`);
  return at === -1 ? stdout : stdout.slice(0, at);
}
