// Starting and stopping service processes. Starting waits until the new process itself
// answers on its port; stopping asks politely, then signals — but only a pid that is still
// our service on that port.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineConnection } from './line-client.js';
import { parseStat, type ServiceStat } from './protocol.js';
import { isOurService, SERVICE_EXIT, serviceArgs } from './service-process.js';
import { entryKey, updateState, type ServiceEntry } from './state.js';

export interface LaunchOptions {
  /** Keep the child attached with its request log on a pipe (--foreground). */
  log: boolean;
  readyMs: number;
}

export type Launched =
  | { ok: true; entry: ServiceEntry; child: ChildProcess }
  | ({ ok: false; port: number } & Failure);

const POLL_MS = 25;
/** A live service answers in well under a millisecond; one that takes this long is stuck. */
const ASK_MS = 1000;

export async function launch(port: number, opts: LaunchOptions): Promise<Launched> {
  // Detached: its own process group, so a Ctrl-C at the terminal reaches only the director,
  // which then stops the services in order.
  const child = spawn(process.execPath, serviceArgs(port, { log: opts.log }), {
    detached: true,
    stdio: opts.log ? ['ignore', 'pipe', 'ignore'] : 'ignore',
    cwd: '/',
    // A long-lived service has no use for the key passphrase: keep it out of its environ.
    env: { ...process.env, DIRECTOR_PASSPHRASE: undefined },
  });
  const startedAt = new Date().toISOString();
  const ended: { failure?: Failure } = {};
  const exited = new Promise<void>((resolve) => {
    const end = (failure: Failure) => {
      ended.failure ??= failure;
      resolve();
    };
    child.once('error', (e) => end({ reason: 'failed', message: `cannot start: ${e.message}` }));
    child.once('exit', (code, signal) => end(exitFailure(port, code, signal)));
  });
  const deadline = Date.now() + opts.readyMs;
  while (Date.now() < deadline && !ended.failure) {
    const stat = await Promise.race([queryStat(port, 300), exited.then(() => undefined)]);
    if (ended.failure) break;
    if (stat?.pid === child.pid && child.pid !== undefined) {
      if (!opts.log) child.unref();
      return { ok: true, entry: { port, pid: child.pid, startedAt }, child };
    }
    await Promise.race([sleep(POLL_MS), exited]);
  }
  if (ended.failure) return { ok: false, port, ...ended.failure };
  child.kill('SIGKILL');
  return { ok: false, port, reason: 'failed', message: `did not answer within ${opts.readyMs} ms` };
}

type Failure = { reason: 'in-use' | 'failed'; message: string };

function exitFailure(port: number, code: number | null, signal: NodeJS.Signals | null): Failure {
  if (code === SERVICE_EXIT.inUse) return { reason: 'in-use', message: `port ${port} in use` };
  if (code === SERVICE_EXIT.denied) return { reason: 'failed', message: `port ${port}: permission denied` };
  return { reason: 'failed', message: signal ? `service killed by ${signal}` : `service exited with code ${code ?? '?'}` };
}

/** One short conversation with whatever listens on `port`; undefined if it went wrong. */
async function talk<T>(port: number, timeoutMs: number, body: (conn: LineConnection) => Promise<T>): Promise<T | undefined> {
  let conn: LineConnection | undefined;
  try {
    conn = await LineConnection.open(port, { timeoutMs });
    return await body(conn);
  } catch {
    return undefined;
  } finally {
    conn?.close();
  }
}

/** What the service on `port` says about itself, or undefined if nothing of ours answers. */
export function queryStat(port: number, timeoutMs: number): Promise<ServiceStat | undefined> {
  return talk(port, timeoutMs, async (conn) => parseStat(await conn.ask('stat', { timeoutMs })));
}

export type StopOutcome =
  | { port: number; pid: number; outcome: 'stopped'; how: 'shutdown' | 'SIGTERM' | 'SIGKILL' }
  | { port: number; pid: number; outcome: 'not-running' }
  | { port: number; pid: number; outcome: 'failed'; message: string };

export interface StopOptions {
  /** How long to wait after each step before the next, harder one. */
  graceMs: number;
}

export async function stopService(entry: ServiceEntry, opts: StopOptions): Promise<StopOutcome> {
  const { port, pid } = entry;
  if (!isOurService(pid, port)) return { port, pid, outcome: 'not-running' };
  await askShutdown(entry, Math.min(opts.graceMs, ASK_MS));
  if (await gone(pid, port, opts.graceMs)) return { port, pid, outcome: 'stopped', how: 'shutdown' };
  for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
    // Checked again right before each signal: the pid may have exited and been reused.
    if (!isOurService(pid, port)) return { port, pid, outcome: 'stopped', how: sig === 'SIGTERM' ? 'shutdown' : 'SIGTERM' };
    try {
      process.kill(pid, sig);
    } catch {
      /* exited meanwhile */
    }
    if (await gone(pid, port, opts.graceMs)) return { port, pid, outcome: 'stopped', how: sig };
  }
  return { port, pid, outcome: 'failed', message: `pid ${pid} still running after SIGKILL` };
}

/** `shutdown` over TCP, sent only if the process answering on the port is that very pid. */
async function askShutdown(entry: ServiceEntry, timeoutMs: number): Promise<void> {
  await talk(entry.port, timeoutMs, async (conn) => {
    const stat = parseStat(await conn.ask('stat', { timeoutMs }));
    if (stat?.pid === entry.pid) await conn.ask('shutdown', { timeoutMs });
  });
}

/** Waits until the pid is no longer our service on the port (exited, or reused by another). */
async function gone(pid: number, port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!isOurService(pid, port)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

/** Drops stopped (or already gone) services from the state file; failures stay, to retry later. */
export function forgetStopped(stateFile: string, outcomes: readonly StopOutcome[]): void {
  const done = new Set(outcomes.filter((s) => s.outcome !== 'failed').map(entryKey));
  updateState(stateFile, (all) => all.filter((e) => !done.has(entryKey(e))));
}
