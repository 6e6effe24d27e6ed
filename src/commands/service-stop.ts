// director service stop <name> [--grace s]: TERM to every process of the service on every
// client, KILL after the grace, and "stopped" only once none is left. A stop under way on a
// client finishes even after Ctrl-C, so a service is never left half-stopped unsaid.
import { EXIT } from '../exit-codes.cjs';
import type { Fleet, HostResult } from '../ssh/fleet.js';
import { checkServiceName, DEFAULT_GRACE_S } from '../services/names.js';
import { stopOn } from '../services/on-client.js';
import type { StopAnswer } from '../services/stop-script.js';

export interface ServiceStopOptions {
  name: string;
  graceS?: number;
}

export interface ServiceStopResult {
  name: string;
  graceS: number;
  results: HostResult<StopAnswer>[];
  interrupted: boolean;
  /** 0 when the service runs on no client any more, else 1. */
  exitCode: number;
}

export async function serviceStop(opts: ServiceStopOptions, deps: { fleet: Fleet }): Promise<ServiceStopResult> {
  checkServiceName(opts.name);
  const graceS = opts.graceS ?? DEFAULT_GRACE_S;
  const results = await deps.fleet.run((session) => stopOn(session, opts.name, graceS));
  const ok = results.every((r) => r.ok && r.value.outcome !== 'kill-failed');
  return { name: opts.name, graceS, results, interrupted: deps.fleet.signal?.aborted === true, exitCode: ok ? EXIT.ok : EXIT.failed };
}
