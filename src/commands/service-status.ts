// director service status [name]: every client's services (or the one named), each read from
// the client's /proc and the service's folder, and judged (services/state.ts).
import { EXIT } from '../exit-codes.cjs';
import type { Fleet, HostResult } from '../ssh/fleet.js';
import { checkServiceName } from '../services/names.js';
import { factsOn } from '../services/on-client.js';
import { judgeService, type ServiceStatus } from '../services/state.js';

export interface ServiceStatusOptions {
  name?: string;
  timeoutMs?: number;
}

export interface ClientServices {
  services: ServiceStatus[];
}

export interface ServiceStatusResult {
  name?: string;
  results: HostResult<ClientServices>[];
  /**
   * 0 when every client answered and all is well: the named service runs everywhere with its
   * ports listening, or (no name) no service has crashed or lost its port. Else 1.
   */
  exitCode: number;
}

export async function serviceStatus(opts: ServiceStatusOptions, deps: { fleet: Fleet }): Promise<ServiceStatusResult> {
  if (opts.name !== undefined) checkServiceName(opts.name);
  const results = await deps.fleet.run(async (session) => {
    const facts = await factsOn(session, opts.name, opts.timeoutMs);
    return { services: facts.services.map((s) => judgeService(s, facts)) };
  });
  const ok = results.every((r) => r.ok && (opts.name === undefined ? r.value.services.every(healthy) : r.value.services.some(running)));
  return { ...(opts.name !== undefined ? { name: opts.name } : {}), results, exitCode: ok ? EXIT.ok : EXIT.failed };
}

function running(s: ServiceStatus): boolean {
  return s.state === 'running' && s.ports.every((p) => p.state === 'listening');
}

function healthy(s: ServiceStatus): boolean {
  return s.state === 'stopped' || running(s);
}
