// The state file (.director/local.json): which local services we started, so that ping,
// shutdown_local and a later start_local know about them. Written atomically, mode 0600.
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { writePrivateFile } from '../private-file.js';

export interface ServiceEntry {
  port: number;
  pid: number;
  /** ISO time the service was started. */
  startedAt: string;
}

export interface LocalState {
  version: 1;
  services: ServiceEntry[];
}

/** One service instance: a port may be recorded again later with another pid. */
export function entryKey(e: { port: number; pid: number }): string {
  return `${e.port}/${e.pid}`;
}

export const STATE_PATH = '.director/local.json';

export function stateFileIn(cwd: string): string {
  return resolve(cwd, STATE_PATH);
}

export function emptyState(): LocalState {
  return { version: 1, services: [] };
}

/** Parses the file's text; a file we cannot trust is an error naming it, never ignored. Pure. */
export function parseState(text: string, file: string): LocalState {
  const bad = (why: string): never => {
    throw new ConfigError(`not a director local state file (${why}); stop its services by hand, then remove it`, file);
  };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return bad('bad JSON');
  }
  const o = v as { version?: unknown; services?: unknown };
  if (typeof v !== 'object' || v === null || o.version !== 1 || !Array.isArray(o.services)) return bad('no version 1 services list');
  const services = o.services.map((s: unknown, i): ServiceEntry => {
    const e = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
    const { port, pid, startedAt } = e;
    const ok = isInt(port, 1, 65535) && isInt(pid, 2, Number.MAX_SAFE_INTEGER) && typeof startedAt === 'string';
    if (!ok) return bad(`entry ${i + 1} wants port, pid and startedAt`);
    return { port, pid, startedAt };
  });
  return { version: 1, services };
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

export function readState(file: string): LocalState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw new ConfigError(`cannot read state file (${(e as Error).message})`, file);
  }
  return parseState(text, file);
}

/** Atomic and owner-only: a reader sees the old state or the new, never half of one. */
export function writeState(file: string, state: LocalState): void {
  if (state.services.length === 0) {
    rmSync(file, { force: true });
    return;
  }
  const sorted = [...state.services].sort((a, b) => a.port - b.port);
  writePrivateFile(file, `${JSON.stringify({ version: 1, services: sorted }, null, 2)}\n`);
}

/**
 * Re-reads the file and applies a change just before writing, so that a change made by
 * another director run meanwhile is kept (no lock: two runs racing on the same port may
 * still both write; the services themselves refuse a second bind).
 */
export function updateState(file: string, change: (services: ServiceEntry[]) => ServiceEntry[]): LocalState {
  const next: LocalState = { version: 1, services: change(readState(file).services) };
  writeState(file, next);
  return next;
}
