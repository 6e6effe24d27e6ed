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

const RECORD = /^(\d+) (\d+) ([0-7]+) ([0-9a-fA-F]+) ([\s\S]*)$/;

/** The records of `stat -c statFormat(token)` output, by name (a leading `./` dropped). */
export function parseStat(out: string, token: string): Map<string, RemoteEntry> {
  const entries = new Map<string, RemoteEntry>();
  const records = `\n${out}`.split(`\n${token} `).slice(1);
  records.forEach((rec, i) => {
    // Every record ends with the newline stat prints; all but the last lost it to the split.
    const text = i === records.length - 1 ? rec.replace(/\n$/, '') : rec;
    const m = RECORD.exec(text);
    if (!m) return;
    const raw = parseInt(m[4] as string, 16);
    const kind = raw & 0o170000;
    const type: EntryType = kind === 0o100000 ? 'file' : kind === 0o040000 ? 'dir' : kind === 0o120000 ? 'symlink' : 'other';
    const name = (m[5] as string).replace(/^\.\//, '');
    entries.set(name, { type, size: Number(m[1]), mtime: Number(m[2]), mode: parseInt(m[3] as string, 8) & 0o7777 });
  });
  return entries;
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
