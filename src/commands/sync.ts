// director sync <local dir> <remote dir>: make the remote folder hold what the local one
// holds, sending only what differs (size and mtime, or md5 with --checksum), mode and mtime
// kept; --delete removes what the local folder has not, behind guard rails (never /, a home,
// or a folder that resolves to one on any client: exit 2 before anything is written).
import { UsageError } from '../config/errors.js';
import { answer, answers, answerToken, underSh } from '../remote/posix.js';
import { quote } from '../remote-shell.js';
import type { Fleet } from '../ssh/fleet.js';
import { syncSources, type LocalSources } from '../transfer/local-sources.js';
import { deleteGuard } from '../transfer/push-decide.js';
import { pushToFleet, type PushEvent, type PushResult } from '../transfer/push-fleet.js';
import { checkDest } from './copy.js';

export interface SyncOptions {
  dir: string;
  dest: string;
  checksum: boolean;
  delete: boolean;
  dryRun: boolean;
}

export type SyncResult = PushResult & { command: 'sync'; dest: string; dryRun: boolean; local: LocalSources };

/** The static guard rails of --delete (exit 2). */
export function checkSync(opts: SyncOptions): string {
  const base = checkDest(opts.dest, 'sync');
  if (opts.delete) {
    const why = opts.dest.trim() === '' ? 'an empty folder name' : deleteGuard(opts.dest);
    if (why !== undefined) throw new UsageError(`sync --delete: refusing ${JSON.stringify(opts.dest)}: ${why}`);
  }
  return base;
}

export async function sync(opts: SyncOptions, deps: { fleet: Fleet; onEvent?: (e: PushEvent) => void }): Promise<SyncResult> {
  const base = checkSync(opts);
  const local = await syncSources(opts.dir);
  if (opts.delete) await refuseHomeOrRoot(deps.fleet, base, opts.dest);
  const result = await pushToFleet(
    deps.fleet,
    { base, files: local.files, dirs: local.dirs, compare: opts.checksum ? 'checksum' : 'size-mtime', preserve: true, backup: false, tree: true, delete: opts.delete, dryRun: opts.dryRun },
    deps.onEvent,
  );
  return { ...result, command: 'sync', dest: opts.dest, dryRun: opts.dryRun, local };
}

/**
 * Before anything is removed anywhere: on every client, the folder as it resolves there
 * (`pwd -P`, links followed) must be neither `/` nor the login's home. One client where it
 * is refuses the whole run (exit 2); a client that cannot be reached fails later, on its own.
 */
async function refuseHomeOrRoot(fleet: Fleet, base: string, shown: string): Promise<void> {
  const token = answerToken();
  const code = [
    `d=$(cd -- ${quote(base)} 2>/dev/null && pwd -P) || { ${answer(token, 'missing')}; exit 0; }`,
    'h=$(cd && pwd -P)',
    `if [ "$d" = / ]; then ${answer(token, 'root')}; elif [ "$d" = "$h" ]; then ${answer(token, 'home')}; else ${answer(token, 'ok')}; fi`,
  ].join('\n');
  const results = await fleet.run(async (session) => answers((await session.capture(underSh(code), { signal: fleet.signal })).stdout, token)[0]);
  for (const r of results) {
    if (!r.ok) continue;
    if (r.value === 'root' || r.value === 'home') {
      throw new UsageError(`sync --delete: refusing ${JSON.stringify(shown)}: it is ${r.value === 'root' ? 'the root folder' : 'the home folder'} on ${r.client.name}`);
    }
  }
}
