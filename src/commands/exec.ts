// director exec -- <command…>: run the user's own shell code on every client, with run's
// output handling, time limit and exit status. Output is kept only with -o.
import type { Client } from '../config/client.js';
import type { Fleet } from '../ssh/fleet.js';
import { UsageError } from '../config/errors.js';
import { runOnFleet } from '../run/engine.js';
import { createRunFolder, hostFolderNames, makeRunId } from '../run/layout.js';
import { needsFamilyFirst } from '../remote/login-shell.js';
import { execCommand, runEnv } from '../run/remote-command.js';
import type { StdinSource } from '../run/spool.js';
import type { RunEvents, RunOutcome } from '../run/types.js';

export interface ExecCommandOptions {
  words: string[];
  /** Root of the output folders; absent = keep no files. */
  outputRoot?: string;
  /** Fetch what the command wrote under DIRECTOR_OUTPUT_DIR (with outputRoot). */
  gather: boolean;
  keepRemote: boolean;
  timeoutMs?: number;
  stdin?: StdinSource;
  /** Run on each connection's resident shell (director shell's lines, ssh/resident-shell.ts). */
  resident?: boolean;
}

export async function exec(opts: ExecCommandOptions, deps: { fleet: Fleet; events?: RunEvents }): Promise<RunOutcome> {
  if (opts.words.length === 0 || opts.words.every((w) => w.trim() === '')) throw new UsageError('exec: give a command after "--"');
  const folder = opts.outputRoot !== undefined ? createRunFolder(opts.outputRoot, 'exec') : { runId: makeRunId(), dir: undefined };
  const count = deps.fleet.clients.length;
  const gather = opts.gather && folder.dir !== undefined;
  return runOnFleet(
    deps.fleet,
    {
      kind: 'exec',
      tempDir: gather,
      marksPid: true,
      ...(opts.resident && !gather
        ? { resident: (client: Client) => ({ env: runEnv({ host: client.name, index: client.index, count, runId: folder.runId, filesList: false }), command: opts.words.join(' ') }) }
        : {}),
      familyFirst: needsFamilyFirst(opts.words),
      command: (client, tempDir, _filesList, family, loginShell) =>
        execCommand({
          env: runEnv({ host: client.name, index: client.index, count, runId: folder.runId, tempDir, filesList: false }),
          words: opts.words,
          family,
          loginShell,
        }),
    },
    {
      runId: folder.runId,
      outputDir: folder.dir,
      hostDirs: hostFolderNames(deps.fleet.clients),
      gather,
      keepRemote: opts.keepRemote,
      timeoutMs: opts.timeoutMs,
      stdin: opts.stdin,
      what: { args: opts.words },
    },
    deps.events,
  );
}
