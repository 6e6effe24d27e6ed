// director start_local: an echo service on each port of port.conf, in the background (or, with
// --foreground, attached until Ctrl-C), recorded in the state file.
import pLimit from 'p-limit';
import { EXIT } from '../exit-codes.cjs';
import type { ChildProcess } from 'node:child_process';
import { isOurService } from '../local/service-process.js';
import { entryKey, readState, updateState, type ServiceEntry } from '../local/state.js';
import { forgetStopped, launch, queryStat, stopService, type StopOutcome } from '../local/supervisor.js';
import { watchForeground } from '../local/foreground.js';

export interface StartLocalOptions {
  ports: readonly number[];
  stateFile: string;
  foreground: boolean;
  readyMs?: number;
  graceMs?: number;
}

export interface StartLocalDeps {
  signal: AbortSignal;
  /** Once every port has been tried (under --foreground, before serving). */
  onStarted?: (r: StartLocalResult) => void;
  /** --foreground: a request-log line, or a note that a service went away. */
  onLog?: (port: number, text: string) => void;
}

export type StartOutcome =
  | { port: number; outcome: 'started'; pid: number }
  /** `recorded`: named by this directory's state file; otherwise started from elsewhere. */
  | { port: number; outcome: 'already-running'; pid: number; recorded: boolean }
  | { port: number; outcome: 'in-use' | 'failed'; message: string };

export interface StartLocalResult {
  services: StartOutcome[];
  /** State entries dropped because their process is gone or no longer ours. */
  stale: ServiceEntry[];
  /** --foreground: how each service was stopped at the end. */
  stopped?: StopOutcome[];
  /** 0 when every port got a service started now, else 1. */
  exitCode: number;
}

export function allStarted(services: readonly StartOutcome[]): boolean {
  return services.every((s) => s.outcome === 'started');
}

/** Node processes starting at once: each costs tens of ms of CPU. */
const PARALLEL = 8;

export async function startLocal(opts: StartLocalOptions, deps: StartLocalDeps): Promise<StartLocalResult> {
  const before = readState(opts.stateFile).services;
  const stale = before.filter((e) => !isOurService(e.pid, e.port));
  const running = new Map(before.filter((e) => !stale.includes(e)).map((e) => [e.port, e]));
  const children = new Map<number, ChildProcess>();
  const fresh: ServiceEntry[] = [];
  const limit = pLimit(PARALLEL);

  const startOne = async (port: number): Promise<StartOutcome> => {
    const known = running.get(port);
    if (known) return { port, outcome: 'already-running', pid: known.pid, recorded: true };
    if (deps.signal.aborted) return { port, outcome: 'failed', message: 'interrupted' };
    const r = await launch(port, { log: opts.foreground, readyMs: opts.readyMs ?? 5000 });
    if (r.ok) {
      children.set(port, r.child);
      fresh.push(r.entry);
      return { port, outcome: 'started', pid: r.entry.pid };
    }
    if (r.reason === 'in-use') {
      // Ours, but recorded elsewhere (another working directory, or a lost state file)?
      const stat = await queryStat(port, 1000);
      if (stat && isOurService(stat.pid, port)) return { port, outcome: 'already-running', pid: stat.pid, recorded: false };
    }
    return { port, outcome: r.reason, message: r.message };
  };
  let services = await Promise.all(opts.ports.map((port) => limit(() => startOne(port))));

  const staleKeys = new Set(stale.map(entryKey));
  try {
    updateState(opts.stateFile, (all) => [...all.filter((e) => !staleKeys.has(entryKey(e)) && !children.has(e.port)), ...fresh]);
  } catch (e) {
    // A service nobody recorded could never be found by shutdown_local: stop what was started.
    const why = `started but could not be recorded (${(e as Error).message})`;
    const stops = await Promise.all(fresh.map((entry) => stopService(entry, { graceMs: opts.graceMs ?? 2000 })));
    const after = new Map(stops.map((st) => [st.port, st.outcome === 'failed' ? `, and could not be stopped: ${st.message}` : '; stopped again']));
    services = services.map((s): StartOutcome => (s.outcome === 'started' ? { port: s.port, outcome: 'failed', message: why + (after.get(s.port) ?? '') } : s));
    fresh.length = 0;
  }
  const result: StartLocalResult = { services, stale, exitCode: allStarted(services) ? EXIT.ok : EXIT.failed };
  deps.onStarted?.(result);
  if (opts.foreground && fresh.length > 0) result.stopped = await serveForeground(fresh, children, opts, deps);
  return result;
}

/** Stays attached, passing on the request logs, until Ctrl-C or until every service is gone. */
async function serveForeground(
  entries: ServiceEntry[],
  children: Map<number, ChildProcess>,
  opts: StartLocalOptions,
  deps: StartLocalDeps,
): Promise<StopOutcome[]> {
  await watchForeground(children, deps.signal, deps.onLog ?? (() => undefined));
  const stopped = await Promise.all(entries.map((e) => stopService(e, { graceMs: opts.graceMs ?? 2000 })));
  forgetStopped(opts.stateFile, stopped);
  return stopped;
}
