// The reliability suite's ledger: each fault or hostile-input test records what director did
// and the figures it measured (files lost, processes left, time to detect). The README's
// "Reliability" table is rendered from these records (scripts/reliability-readme.ts), so the
// figures there come from a test run, not from a keyboard.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestCluster } from './cluster.js';
import { REPO_ROOT } from './cli.js';
import { md5, recordedCopies, type Made } from './data-files.js';
import type { TestHosts } from './proc.js';

export type Area = 'fault' | 'hostile' | 'security';

export interface Figure {
  /** Stable key, e.g. "data-sshd-killed": a rerun replaces the row, never duplicates it. */
  id: string;
  area: Area;
  /** The case, as a reader would name it. */
  case: string;
  /** What director does, in one sentence. */
  does: string;
  filesLost?: number;
  processesLeft?: number;
  /** Time from the fault to director acting on it (or to its exit), in ms. */
  detectMs?: number;
  /** Any other figure worth a column, e.g. "exit 2" or "64/64 ok". */
  figure?: string;
  /** The test file that produced it (relative to the repository). */
  test: string;
}

/** Where records go; `npm run reliability` starts with an empty file. */
export const RECORDS = process.env['DIRECTOR_RELIABILITY_OUT'] ?? join(REPO_ROOT, 'dist', 'reliability.jsonl');

/** Call at the end of a test, after its assertions: a failed test records nothing. */
export function record(f: Figure): void {
  mkdirSync(dirname(RECORDS), { recursive: true });
  appendFileSync(RECORDS, `${JSON.stringify({ ...f, at: new Date().toISOString() })}\n`);
}

export function readRecords(file = RECORDS): Array<Figure & { at: string }> {
  if (!existsSync(file)) return [];
  const byId = new Map<string, Figure & { at: string }>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const f = JSON.parse(line) as Figure & { at: string };
    byId.delete(f.id); // the latest run of a case wins, in the order it ran
    byId.set(f.id, f);
  }
  return [...byId.values()];
}

/** Run a command inside a host's mount namespace (to see or change what only it sees). */
export function inHost(c: TestHosts, host: number, args: string[], input?: string | Buffer): Buffer {
  const pid = c.pid(host);
  if (pid === undefined) throw new Error(`host ${host} is not running`);
  return execFileSync('nsenter', ['-t', String(pid), '-m', '--', ...args], { input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'] });
}

/**
 * Files named CANARY… anywhere a host can write (its home and /tmp): hostile input carries
 * `touch CANARY…` so that any of it run by a shell leaves a trace. Must be empty.
 */
export function canaries(c: TestCluster): string[] {
  const found: string[] = [];
  for (const h of c.hosts) {
    for (const root of [h.home, h.tmp]) {
      for (const rel of readdirSync(root, { recursive: true }) as string[]) {
        if ((rel.split('/').pop() ?? '').startsWith('CANARY')) found.push(`${h.name}:${rel}`);
      }
    }
  }
  return found;
}

// ---- files lost ---------------------------------------------------------------------------

export interface Ledger {
  /** On a client at its final name with the source's md5. */
  verifiedRemote: string[];
  /** Still in the source folder, bytes intact. */
  stillLocal: string[];
  /** Neither: the figure that must be 0. */
  lost: string[];
  /** A file at a final remote name whose bytes differ from the source: must never happen. */
  partial: string[];
}

/** Reads a file at its final name on a host, or undefined; the default reads the host's home. */
export type RemoteReader = (host: number, rel: string) => Buffer | undefined;

export function homeReader(c: TestCluster, project: string): RemoteReader {
  return (host, rel) => {
    const file = join(c.hosts[host]!.home, 'director/data', project, rel);
    return existsSync(file) ? readFileSync(file) : undefined;
  };
}

/** Account for every file of a source folder after a fault. */
export function ledger(made: Made, c: TestCluster, project: string, read: RemoteReader = homeReader(c, project)): Ledger {
  const out: Ledger = { verifiedRemote: [], stillLocal: [], lost: [], partial: [] };
  for (const [rel, bytes] of made.files) {
    const want = md5(bytes);
    const local = join(made.dir, rel);
    const localOk = existsSync(local) && md5(readFileSync(local)) === want;
    let remoteOk = false;
    for (let h = 0; h < c.hosts.length; h++) {
      const got = read(h, rel);
      if (got === undefined) continue;
      if (md5(got) === want) remoteOk = true;
      else out.partial.push(`${rel}@host${h}`);
    }
    if (remoteOk) out.verifiedRemote.push(rel);
    if (localOk) out.stillLocal.push(rel);
    if (!remoteOk && !localOk) out.lost.push(rel);
  }
  return out;
}

/**
 * The placement record agrees with the world: every recorded file is at its final name on
 * its client with the recorded md5. Returns what disagrees.
 */
export function recordMismatches(cwd: string, project: string, c: TestCluster, read: RemoteReader = homeReader(c, project)): string[] {
  const bad: string[] = [];
  for (const f of recordedCopies(cwd, project)) {
    const host = c.hosts.findIndex((h) => h.name === f.client);
    const got = host < 0 ? undefined : read(host, f.path);
    if (got === undefined || md5(got) !== f.md5) bad.push(`${f.path}@${f.client}`);
  }
  return bad;
}
