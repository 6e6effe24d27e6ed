// director copy <local path…> <remote dir>: the same files or trees to every selected client,
// one tar stream per batch read once for all of them, md5-verified on each client, renamed
// into place atomically (transfer/push-*.ts).
import { UsageError } from '../config/errors.js';
import type { Fleet } from '../ssh/fleet.js';
import { copySources, type LocalSources } from '../transfer/local-sources.js';
import { pushToFleet, type PushEvent, type PushResult } from '../transfer/push-fleet.js';
import { remotePath } from '../transfer/remote-path.js';

export interface CopyOptions {
  sources: string[];
  dest: string;
  /** Keep the local mode and mtime. */
  preserve: boolean;
  /** An octal mode for every file written, e.g. "640". */
  mode?: string;
  /** `user[:group]` for every file written (the client's login must be root). */
  owner?: string;
  /** Keep a replaced file as `<name>~`. */
  backup: boolean;
}

export type CopyResult = PushResult & { command: 'copy'; dest: string; local: LocalSources };

/** Checked before any client is contacted: a bad operand is exit 2 with nothing sent. */
export function checkDest(dest: string, command: string): string {
  if (dest === '') throw new UsageError(`${command}: the remote folder is empty`);
  if (dest.includes('\0')) throw new UsageError(`${command}: a remote folder cannot contain NUL`);
  // One spelling per folder (`a//b/` is `a/b`): temporaries are named relative to it.
  const path = remotePath(dest).replace(/\/{2,}/g, '/');
  return path.length > 1 ? path.replace(/\/$/, '') : path;
}

export function parseMode(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-7]{3,4}$/.test(text)) throw new UsageError(`--mode wants an octal mode such as 644 or 0640 (got "${text}")`);
  return parseInt(text, 8);
}

export function checkOwner(owner: string | undefined): string | undefined {
  if (owner === undefined) return undefined;
  const name = '[A-Za-z0-9_][A-Za-z0-9._-]*';
  if (!new RegExp(`^${name}(:${name})?$`).test(owner)) throw new UsageError(`--owner wants user or user:group (got "${owner}")`);
  return owner;
}

export async function copy(opts: CopyOptions, deps: { fleet: Fleet; local?: LocalSources; onEvent?: (e: PushEvent) => void }): Promise<CopyResult> {
  const base = checkDest(opts.dest, 'copy');
  const mode = parseMode(opts.mode);
  const owner = checkOwner(opts.owner);
  const local = deps.local ?? (await copySources(opts.sources));
  const result = await pushToFleet(
    deps.fleet,
    { base, files: local.files, dirs: local.dirs, compare: 'content', preserve: opts.preserve, mode, owner, backup: opts.backup, tree: false, delete: false, dryRun: false },
    deps.onEvent,
  );
  return { ...result, command: 'copy', dest: opts.dest, local };
}
