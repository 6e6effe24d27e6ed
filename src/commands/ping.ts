// director ping: ask every local service on port.conf's ports for an echo, all at once.
import pLimit from 'p-limit';
import { performance } from 'node:perf_hooks';
import { LineConnection, LocalError, type AskOptions } from '../local/line-client.js';
import { echoReply, printable } from '../local/protocol.js';
import { EXIT } from '../exit-codes.cjs';

export interface PingOptions {
  ports: readonly number[];
  /** Pings per port, one after another on one connection. */
  count: number;
  /** Limit for the connection and for each reply. */
  timeoutMs: number;
}

export interface PingDeps {
  signal?: AbortSignal;
}

export type PingResult =
  | { port: number; ok: true; reply: string; times: number[] }
  | { port: number; ok: false; error: string; times: number[] };

export interface PingOutcome {
  count: number;
  /** In port.conf order. */
  ports: PingResult[];
  /** 0 when every port answered, else 1. */
  exitCode: number;
}

/** Sockets open at once; far above any real port.conf, well below the file limit. */
const PARALLEL = 256;

export async function ping(opts: PingOptions, deps: PingDeps = {}): Promise<PingOutcome> {
  const limit = pLimit(PARALLEL);
  const ports = await Promise.all(opts.ports.map((port) => limit(() => pingOne(port, opts, deps))));
  return { count: opts.count, ports, exitCode: allAnswered(ports) ? EXIT.ok : EXIT.failed };
}

export function allAnswered(results: readonly PingResult[]): boolean {
  return results.every((r) => r.ok);
}

async function pingOne(port: number, opts: PingOptions, deps: PingDeps): Promise<PingResult> {
  const bound = { timeoutMs: opts.timeoutMs, signal: deps.signal };
  return { port, ...(await pingOver(() => LineConnection.open(port, bound), echoReply(port), opts.count, bound)) };
}

export type PingReply = { ok: true; reply: string; times: number[] } | { ok: false; error: string; times: number[] };

/** `count` pings, one after another, on one connection that `open` makes; each reply must be `expected`. */
export async function pingOver(open: () => Promise<LineConnection>, expected: string, count: number, bound: AskOptions): Promise<PingReply> {
  const times: number[] = [];
  let conn: LineConnection | undefined;
  try {
    conn = await open();
    let reply = '';
    for (let i = 0; i < count; i++) {
      // Timed from request to reply: the connection is set up once, before the first.
      const t0 = performance.now();
      reply = await conn.ask('ping', bound);
      const ms = performance.now() - t0;
      if (reply !== expected) return { ok: false, error: `unexpected reply: ${printable(reply)}`, times };
      times.push(ms);
    }
    return { ok: true, reply, times };
  } catch (e) {
    return { ok: false, error: e instanceof LocalError ? e.message : String(e), times };
  } finally {
    conn?.close();
  }
}
