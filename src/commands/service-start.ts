// director service start <name> [--port P] [--restart on-failure] [--replace] -- <command…>, and
// director service restart <name>: the command on every client, detached from the SSH session
// under director's supervisor (src/services). A start already under way on a client finishes
// even after Ctrl-C (it takes a moment), so that every client is either started or not, and
// says which; clients not yet reached are reported as not started.
import { EXIT } from '../exit-codes.cjs';
import type { Client } from '../config/client.js';
import type { Fleet, HostResult } from '../ssh/fleet.js';
import { HostError } from '../ssh/host-error.js';
import { checkServiceName, DEFAULT_GRACE_S, DEFAULT_LOG_LIMIT, serviceCommand, type RestartPolicy } from '../services/names.js';
import { startOn } from '../services/on-client.js';
import type { StartAnswer, StartPlan } from '../services/start-script.js';

export interface ServiceStartOptions {
  name: string;
  /** The command words (joined as exec joins them); absent: restart with the recorded command. */
  words?: readonly string[];
  ports?: readonly number[];
  restart?: RestartPolicy;
  replace?: boolean;
  graceS?: number;
  logLimit?: number;
}

export interface ServiceStartResult {
  name: string;
  /** restart: the recorded command was started again. */
  restarted: boolean;
  results: HostResult<StartAnswer>[];
  /** Ctrl-C came: some clients were not reached. */
  interrupted: boolean;
  /** 0 when every client started the service now, else 1. */
  exitCode: number;
}

/** DIRECTOR_* of a service's command on one client. */
export function serviceEnv(client: Client, count: number, name: string, ports: readonly number[]): Record<string, string> {
  return {
    DIRECTOR_HOST: client.name,
    DIRECTOR_HOST_INDEX: String(client.index),
    DIRECTOR_HOST_COUNT: String(count),
    DIRECTOR_SERVICE: name,
    ...(ports.length > 0 ? { DIRECTOR_SERVICE_PORT: ports.join(',') } : {}),
  };
}

/** The start plan of one client; `extra` adds what the echo service needs. */
export function startPlan(opts: ServiceStartOptions, client: Client, count: number, extra: Partial<StartPlan> = {}): StartPlan {
  const ports = opts.ports ?? [];
  return {
    name: opts.name,
    ...(opts.words !== undefined ? { command: serviceCommand(opts.words) } : {}),
    restart: opts.restart ?? 'no',
    logLimit: opts.logLimit ?? DEFAULT_LOG_LIMIT,
    replace: opts.replace === true || opts.words === undefined,
    graceS: opts.graceS ?? DEFAULT_GRACE_S,
    env: serviceEnv(client, count, opts.name, ports),
    meta: ports.length > 0 ? { ports: ports.join(',') } : {},
    ...extra,
  };
}

export function checkStartOptions(opts: ServiceStartOptions): void {
  checkServiceName(opts.name);
  if (opts.words !== undefined) serviceCommand(opts.words);
}

export async function serviceStart(opts: ServiceStartOptions, deps: { fleet: Fleet }): Promise<ServiceStartResult> {
  checkStartOptions(opts);
  const count = deps.fleet.clients.length;
  const results = await deps.fleet.run((session, client) => {
    notAfterCtrlC(deps.fleet);
    return startOn(session, startPlan(opts, client, count));
  });
  return startResult(opts.name, opts.words === undefined, results, deps.fleet);
}

/**
 * A client whose work slot comes after Ctrl-C is not started (a start under way goes on): the
 * Fleet checks the signal before connecting, not once a connected client gets its slot.
 */
export function notAfterCtrlC(fleet: Fleet): void {
  if (fleet.signal?.aborted) throw new HostError('interrupted', 'not started: interrupted');
}

export function startResult<T extends StartAnswer>(name: string, restarted: boolean, results: HostResult<T>[], fleet: Fleet): ServiceStartResult {
  const ok = results.every((r) => r.ok && r.value.outcome === 'started');
  return { name, restarted, results, interrupted: fleet.signal?.aborted === true, exitCode: ok ? EXIT.ok : EXIT.failed };
}
