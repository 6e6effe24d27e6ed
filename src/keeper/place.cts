// Where keepers live: one private folder per user (mode 0700, owned by the user; under
// $XDG_RUNTIME_DIR, else /tmp/director-<uid>), holding per keeper its socket (0600), its card
// (0600 JSON: pid, the token a caller must present, what it keeps) and its log. A folder that
// is not the user's own and private is never used: someone else could listen there.
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeeperCard {
  pid: number;
  /** Random; only a process that can read this file (the same user) can present it. */
  token: string;
  key: string;
  clientsFile: string;
  /** When it started and how long it stays without a command (ms; 0 = until disconnect). */
  startedAt: number;
  persistMs: number;
  /** The director build it runs (buildId): a caller of another build does not use it. */
  build: string;
}

export interface KeeperPaths {
  socket: string;
  card: string;
  log: string;
}

const uid = () => process.getuid?.() ?? 0;

/** The user's keeper folder (not created). */
export function keeperDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env['XDG_RUNTIME_DIR'];
  if (runtime !== undefined && runtime !== '' && ownedPrivate(runtime, false)) return join(runtime, 'director');
  return join(tmpdir(), `director-${uid()}`);
}

/**
 * The folder if it exists and is this user's private one, else undefined: a caller sends its
 * argv and environment only to a socket in a folder no one else could have put it in.
 */
export function privateKeeperDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = keeperDir(env);
  return ownedPrivate(dir, true) ? dir : undefined;
}

/** A file (the socket, the card) that this user owns and no one else may write. */
export function ownedFile(path: string): boolean {
  try {
    const st = lstatSync(path);
    return !st.isSymbolicLink() && st.uid === uid() && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** The folder, made if missing; undefined when it exists but is not this user's private folder. */
export function ensureKeeperDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = keeperDir(env);
  try {
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o700); // against a umask that took bits away
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  return ownedPrivate(dir, true) ? dir : undefined;
}

/** A real folder (not a link), owned by this user, and (when `strict`) closed to everyone else. */
function ownedPrivate(dir: string, strict: boolean): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === uid() && (!strict || (st.mode & 0o077) === 0);
  } catch {
    return false;
  }
}

export function keeperPaths(dir: string, key: string): KeeperPaths {
  const base = join(dir, `keeper-${key}`);
  return { socket: `${base}.sock`, card: `${base}.json`, log: `${base}.log` };
}

export function readCard(path: string): KeeperCard | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as KeeperCard;
  } catch {
    return undefined;
  }
}

/** This build of director: a keeper from before a rebuild runs other code. */
export function buildId(): string {
  const bin = join(__dirname, '../../bin/director.cjs');
  return `${bin}@${statSync(bin).mtimeMs}`;
}

/** Every keeper card in the folder (live or stale). */
export function listCards(dir: string): Array<{ paths: KeeperPaths; card: KeeperCard }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => /^keeper-([0-9a-f]+)\.json$/.exec(n)?.[1])
    .filter((k): k is string => k !== undefined)
    .map((key) => ({ paths: keeperPaths(dir, key), card: readCard(keeperPaths(dir, key).card) }))
    .filter((x): x is { paths: KeeperPaths; card: KeeperCard } => x.card !== undefined);
}

/** Is a process with this pid alive? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A keeper's files, once it has gone. */
export function removeKeeperFiles(paths: KeeperPaths): void {
  for (const f of [paths.socket, paths.card]) rmSync(f, { force: true });
}
