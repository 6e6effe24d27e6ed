// director run <script> [project] [-- args…]: upload the script to every client, run it
// there (in the project's data folder when given) and gather each client's output into
// output/<project or script>/<run id>/.
import { closeSync, copyFileSync, createReadStream, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { Client } from '../config/client.js';
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../config/errors.js';
import type { Fleet } from '../ssh/fleet.js';
import { HostError } from '../ssh/host-error.js';
import { checkProject, DEFAULT_REMOTE_ROOT, readPlacementRecord, type PlacementRecord } from '../transfer/placement-record.js';
import { workShares } from '../transfer/work-shares.js';
import { checkRemoteRoot, joinRemote, remotePath } from '../transfer/remote-path.js';
import { runOnFleet, type HostPlan } from '../run/engine.js';
import { createRunFolder, hostFolderNames, scriptLabel, writeFailure } from '../run/layout.js';
import {
  argsScript,
  findRunDirCommand,
  filesListText,
  COMMAND_LIMIT,
  INLINE_LIMIT,
  inlineRunCommand,
  inlineSize,
  interpreterFor,
  remoteIn,
  runCommand,
  runEnv,
} from '../run/remote-command.js';
import { LocalTemp, type StdinSource } from '../run/spool.js';
import { putFile } from '../remote/put-file.js';
import type { RunEvents, RunOutcome } from '../run/types.js';

export interface RunOptions {
  script: string;
  project?: string;
  args: string[];
  /** Root of the output folders (default `output`). */
  outputRoot: string;
  /** Remote data root; default: the placement record's, else ~/director/data. */
  remoteRoot?: string;
  /** Where `data` keeps placement records (.director). */
  stateDir: string;
  keepRemote: boolean;
  timeoutMs?: number;
  stdin?: StdinSource;
}

export interface RunDeps {
  fleet: Fleet;
  events?: RunEvents;
}

/** Checks made before any client is contacted. */
export function checkRun(opts: RunOptions): { interpreter: string | undefined; placementRecord: PlacementRecord | undefined; workDir: string | undefined } {
  let size: number;
  try {
    const st = statSync(opts.script);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === undefined ? (e as Error).message : writeFailure(e);
    throw new UsageError(`run: cannot use script ${opts.script} (${why}${code === 'ENOENT' && !isAbsolute(opts.script) ? ` in ${process.cwd()}` : ''})`);
  }
  if (opts.remoteRoot !== undefined) checkRemoteRoot(opts.remoteRoot);
  const head = Buffer.alloc(Math.min(4, size));
  const fd = openSync(opts.script, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (opts.project === undefined) return { interpreter: interpreterFor(head), placementRecord: undefined, workDir: undefined };
  const project = checkProject(opts.project);
  const placementRecord = readPlacementRecord(opts.stateDir, project);
  const root = opts.remoteRoot ?? placementRecord?.remoteRoot ?? DEFAULT_REMOTE_ROOT;
  return { interpreter: interpreterFor(head), placementRecord, workDir: remotePath(joinRemote(root, project)) };
}

export async function run(opts: RunOptions, deps: RunDeps): Promise<RunOutcome> {
  const { interpreter, placementRecord, workDir } = checkRun(opts);
  if (placementRecord && opts.remoteRoot !== undefined && remotePath(opts.remoteRoot) !== remotePath(placementRecord.remoteRoot)) {
    deps.events?.notice?.(`run: the placement record of ${placementRecord.project} says its files are under ${placementRecord.remoteRoot}; working under ${opts.remoteRoot}`);
  }
  const temp = new LocalTemp();
  try {
    // One snapshot for all clients: every client runs the same bytes, read once, now.
    const snapshot = temp.path('script');
    copyFileSync(opts.script, snapshot);
    const { runId, dir } = createRunFolder(opts.outputRoot, opts.project ?? scriptLabel(opts.script));
    const count = deps.fleet.clients.length;
    // Every placed file on one client's list, also when it has copies on several.
    const shares = placementRecord ? workShares(placementRecord, deps.fleet.clients.map((c) => c.name)) : undefined;
    const listFor = (clientName: string): string | undefined => {
      if (!shares) return undefined;
      // One path a line: a name with a newline in it cannot be listed.
      const paths = (shares.get(clientName) ?? []).map((f) => f.path);
      const listable = paths.filter((p) => !p.includes('\n'));
      if (listable.length < paths.length) deps.events?.notice?.(`run: ${paths.length - listable.length} placed file name(s) with a newline left out of DIRECTOR_FILES`);
      return filesListText(listable);
    };
    const scriptBytes = readFileSync(snapshot);
    // Without a temporary folder runEnv leaves out the folder variables; the command sets them.
    const envOf = (client: Client) =>
      runEnv({ host: client.name, index: client.index, count, project: opts.project, runId, filesList: false });
    // Each client's DIRECTOR_FILES text, made once.
    const lists = new Map(deps.fleet.clients.map((c) => [c.name, listFor(c.name)]));
    // Small scripts (the usual case) go inside the command: one channel per client, like ssh.
    const inline = deps.fleet.clients.every((c) => inlineSize(scriptBytes, lists.get(c.name)) <= INLINE_LIMIT);
    const plan: HostPlan = {
      kind: 'run',
      tempDir: true,
      workDir,
      inline: inline
        ? (client: Client, token: string) => {
            const text = inlineRunCommand({
              runId,
              token,
              workDir,
              env: envOf(client),
              interpreter,
              args: opts.args,
              script: scriptBytes,
              filesList: lists.get(client.name),
              keepRemote: opts.keepRemote,
            });
            // Long arguments make it too long for one command: this client goes the upload way.
            return text.length <= COMMAND_LIMIT ? text : undefined;
          }
        : undefined,
      inlineFind: inline ? (token: string) => findRunDirCommand(runId, token) : undefined,
      async upload(session, client, tempDir) {
        await putFile(session, createReadStream(snapshot), remoteIn(tempDir, 'script'), '700').catch((e: Error) => {
          throw new HostError('io', `uploading the script: ${e.message}`);
        });
        if (opts.args.length > 0) {
          await putFile(session, argsScript(opts.args), remoteIn(tempDir, 'args'), '600').catch((e: Error) => {
            throw new HostError('io', `uploading the script's arguments: ${e.message}`);
          });
        }
        const list = lists.get(client.name);
        if (list === undefined) return { filesList: false };
        await putFile(session, list, remoteIn(tempDir, 'files'), '600').catch((e: Error) => {
          throw new HostError('io', `uploading the DIRECTOR_FILES list: ${e.message}`);
        });
        return { filesList: true };
      },
      command: (client, tempDir, filesList) =>
        runCommand({
          // run always asks for a temporary folder (tempDir: true above).
          tempDir: tempDir as string,
          workDir,
          env: runEnv({ host: client.name, index: client.index, count, project: opts.project, runId, tempDir: tempDir as string, filesList }),
          interpreter,
          hasArgs: opts.args.length > 0,
        }),
    };
    return await runOnFleet(
      deps.fleet,
      plan,
      {
        runId,
        outputDir: dir,
        hostDirs: hostFolderNames(deps.fleet.clients),
        gather: true,
        keepRemote: opts.keepRemote,
        timeoutMs: opts.timeoutMs,
        stdin: opts.stdin,
        what: { script: resolve(opts.script), project: opts.project, args: opts.args },
      },
      deps.events,
    );
  } finally {
    temp.remove();
  }
}
