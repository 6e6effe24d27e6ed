// The output folder of one run on the director, and the summary.json in it:
//   <root>/<name>/<run id>/summary.json
//   <root>/<name>/<run id>/<host>/stdout, stderr, files/…
// Each client gets its own folder, so nothing of one client can overwrite another's.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Client } from '../config/client.js';
import type { HostRun, RunOutcome } from './types.js';

export const SUMMARY_FILE = 'summary.json';
/** Where summary.json is made before it takes its name (see summary-file.ts). */
export const SUMMARY_TEMP = `${SUMMARY_FILE}.tmp`;

// A run id names one run's output folder: it sorts by start time to the millisecond (UTC,
// so a clock change for summer time cannot reorder runs), and a random tail keeps two runs
// started in the same millisecond (on one director or two sharing a folder) apart.
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `20261123-111500.123-ab12` for 2026-11-23 11:15:00.123 UTC. */
export function makeRunId(at: Date = new Date(), tail: string = randomBytes(2).toString('hex')): string {
  const day = `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}`;
  const time = `${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}.${pad(at.getUTCMilliseconds(), 3)}`;
  return `${day}-${time}-${tail}`;
}

export const RUN_ID = /^\d{8}-\d{6}\.\d{3}-[0-9a-f]{4}$/;

/** One path segment from any text: no "/", no control characters, never "." or "..". */
export function safeSegment(text: string): string {
  const s = text.replace(/[/\\\x00-\x1f\x7f]/g, '_');
  return s === '' || s === '.' || s === '..' ? `_${s}` : s;
}

/** Folder names for the clients, by client index: their names, made unique. */
export function hostFolderNames(clients: readonly Client[]): Map<number, string> {
  const taken = new Set<string>([SUMMARY_FILE, SUMMARY_TEMP]);
  const out = new Map<number, string>();
  for (const c of clients) {
    let name = safeSegment(c.name);
    if (taken.has(name)) name = `${name}-${c.index}`;
    taken.add(name);
    out.set(c.index, name);
  }
  return out;
}

/** `output/<name>` folder name for a script: its file name. */
export function scriptLabel(scriptPath: string): string {
  return safeSegment(basename(scriptPath));
}

/** Creates `<root>/<name>/<run id>` and returns [run id, absolute folder]; a taken id is never reused. */
export function createRunFolder(root: string, name: string, now = new Date()): { runId: string; dir: string } {
  const parent = resolve(root, safeSegment(name));
  mkdirSync(parent, { recursive: true });
  for (;;) {
    const runId = makeRunId(now);
    const dir = join(parent, runId);
    try {
      mkdirSync(dir); // fails if it exists: two runs never share a folder
      return { runId, dir };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** One client in summary.json: how it ended, when, and how many bytes it produced. */
function hostDocument(h: HostRun): Record<string, unknown> {
  return {
    client: h.client.name,
    index: h.client.index,
    folder: h.folder,
    ok: h.state === 'success',
    state: h.state,
    exitCode: h.code,
    signal: h.signal,
    timedOut: h.timedOut,
    startedAt: iso(h.startedAt),
    finishedAt: iso(h.finishedAt),
    ms: h.finishedAt - h.startedAt,
    stdout: h.stdout,
    stderr: h.stderr,
    files: h.files,
    error: h.error ? { kind: h.error.kind, message: h.error.message } : null,
    remoteDir: h.remoteDir,
  };
}

/** summary.json of a run, and the same document for --json (JSON.stringify leaves out absent values). */
export function summaryDocument(o: RunOutcome): Record<string, unknown> {
  return {
    command: o.command,
    runId: o.runId,
    ...o.what,
    outputDir: o.outputDir,
    startedAt: iso(o.startedAt),
    finishedAt: iso(o.finishedAt),
    interrupted: o.interrupted,
    exitCode: o.exitCode,
    ok: o.hosts.every((h) => h.state === 'success'),
    clients: o.hosts.map(hostDocument),
  };
}

/**
 * Why a write into the run's folder failed, as a person reads it: "no space left on device"
 * rather than "ENOSPC: no space left on device, write". Other errors keep their message.
 */
export function writeFailure(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const err = e as NodeJS.ErrnoException;
  if (typeof err.code !== 'string' || typeof err.syscall !== 'string' || !err.message.startsWith(`${err.code}: `)) return err.message;
  const text = err.message.slice(err.code.length + 2);
  const cut = text.lastIndexOf(`, ${err.syscall}`);
  return cut > 0 ? text.slice(0, cut) : text;
}

/** Is this an error of the director's own file system (not of SFTP, whose codes are numbers)? */
export function isLocalFsError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const err = e as NodeJS.ErrnoException;
  return typeof err.code === 'string' && typeof err.syscall === 'string';
}
