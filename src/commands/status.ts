// director status: ICMP ping every client (two packets); with --ssh, log in to each as well.
import pLimit from 'p-limit';
import ping from 'ping';
import { EXIT } from '../exit-codes.cjs';
import type { Client } from '../config/client.js';
import type { Fleet } from '../ssh/fleet.js';
import type { HostError } from '../ssh/host-error.js';

export interface StatusOptions {
  ssh: boolean;
}

export interface StatusResult {
  clients: ClientStatus[];
  /** 0 when every client is ON (and, with --ssh, logged in to), else 1. */
  exitCode: number;
}

export interface ClientStatus {
  client: Client;
  /** ON: both ICMP echo requests were answered. */
  on: boolean;
  received: number;
  rttMs?: number;
  /** Why the ping could not even be tried (no ping binary, bad name). */
  pingError?: string;
  /**
   * Reached through a bastion or a ProxyCommand: ICMP from here would go around it (maybe to
   * another machine with the same address), so the client is logged in to instead, and ON
   * means that login worked.
   */
  through?: string;
  /** Present with --ssh. */
  ssh?: { ok: true; ms: number } | { ok: false; error: HostError; ms: number };
  /** ON, and logged in to when --ssh asked for it. */
  ok: boolean;
}

const PACKETS = 2;
/** Ping runs as a process per client; keep the number at once modest. */
const PING_PARALLEL = 64;

export async function status(opts: StatusOptions, deps: { fleet: Fleet }): Promise<StatusResult> {
  const { fleet } = deps;
  const limit = pLimit(PING_PARALLEL);
  const routed = (client: Client) => fleet.target(client).route.kind !== 'direct';
  const pings = fleet.clients.map((client) => {
    const t = fleet.target(client);
    if (t.route.kind === 'jump') return { client, on: false, received: 0, ok: false, through: `bastion ${t.route.via.host}` };
    if (t.route.kind === 'command') return { client, on: false, received: 0, ok: false, through: 'ProxyCommand' };
    return limit(() => probe(client, t.hostname));
  });
  const logins = fleet.run(async () => undefined, { only: (c) => opts.ssh || routed(c) });
  const [pinged, logged] = await Promise.all([Promise.all(pings), logins]);
  const byClient = new Map(logged.map((l) => [l.client, l]));
  const clients = pinged.map((s: ClientStatus) => {
    const login = byClient.get(s.client);
    if (login) s.ssh = login.ok ? { ok: true, ms: login.ms } : { ok: false, error: login.error, ms: login.ms };
    if (s.through !== undefined) s.on = s.ssh?.ok === true;
    s.ok = s.on && (s.ssh?.ok ?? true);
    return s;
  });
  return { clients, exitCode: clients.every((s) => s.ok) ? EXIT.ok : EXIT.failed };
}

async function probe(client: Client, host: string): Promise<ClientStatus> {
  try {
    const r = await ping.promise.probe(host, {
      timeout: 1,
      deadline: 3,
      min_reply: PACKETS,
      v6: host.includes(':'),
      extra: ['-i', '0.2', '-n'],
    });
    const received = Array.isArray(r.times) ? r.times.length : 0;
    const s: ClientStatus = { client, on: received >= PACKETS, received, ok: false };
    if (typeof r.time === 'number') s.rttMs = r.time;
    return s;
  } catch (e) {
    return { client, on: false, received: 0, pingError: (e as Error).message, ok: false };
  }
}
