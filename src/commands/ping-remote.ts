// director ping --remote: ask every client's echo service on each port of port.conf for an echo,
// through the client's SSH connection (a direct-tcpip channel to the service's address on the
// client, so no port needs opening on the network). Where the service listens is read from
// its folder on the client: its --bind, or 127.0.0.1 for a wildcard or when there is none.
import pLimit from 'p-limit';
import { EXIT } from '../exit-codes.cjs';
import { LineConnection, LocalError, type AskOptions } from '../local/line-client.js';
import type { Fleet, HostResult } from '../ssh/fleet.js';
import { ForwardRefused, type Session } from '../ssh/session.js';
import { metaOn } from '../services/on-client.js';
import { ECHO, hostPort } from './echo-start.js';
import { pingOver, type PingResult } from './ping.js';

export interface PingRemoteOptions {
  ports: readonly number[];
  count: number;
  timeoutMs: number;
}

export interface ClientPings {
  /** The address pinged on the client. */
  address: string;
  ports: PingResult[];
}

export interface PingRemoteOutcome {
  count: number;
  results: HostResult<ClientPings>[];
  /** 0 when every port of every client answered, else 1. */
  exitCode: number;
}

/** Forwarded connections open at once on one client. */
const PER_CLIENT = 8;
const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);

export async function pingRemote(opts: PingRemoteOptions, deps: { fleet: Fleet }): Promise<PingRemoteOutcome> {
  const bound: AskOptions = { timeoutMs: opts.timeoutMs, signal: deps.fleet.signal };
  const results = await deps.fleet.run(async (session): Promise<ClientPings> => {
    const bind = (await metaOn(session, ECHO))['bind'] ?? '';
    const address = WILDCARDS.has(bind) ? '127.0.0.1' : bind;
    const limit = pLimit(PER_CLIENT);
    const ports = await Promise.all(
      opts.ports.map((port) =>
        limit(async (): Promise<PingResult> => {
          const open = () => forwarded(session, address, port, bound);
          return { port, ...(await pingOver(open, `Echo sent from ${hostPort(address, port)}`, opts.count, bound)) };
        }),
      ),
    );
    return { address, ports };
  });
  const ok = results.every((r) => r.ok && r.value.ports.every((p) => p.ok));
  return { count: opts.count, results, exitCode: ok ? EXIT.ok : EXIT.failed };
}

/** A line connection over a channel the client opens to address:port, within the time limit. */
async function forwarded(session: Session, address: string, port: number, bound: AskOptions): Promise<LineConnection> {
  let timer: NodeJS.Timeout | undefined;
  const opening = session.forwardOut(address, port);
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LocalError('timeout', 'timeout')), bound.timeoutMs);
  });
  try {
    return LineConnection.over(await Promise.race([opening, late]));
  } catch (e) {
    // A channel that opens after all is closed at once.
    void opening.then((ch) => ch.close(), () => undefined);
    if (e instanceof ForwardRefused) throw new LocalError('refused', refusal(e));
    throw e instanceof LocalError ? e : new LocalError('io', (e as Error).message);
  } finally {
    clearTimeout(timer);
  }
}

function refusal(e: ForwardRefused): string {
  if (e.reason === 1) return `the client's SSH server does not allow forwarding (${e.message})`;
  return /refused/i.test(e.why) || e.why === '' ? 'connection refused' : e.why;
}
