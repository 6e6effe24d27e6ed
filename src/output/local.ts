// Rendering of local mode: start_local, ping, shutdown_local.
import type { PingOutcome, PingResult } from '../commands/ping.js';
import type { ShutdownLocalResult } from '../commands/shutdown-local.js';
import type { StartLocalResult, StartOutcome } from '../commands/start-local.js';
import { HOST } from '../local/protocol.js';
import { STATE_PATH } from '../local/state.js';
import { summarize } from '../local/stats.js';
import type { StopOutcome } from '../local/supervisor.js';
import { clientJson, envelope, type ClientJson } from './envelope.js';
import type { Printer } from './printer.js';

const at = (port: number) => `${HOST}:${port}`;

export function startLine(s: StartOutcome, p: Printer): string {
  switch (s.outcome) {
    case 'started':
      return p.c.green(`Service started @ ${at(s.port)}`);
    case 'already-running':
      return p.c.yellow(`Service ${at(s.port)} already running (pid ${s.pid}${s.recorded ? '' : ', started from another directory'})`);
    default:
      return p.c.red(`Service ${at(s.port)} not started: ${s.message}`);
  }
}

/** One service in --json: only `started` is a success (as the exit code counts it). */
function startJson(s: StartOutcome): ClientJson {
  if (s.outcome === 'started') return clientJson(at(s.port), true, 'started', undefined, { port: s.port, pid: s.pid });
  if (s.outcome === 'already-running') {
    return clientJson(at(s.port), false, s.outcome, { kind: s.outcome, message: `already running (pid ${s.pid})` }, { port: s.port, pid: s.pid, recorded: s.recorded });
  }
  return clientJson(at(s.port), false, s.outcome, { kind: s.outcome, message: s.message }, { port: s.port });
}

export function renderStartLocal({ services, stale, exitCode }: StartLocalResult, p: Printer): void {
  p.document(envelope('start_local', exitCode, services.map(startJson), { forgotten: stale }));
  if (stale.length > 0) {
    const list = stale.map((e) => `${e.port} (pid ${e.pid})`).join(', ');
    p.note(`forgot services recorded in ${STATE_PATH} that are no longer running: ${list}`);
  }
  for (const s of services) p.line(startLine(s, p));
}

/** --foreground: one request-log line of a service. */
export function renderLocalLog(port: number, text: string, p: Printer): void {
  p.line(p.c.dim(`[${at(port)}] ${text}`));
}

const ms = (n: number) => n.toFixed(2);

/** `Client 127.0.0.1:15001: Echo sent from 127.0.0.1:15001 (0.21 ms)`, or DOWN with why. Pure. */
export function pingLine(r: PingResult, count: number, p: Printer): string {
  return `Client ${at(r.port)}: ${pingAnswer(r, count, p)}`;
}

/** The part of a ping line after `Client …: `: the reply and its time, or DOWN with why. */
export function pingAnswer(r: PingResult, count: number, p: Printer): string {
  const rtt = summarize(r.times);
  if (!r.ok) {
    const partial = count > 1 && r.times.length > 0 ? ` after ${r.times.length} of ${count} replies` : '';
    return p.c.red(`DOWN (${r.error}${partial})`);
  }
  if (rtt === undefined) return r.reply;
  const time = count > 1 ? `${r.times.length} replies, min/avg/max ${ms(rtt.min)}/${ms(rtt.avg)}/${ms(rtt.max)} ms` : `${ms(rtt.avg)} ms`;
  return p.c.green(r.reply) + ` (${time})`;
}

/** A ping result as --json gives it. */
export function pingJson(r: PingResult, address = HOST): Record<string, unknown> {
  return {
    port: r.port,
    address: `${address}:${r.port}`,
    ok: r.ok,
    ...(r.ok ? { reply: r.reply } : { error: r.error }),
    timesMs: r.times.map(round3),
    ...rttJson(r.times),
  };
}

export function renderPing({ ports: results, count, exitCode }: PingOutcome, p: Printer): void {
  const ports = results.map((r) =>
    clientJson(at(r.port), r.ok, r.ok ? 'up' : 'down', r.ok ? undefined : { kind: r.error === 'timeout' ? 'timeout' : 'unreachable', message: r.error }, {
      port: r.port,
      ...(r.ok ? { reply: r.reply } : {}),
      timesMs: r.times.map(round3),
      ...rttJson(r.times),
    }),
  );
  p.document(envelope('ping', exitCode, ports, { count }));
  for (const r of results) p.line(pingLine(r, count, p));
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

function rttJson(times: readonly number[]): { rttMs?: { min: number; avg: number; max: number } } {
  const s = summarize(times);
  return s ? { rttMs: { min: round3(s.min), avg: round3(s.avg), max: round3(s.max) } } : {};
}

export function stopLine(s: StopOutcome, p: Printer): string {
  switch (s.outcome) {
    case 'stopped':
      return p.c.green(`Client ${at(s.port)} stopped`) + (s.how === 'shutdown' ? '' : ` (${s.how})`);
    case 'not-running':
      return `Client ${at(s.port)} was not running (pid ${s.pid} gone)`;
    default:
      return p.c.red(`Client ${at(s.port)} not stopped: ${s.message}`);
  }
}

export function renderStops(stops: readonly StopOutcome[], p: Printer): void {
  for (const s of stops) p.line(stopLine(s, p));
}

export function renderShutdownLocal(r: ShutdownLocalResult, p: Printer): void {
  const services = r.services.map((s) =>
    clientJson(at(s.port), s.outcome !== 'failed', s.outcome, s.outcome === 'failed' ? { kind: 'failed', message: s.message } : undefined, { port: s.port, pid: s.pid, ...(s.outcome === 'stopped' ? { how: s.how } : {}) }),
  );
  p.document(envelope('shutdown_local', r.exitCode, services));
  if (r.services.length === 0) p.line('No local services running.');
  renderStops(r.services, p);
}
