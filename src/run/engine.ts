// The work run and exec share, per client over its one connection: make a temporary
// folder, upload (run), run the command with its output captured and watched, fetch what
// it left in DIRECTOR_OUTPUT_DIR, remove the temporary folder. Every failure stays that
// client's result, a write the director's disk refuses too; summary.json is written even
// after Ctrl-C.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '../config/client.js';
import type { Fleet, HostResult } from '../ssh/fleet.js';
import { HostError } from '../ssh/host-error.js';
import type { ExecOptions, ExecResult, Session } from '../ssh/session.js';
import type { ResidentLine } from '../ssh/resident-shell.js';
import { TailMarker } from './tail-marker.js';
import { StreamCapture } from './capture.js';
import { interruptedExit } from '../exit-codes.cjs';
import { endOfExec, exitCodeFor, stateOfError } from './exit-status.js';
import { hostDigest } from './fold.js';
import { fetchTree } from './gather.js';
import { isLocalFsError, writeFailure } from './layout.js';
import { SummaryFile } from './summary-file.js';
import { cleanupCommand, parseTempDirs, prepareCommand, remoteIn } from './remote-command.js';
import { loginShellFamily, type ShellFamily } from '../remote/login-shell.js';
import { answerToken, tokenHex } from '../remote/posix.js';
import type { StdinSource } from './spool.js';
import type { HostRun, RunEvents, RunOutcome, StreamName } from './types.js';

export interface HostPlan {
  kind: 'run' | 'exec';
  /**
   * Whether the client needs a remote temporary folder (run: the script; exec: only to gather
   * DIRECTOR_OUTPUT_DIR). Without one a client costs a single channel: no mktemp, no cleanup.
   */
  tempDir: boolean;
  /** Remote working folder (created if missing); absent = the login home. */
  workDir?: string;
  /** Uploads into the fresh temporary folder; says whether a DIRECTOR_FILES list went up. */
  upload?(session: Session, client: Client, tempDir: string): Promise<{ filesList: boolean }>;
  /** The command text for this client (see remote-command.ts). */
  /** `loginShell`: the login shell's name, when an earlier command on this connection told it. */
  command(client: Client, tempDir: string | undefined, filesList: boolean, family?: ShellFamily, loginShell?: string): string;
  /** The command prints the pid marker itself and may ask for its csh form (exec). */
  marksPid?: boolean;
  /** The login shell's family must be known before the command is sent (remote/login-shell.ts). */
  familyFirst?: boolean;
  /**
   * When set, the whole run at this client in one command (inlineRunCommand): no separate
   * mktemp, upload or cleanup. `token` marks the stderr line that names a folder left behind.
   * Undefined for a client whose command would be too long: it goes the upload way.
   */
  inline?(client: Client, token: string): string | undefined;
  /**
   * When set, the client's command is this line run by the connection's resident shell
   * (director shell, ssh/resident-shell.ts), or on a channel of its own where none starts.
   */
  resident?(client: Client): ResidentLine;
  /** Finds the folder of an inline command killed before its own tidy-up (findRunDirCommand), its lines framed by `token`. */
  inlineFind?: (token: string) => string;
}

export interface EngineOptions {
  runId: string;
  /** The run's local folder; absent = keep nothing. */
  outputDir?: string;
  /** Per client index: its folder name under outputDir. */
  hostDirs: Map<number, string>;
  /** Fetch DIRECTOR_OUTPUT_DIR into <host>/files (needs outputDir). */
  gather: boolean;
  keepRemote: boolean;
  timeoutMs?: number;
  stdin?: StdinSource;
  what: RunOutcome['what'];
}

/** The options as the steps at one client see them, with the Fleet's abort signal. */
type Running = EngineOptions & { signal: AbortSignal | undefined };

const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

/** How a client's reason begins when the director could not keep its output. */
const WRITING_OUTPUT = 'writing output on the director';

export async function runOnFleet(fleet: Fleet, plan: HostPlan, opts: EngineOptions, events: RunEvents = {}): Promise<RunOutcome> {
  const startedAt = Date.now();
  const records = new Map<number, HostRun>();
  for (const client of fleet.clients) records.set(client.index, hostRecord(client, opts));
  const rec = (c: Client) => records.get(c.index) as HostRun;
  let finishedCount = 0;
  const signal = fleet.signal;
  const outcomeOf = (hosts: HostRun[]): RunOutcome => ({
    command: plan.kind,
    runId: opts.runId,
    outputDir: opts.outputDir,
    startedAt,
    finishedAt: Date.now(),
    interrupted: signal?.aborted === true,
    exitCode: signal?.aborted ? interruptedExit(signal) : exitCodeFor(hosts.map((h) => h.state)),
    hosts,
    what: opts.what,
  });
  const summary = opts.outputDir !== undefined ? new SummaryFile(opts.outputDir, outcomeOf([...records.values()])) : undefined;

  // Ctrl-C reaches every step through the Fleet's one signal.
  const running: Running = { ...opts, signal };
  let results: HostResult<void>[];
  try {
    results = await fleet.run<void>((session, client) => hostWork(session, client, rec(client), plan, running, events), {
      onStart: (client) => (rec(client).startedAt = Date.now()),
      onDone: (result) => {
        const r = rec(result.client);
        recordVerdict(r, result);
        r.order = ++finishedCount;
        events.finished?.(r);
      },
    });
  } catch (e) {
    summary?.discard();
    throw e;
  }

  const outcome = outcomeOf(results.map((r) => rec(r.client)));
  const summaryError = summary?.write(outcome);
  if (summaryError !== undefined) outcome.summaryError = summaryError;
  return outcome;
}

/**
 * A client's record before its work, with its output folder made. A folder the director's
 * disk refuses fails that client alone: its command still runs, its output only shown.
 */
function hostRecord(client: Client, opts: EngineOptions): HostRun {
  const folder = opts.hostDirs.get(client.index);
  if (opts.outputDir === undefined || folder === undefined) return blankRecord(client, undefined, folder);
  const dir = join(opts.outputDir, folder);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const r = blankRecord(client, undefined, folder);
    r.files.error = `${WRITING_OUTPUT}: ${writeFailure(e)}`;
    return r;
  }
  return blankRecord(client, dir, folder);
}

function blankRecord(client: Client, dir: string | undefined, folder: string | undefined): HostRun {
  return {
    client,
    state: 'failed',
    code: null,
    signal: null,
    timedOut: false,
    startedAt: 0,
    finishedAt: 0,
    order: 0,
    stdout: { bytes: 0, md5: EMPTY_MD5 },
    stderr: { bytes: 0, md5: EMPTY_MD5 },
    files: { count: 0, bytes: 0, skipped: [] },
    dir,
    // summary.json names the folder only when it was made.
    folder: dir === undefined ? undefined : folder,
    digest: '',
  };
}

async function hostWork(session: Session, client: Client, r: HostRun, plan: HostPlan, opts: Running, events: RunEvents): Promise<void> {
  if (opts.signal?.aborted) throw new HostError('interrupted', 'not started: interrupted');
  if (plan.inline && (await inlineWork(session, client, r, plan, opts, events))) return;
  if (plan.resident && !plan.tempDir && !opts.stdin && (await residentWork(session, client, r, plan.resident(client), opts, events))) return;
  if (!plan.tempDir) {
    await runInLoginShell(session, client, r, plan, undefined, false, opts, events);
    return;
  }
  const token = answerToken();
  const prep = await session.capture(prepareCommand(plan.kind, plan.workDir, token));
  const tempDir = prep.result.code === 0 ? parseTempDirs(prep.stdout, token)[0] : undefined;
  if (tempDir === undefined) {
    const why = prep.stderr.trim().split('\n').pop() || `exit status ${prep.result.code ?? prep.result.signal}`;
    throw new HostError('remote-exit', `cannot make the remote temporary folder: ${why}`);
  }
  try {
    const { filesList } = plan.upload ? await plan.upload(session, client, tempDir) : { filesList: false };
    if (opts.signal?.aborted) throw new HostError('interrupted', 'interrupted before the command started');
    await runInLoginShell(session, client, r, plan, tempDir, filesList, opts, events);
    await gather(session, r, tempDir, opts);
  } finally {
    await tidy(session, r, tempDir, opts);
  }
}

/** Fetch what the command left in DIRECTOR_OUTPUT_DIR into <host>/files. */
async function gather(session: Session, r: HostRun, tempDir: string, opts: Running): Promise<void> {
  if (!opts.gather || r.dir === undefined) return;
  try {
    const fetched = await fetchTree(session, remoteIn(tempDir, 'output'), join(r.dir, 'files'));
    // The output that could not be written stays this client's failure.
    if (r.files.error !== undefined) fetched.error = r.files.error;
    r.files = fetched;
  } catch (e) {
    // The first reason stands: when the output could not be written, the same full disk
    // is likely why the files could not be either.
    r.files.error ??= isLocalFsError(e)
      ? `${WRITING_OUTPUT} (DIRECTOR_OUTPUT_DIR files): ${writeFailure(e)}`
      : `fetching DIRECTOR_OUTPUT_DIR: ${(e as Error).message}`;
  }
}

/** Remove the remote temporary folder, or keep it and say where (--keep-remote). */
async function tidy(session: Session, r: HostRun, tempDir: string, opts: Running): Promise<void> {
  if (opts.keepRemote) r.remoteDir = tempDir;
  else if (!session.isLost) await session.capture(cleanupCommand(tempDir)).catch(() => undefined);
}

async function inlineWork(session: Session, client: Client, r: HostRun, plan: HostPlan, opts: Running, events: RunEvents): Promise<boolean> {
  const token = tokenHex(8);
  const command = (plan.inline as NonNullable<HostPlan['inline']>)(client, token);
  if (command === undefined) return false;
  const tail = new TailMarker(token);
  const end = await runCaptured((o) => session.exec(command, o), client, r, opts, events, tail);
  const left = tail.path;
  if (left !== undefined) {
    await gather(session, r, left, opts);
    await tidy(session, r, left, opts);
  } else if (end?.code === null && plan.inlineFind && !session.isLost) {
    // Killed (time limit, Ctrl-C, a signal) before its own tidy-up ran: fetch what it wrote
    // and tidy up from here, as the uploaded-script path does.
    const token = answerToken();
    const found = await session.capture(plan.inlineFind(token)).catch(() => undefined);
    const dir = found ? parseTempDirs(found.stdout, token)[0] : undefined;
    if (dir !== undefined) {
      await gather(session, r, dir, opts);
      await tidy(session, r, dir, opts);
    }
  }
  return true;
}

/**
 * Runs the plan's command; when its marker found a csh-family login shell (which it stopped
 * before anything ran), runs the csh form instead.
 */
async function runInLoginShell(
  session: Session,
  client: Client,
  r: HostRun,
  plan: HostPlan,
  tempDir: string | undefined,
  filesList: boolean,
  opts: Running,
  events: RunEvents,
): Promise<void> {
  const family = plan.familyFirst ? await loginShellFamily(session) : undefined;
  const inShell = (f?: ShellFamily) => (o: ExecOptions) => session.exec(plan.command(client, tempDir, filesList, f, session.loginShell), { ...o, marksPid: plan.marksPid });
  const end = await runCaptured(inShell(family), client, r, opts, events);
  if (end?.cshLoginShell && !end.timedOut && !end.interrupted) {
    await runCaptured(inShell('csh'), client, r, opts, events);
  }
}

/**
 * A line through the connection's resident shell; false when none could start here (the line
 * then runs on a channel of its own). Output that came between lines is said, not shown.
 */
async function residentWork(session: Session, client: Client, r: HostRun, line: ResidentLine, opts: Running, events: RunEvents): Promise<boolean> {
  const shell = await session.residentShell();
  if (shell === undefined) return false;
  await runCaptured((o) => shell.run(line, o), client, r, opts, events);
  // Counted once this line's frame began: every byte written before it has been read by then.
  const stray = shell.takeStray();
  if (stray > 0) events.notice?.(`${client.name}: ${stray} bytes of output came between lines (a background process of an earlier line wrote them after its line ended); not shown`);
  return true;
}

async function runCaptured(
  /** Runs the command with the streams, time limit and signal given. */
  start: (o: ExecOptions) => Promise<ExecResult>,
  client: Client,
  r: HostRun,
  opts: Running,
  events: RunEvents,
  /** Sits between the channel's stderr and its capture (inline runs). */
  stderrFilter?: TailMarker,
): Promise<ExecResult | undefined> {
  const capture = (name: StreamName) =>
    new StreamCapture(r.dir !== undefined ? join(r.dir, name) : undefined, events.lines ? (block) => events.lines?.(client, name, block) : undefined);
  const out = capture('stdout');
  const err = capture('stderr');
  if (stderrFilter) stderrFilter.pipe(err, { end: false });
  const input = opts.stdin?.open();
  let result: ExecResult | undefined;
  try {
    // Session kills the command's whole process group on the time limit or Ctrl-C.
    const end = await start({ stdout: out, stderr: stderrFilter ?? err, stdin: input, timeoutMs: opts.timeoutMs, signal: opts.signal });
    result = end;
    r.code = end.code;
    r.signal = end.signal;
    r.timedOut = end.timedOut;
    const state = endOfExec(end, opts.timeoutMs);
    r.state = state.state;
    if (state.error) r.error = state.error;
  } finally {
    input?.destroy();
    if (stderrFilter) {
      // Let the filter give up what it held back (and read the marker) before stderr closes.
      const ended = new Promise<void>((ok) => stderrFilter.once('end', () => ok()));
      stderrFilter.end();
      await ended;
    }
    const [o, e] = await Promise.all([out.close(), err.close()]);
    r.stdout = { bytes: o.bytes, md5: o.md5 };
    r.stderr = { bytes: e.bytes, md5: e.md5 };
    const local = o.error ?? e.error;
    if (local) r.files.error ??= `${WRITING_OUTPUT}: ${writeFailure(local)}`;
  }
  return result;
}

/** Folds the Fleet's verdict into the record: a thrown error wins over what was recorded. */
function recordVerdict(r: HostRun, result: HostResult<void>): void {
  r.finishedAt = Date.now();
  if (r.startedAt === 0) r.startedAt = r.finishedAt;
  if (!result.ok) {
    r.state = stateOfError(result.error.kind);
    r.error = result.error;
  } else if (r.state === 'success' && r.files.error !== undefined) {
    r.state = 'failed';
    r.error = new HostError('io', r.files.error);
  }
  r.digest = hostDigest(r);
}
