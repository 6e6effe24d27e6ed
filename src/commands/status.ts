// director status: ICMP ping every client (two packets); with --ssh, log in to each as well.
import pLimit from 'p-limit';
import ping from 'ping';
import type { Client } from '../config/client.js';
import type { Fleet } from '../ssh/fleet.js';
import { HostError } from '../ssh/host-error.js';
import { resolveTarget, type TargetDefaults } from '../ssh/target.js';

export interface StatusOptions {
  ssh: boolean;
}

export interface StatusDeps {
  clients: readonly Client[];
  fleet: Fleet;
  targets: TargetDefaults;
  onResult?: (s: ClientStatus) => void;
}

export interface ClientStatus {
  client: Client;
  /** ON: both ICMP echo requests were answered. */
  on: boolean;
  received: number;
  rttMs?: number;
  /** Why the ping could not even be tried (no ping binary, bad name). */
  pingError?: string;
  /** Present with --ssh. */
  ssh?: { ok: true; ms: number } | { ok: false; error: HostError; ms: number };
}

const PACKETS = 2;
/** Ping runs as a process per client; keep the number at once modest. */
const PING_PARALLEL = 64;

export async function status(opts: StatusOptions, deps: StatusDeps): Promise<ClientStatus[]> {
  const limit = pLimit(PING_PARALLEL);
  const pings = deps.clients.map((client) => limit(() => probe(client, deps.targets)));
  const logins = opts.ssh ? deps.fleet.run(async () => undefined) : undefined;
  const [pinged, logged] = await Promise.all([Promise.all(pings), logins]);
  return pinged.map((s, i) => {
    const login = logged?.[i];
    if (login) s.ssh = login.ok ? { ok: true, ms: login.ms } : { ok: false, error: login.error, ms: login.ms };
    return s;
  });
}

async function probe(client: Client, targets: TargetDefaults): Promise<ClientStatus> {
  const host = resolveTarget(client, targets).hostname;
  try {
    const r = await ping.promise.probe(host, {
      timeout: 1,
      deadline: 3,
      min_reply: PACKETS,
      v6: host.includes(':'),
      extra: ['-i', '0.2', '-n'],
    });
    const received = Array.isArray(r.times) ? r.times.length : 0;
    const s: ClientStatus = { client, on: received >= PACKETS, received };
    if (typeof r.time === 'number') s.rttMs = r.time;
    return s;
  } catch (e) {
    return { client, on: false, received: 0, pingError: (e as Error).message };
  }
}
