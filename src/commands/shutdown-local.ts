// director shutdown_local: stop every service the state file names, and forget them.
import pLimit from 'p-limit';
import { EXIT } from '../exit-codes.cjs';
import { readState } from '../local/state.js';
import { forgetStopped, stopService, type StopOutcome } from '../local/supervisor.js';

export interface ShutdownLocalOptions {
  stateFile: string;
  /** Wait after `shutdown`, and after SIGTERM, before the next step. */
  graceMs: number;
}

export interface ShutdownLocalResult {
  stateFile: string;
  /** In state-file (port) order. Empty when nothing was recorded. */
  services: StopOutcome[];
  /** 0 unless a service could not be stopped. */
  exitCode: number;
}

const PARALLEL = 16;

export async function shutdownLocal(opts: ShutdownLocalOptions): Promise<ShutdownLocalResult> {
  const entries = readState(opts.stateFile).services;
  const limit = pLimit(PARALLEL);
  const services = await Promise.all(entries.map((e) => limit(() => stopService(e, { graceMs: opts.graceMs }))));
  if (entries.length > 0) forgetStopped(opts.stateFile, services);
  return { stateFile: opts.stateFile, services, exitCode: allStopped(services) ? EXIT.ok : EXIT.failed };
}

export function allStopped(services: readonly StopOutcome[]): boolean {
  return services.every((s) => s.outcome !== 'failed');
}
