// director mkdir <path> <dirName>: create <path>/<dirName> (parents included) on every client.
import { UsageError } from '../config/errors.js';
import { EXIT } from '../exit-codes.js';
import { quote } from '../remote-shell.js';
import type { Fleet, HostResult } from '../ssh/fleet.js';
import { HostError } from '../ssh/host-error.js';
import { remotePath } from '../transfer/remote-path.js';

export interface MkdirOptions {
  path: string;
  dirName: string;
}

export interface MkdirOutcome {
  path: string;
  created: boolean;
}

export interface MkdirResult {
  /** The folder as the user named it: `<path>/<dirName>`. */
  target: string;
  results: HostResult<MkdirOutcome>[];
  /** 0 when every client has the folder, else 1. */
  exitCode: number;
}

export function mkdirTarget(opts: MkdirOptions): string {
  const { path, dirName } = opts;
  if (dirName === '' || dirName === '.' || dirName === '..' || dirName.includes('/')) {
    throw new UsageError(`mkdir: <dirName> must be one folder name, without "/" (got ${JSON.stringify(dirName)})`);
  }
  if (path === '') throw new UsageError('mkdir: <path> is empty');
  if (path.includes('\0') || dirName.includes('\0')) throw new UsageError('mkdir: names cannot contain NUL');
  return `${path.replace(/\/+$/, '') || '/'}/${dirName}`.replace(/^\/\//, '/');
}

export async function mkdir(opts: MkdirOptions, deps: { fleet: Fleet }): Promise<MkdirResult> {
  const shown = mkdirTarget(opts);
  const target = quote(remotePath(shown));
  // One round trip: say whether it was there, create it otherwise. `--` keeps a leading `-` a name.
  const command = `if [ -d ${target} ]; then echo exists; else mkdir -p -- ${target} && echo created; fi`;
  const results = await deps.fleet.run(async (session) => {
    const { result, stdout, stderr } = await session.capture(command);
    if (result.code !== 0) {
      const why = stderr.trim().split('\n').pop() || `exit status ${result.code ?? result.signal}`;
      throw new HostError('remote-exit', why);
    }
    return { path: shown, created: stdout.trim() === 'created' };
  });
  return { target: shown, results, exitCode: results.every((r) => r.ok) ? EXIT.ok : EXIT.failed };
}
