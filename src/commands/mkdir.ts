// director mkdir <path> <dirName>: create <path>/<dirName> (parents included) on every client.
import { UsageError } from '../config/errors.js';
import { EXIT } from '../exit-codes.cjs';
import { posix } from 'node:path';
import { quote } from '../remote-shell.js';
import { answer, answers, answerToken, didNotRun, underSh } from '../remote/posix.js';
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
  const target = remotePath(shown);
  const token = answerToken();
  // `created` only when this mkdir made the folder, `exists` only when it was a folder already:
  // decided by mkdir's own status on the client, never by guessing from output text.
  // `--` keeps a leading `-` a name.
  const code = [
    `mkdir -p -- ${quote(posix.dirname(target))} 2>/dev/null`,
    `if e=$(mkdir -- ${quote(target)} 2>&1); then ${answer(token, 'created')}`,
    `elif [ -d ${quote(target)} ]; then ${answer(token, 'exists')}`,
    `else printf '%s\\n' "$e" >&2; exit 1; fi`,
  ].join('\n');
  const command = underSh(code);
  const results = await deps.fleet.run(async (session) => {
    const { result, stdout, stderr } = await session.capture(command);
    const said = answers(stdout, token);
    if (result.code === 0 && (said[0] === 'created' || said[0] === 'exists')) return { path: shown, created: said[0] === 'created' };
    if (result.code === 1 && said.length === 0 && stderr.trim() !== '') {
      throw new HostError('remote-exit', stderr.trim().split('\n').pop() as string);
    }
    throw new HostError('remote-exit', didNotRun(result.code, stderr));
  });
  return { target: shown, results, exitCode: results.every((r) => r.ok) ? EXIT.ok : EXIT.failed };
}
