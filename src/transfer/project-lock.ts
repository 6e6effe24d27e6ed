// One `data` run at a time per project: two runs that each read the placement record once
// and rewrote it from memory lost each other's entries (files verified, deleted locally, and
// missing from the record). The lock is a file `.director/<project>/lock` created with
// O_EXCL, holding the owner's pid and its start time, so a lock whose process is gone (or
// whose pid now belongs to another process) is known to be stale and is taken over.
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PRIVATE_DIR_MODE } from '../private-file.js';
import { startTicks } from '../process-tree.js';
import { checkProject } from './placement-record.js';

export interface LockOwner {
  pid: number;
  /** The owner's start time in clock ticks since boot (/proc/<pid>/stat), to tell a reused pid. */
  startTicks: number | null;
  startedAt: string;
  host: string;
}

export class ProjectBusy extends Error {
  constructor(
    readonly project: string,
    readonly owner: LockOwner,
  ) {
    super(
      `project ${project} is being written by another director run (pid ${owner.pid}, since ${owner.startedAt}); ` +
        'wait for it to finish, or pass --wait to queue behind it',
    );
  }
}

/** An unreadable lock (a crash between create and write) counts as stale after this. */
const TORN_LOCK_MS = 10_000;
const POLL_MS = 200;

/**
 * Take the project's lock, or throw ProjectBusy (or, with `wait`, poll until it is free or
 * `signal` aborts). Returns the release.
 */
export async function lockProject(stateDir: string, project: string, opts: { wait: boolean; signal?: AbortSignal }): Promise<() => void> {
  const dir = join(stateDir, checkProject(project));
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const file = join(dir, 'lock');
  const me: LockOwner = { pid: process.pid, startTicks: startTicks(process.pid), startedAt: new Date().toISOString(), host: hostname() };
  for (;;) {
    if (tryCreate(file, me)) return () => release(file, me);
    const owner = readOwner(file);
    if (owner === 'gone') continue;
    if (owner === 'torn' || !isAlive(owner)) {
      takeOver(file, owner);
      continue;
    }
    if (!opts.wait) throw new ProjectBusy(project, owner);
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('interrupted');
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function tryCreate(file: string, me: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, `${JSON.stringify(me)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readOwner(file: string): LockOwner | 'torn' | 'gone' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw e;
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    if (Number.isInteger(o.pid) && o.pid > 0) return o;
  } catch {
    /* torn: judged by its age below */
  }
  try {
    return Date.now() - statSync(file).mtimeMs > TORN_LOCK_MS ? 'torn' : 'gone';
  } catch {
    return 'gone';
  }
}

/** Moves a stale lock aside; if what was moved is not the stale one seen (a race), puts it back. */
function takeOver(file: string, seen: LockOwner | 'torn'): void {
  const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = readOwner(aside);
  const same = seen === 'torn' ? moved === 'torn' || moved === 'gone' : typeof moved === 'object' && moved.pid === seen.pid && moved.startTicks === seen.startTicks;
  if (!same) {
    try {
      linkSync(aside, file); // back in place, unless yet another run holds the lock by now
    } catch {
      /* that run holds it; ours goes on waiting */
    }
  }
  unlinkSync(aside);
}

function release(file: string, me: LockOwner): void {
  const owner = readOwner(file);
  if (typeof owner === 'object' && owner.pid === me.pid && owner.startTicks === me.startTicks) unlinkSync(file);
}

function isAlive(o: LockOwner): boolean {
  if (o.host !== hostname()) return true; // another machine's process cannot be checked: never steal
  try {
    process.kill(o.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  return o.startTicks === null || startTicks(o.pid) === o.startTicks;
}
