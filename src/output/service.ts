// Rendering of `director service start|restart|stop|status|logs`: one line per client (per
// client and service for status), a summary line, and what Ctrl-C left behind.
import type { Client } from '../config/client.js';
import type { ServiceLogsResult } from '../commands/service-logs.js';
import type { ServiceStartResult } from '../commands/service-start.js';
import type { ServiceStatusResult } from '../commands/service-status.js';
import type { ServiceStopResult } from '../commands/service-stop.js';
import type { StartAnswer } from '../services/start-script.js';
import type { ServiceStatus } from '../services/state.js';
import type { StopAnswer } from '../services/stop-script.js';
import type { HostResult } from '../ssh/fleet.js';
import type { HostError } from '../ssh/host-error.js';
import { formatBytes } from './format.js';
import { Outlet, prefixLines } from './run-live.js';
import type { Printer } from './printer.js';
import { judgedResultJson, envelope } from './envelope.js';
import { failureText, summaryLine, type Outcome } from './results.js';

/** What a start answer says, and whether it counts as success. */
export function startText(name: string, a: StartAnswer): { ok: boolean; text: string } {
  switch (a.outcome) {
    case 'started':
      return { ok: true, text: `${name} started (pid ${a.pid}${a.replacedPid !== undefined ? `; replaced the one under supervisor ${a.replacedPid}` : ''})` };
    case 'already-running':
      return { ok: false, text: `${name} already running (pid ${a.pid ?? '?'}): not started again (--replace restarts it)` };
    case 'busy':
      return { ok: false, text: `another start of ${name} is under way there${a.holder !== undefined ? ` (pid ${a.holder})` : ''}` };
    case 'exited': {
      const last = a.lastLines.split('\n').filter((l) => l.trim() !== '').pop();
      return { ok: false, text: `${name} exited at once${a.status !== undefined ? ` with status ${a.status}` : ''}${last ? `: ${last}` : ''}` };
    }
    case 'stop-failed':
      return { ok: false, text: `the running ${name} could not be stopped to replace it: ${a.left.length} processes remain: ${a.left.join(' ')}` };
    case 'no-command':
      return { ok: false, text: `no recorded command of ${name} to restart (start it with director service start)` };
    case 'no-detach':
      return { ok: false, text: 'cannot detach the service: the client has none of setsid, perl, python3 or node' };
    case 'no-start':
      return { ok: false, text: `the supervisor did not start${a.why ? `: ${a.why}` : ''}` };
    case 'failed':
      return { ok: false, text: a.why };
  }
}

/** Per-client outcome for the summary line: a client whose answer is not success counts as failed (named alone). */
function outcomes<T>(results: readonly HostResult<T>[], ok: (v: T) => { ok: boolean }): Outcome[] {
  return results.map((r) => (r.ok ? { client: r.client, ok: ok(r.value).ok } : { client: r.client, ok: false, error: r.error }));
}

function clientLine(p: Printer, client: Client, ok: boolean, text: string): string {
  return `${p.c.cyan(client.name)}: ${ok ? p.c.green(text) : p.c.red(text)}`;
}

function resultLines<T>(results: readonly HostResult<T>[], p: Printer, say: (v: T) => { ok: boolean; text: string }): void {
  for (const r of results) {
    if (r.ok) {
      const s = say(r.value);
      p.line(clientLine(p, r.client, s.ok, s.text));
    } else p.line(`${p.c.cyan(r.client.name)}: ${failureText(r.error, p)}`);
  }
  p.line(summaryLine(outcomes(results, say), p));
}

/** After Ctrl-C: which clients got the service, so nothing runs unsaid. */
function interruptNote(p: Printer, name: string, started: number, notReached: number): void {
  p.note(
    `interrupted: ${notReached} client${notReached === 1 ? '' : 's'} not reached` +
      (started > 0 ? `; ${name} runs on the ${started} started above (director service stop ${name} stops it)` : '; nothing was started'),
  );
}

export function renderServiceStart(r: ServiceStartResult, p: Printer): void {
  if (p.json) {
    const clients = r.results.map((x) =>
      judgedResultJson(x, (a) => {
        const t = startText(r.name, a);
        return { ok: t.ok, state: a.outcome, message: t.text, fields: { ...a } };
      }),
    );
    p.document(envelope(r.restarted ? 'service restart' : 'service start', r.exitCode, clients, { service: r.name, interrupted: r.interrupted }));
  } else resultLines(r.results, p, (a) => startText(r.name, a));
  if (r.interrupted) {
    const started = r.results.filter((x) => x.ok && x.value.outcome === 'started').length;
    interruptNote(p, r.name, started, r.results.filter((x) => !x.ok && x.error.kind === 'interrupted').length);
  }
}

export function stopText(name: string, a: StopAnswer, graceS: number): { ok: boolean; text: string } {
  switch (a.outcome) {
    case 'stopped':
      return { ok: true, text: `${name} stopped${a.how === 'kill' ? ` (KILL after ${graceS} s of grace)` : ''}` };
    case 'not-running':
      return { ok: true, text: `${name} was not running` };
    case 'no-such-service':
      return { ok: true, text: `no service ${name} there` };
    case 'kill-failed':
      return { ok: false, text: `${name} NOT stopped: ${a.left.length} process${a.left.length === 1 ? '' : 'es'} remain: ${a.left.join(' ')}` };
  }
}

export function renderServiceStop(r: ServiceStopResult, p: Printer): void {
  if (p.json) {
    const clients = r.results.map((x) =>
      judgedResultJson(x, (a) => {
        const t = stopText(r.name, a, r.graceS);
        return { ok: t.ok, state: a.outcome, message: t.text, fields: { ...a } };
      }),
    );
    p.document(envelope('service stop', r.exitCode, clients, { service: r.name, interrupted: r.interrupted }));
  }
  else resultLines(r.results, p, (a) => stopText(r.name, a, r.graceS));
  if (r.interrupted) {
    const notReached = r.results.filter((x) => !x.ok && x.error.kind === 'interrupted').length;
    p.note(`interrupted: ${notReached} client${notReached === 1 ? '' : 's'} not reached: ${r.name} may still run there`);
  }
}

function duration(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

/** The state words of a service, without the figures that change by the second (for --fold). */
export function stateWords(s: ServiceStatus): string {
  const exit = s.exit && s.state !== 'running' ? ` (exit ${s.exit.status}${s.exit.signal ? `, SIG${s.exit.signal}` : ''})` : '';
  const note = s.note ? ` (${s.note})` : '';
  const ports = s.ports.map((x) => `port ${x.port} ${x.state === 'listening' ? 'listening' : x.state === 'taken' ? 'held by another process' : 'not listening'}`);
  const restarts = s.restart === 'on-failure' || s.restarts > 0 ? [`restarts ${s.restarts}`] : [];
  return [`${s.state}${exit}${note}`, ...restarts, ...ports].join(', ');
}

/** `running, pid 4242, up 3m12s, rss 21.3 MB, cpu 0.4%, restarts 0, port 15001 listening | last log line`. */
export function statusText(s: ServiceStatus): string {
  const [head, ...rest] = stateWords(s).split(', ');
  const figures =
    s.state === 'running'
      ? [`pid ${s.pid}`, `up ${duration(s.uptimeS ?? 0)}`, `rss ${formatBytes(s.rssBytes ?? 0)}`, `cpu ${(s.cpuPercent ?? 0).toFixed(1)}%`, ...(s.meta['interpreter'] ? [s.meta['interpreter']] : [])]
      : [];
  const last = s.lastLogLine !== undefined && s.lastLogLine !== '' ? ` | ${printableLine(s.lastLogLine)}` : '';
  return [head, ...figures, ...rest].join(', ') + last;
}

function printableLine(text: string): string {
  const line = text.replace(/[\x00-\x1f\x7f]/g, '?');
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}

function statusOk(s: ServiceStatus): boolean {
  return s.state === 'stopped' || (s.state === 'running' && s.ports.every((x) => x.state === 'listening'));
}

export function renderServiceStatus(r: ServiceStatusResult, p: Printer, fold = false): void {
  if (p.json) {
    const clients = r.results.map((x) =>
      judgedResultJson(x, (v) => {
        const ok = v.services.every(statusOk);
        return { ok, state: ok ? 'ok' : 'not-ok', message: 'a service is not running as it should', fields: { services: v.services } };
      }),
    );
    p.document(envelope('service status', r.exitCode, clients, r.name !== undefined ? { service: r.name } : {}));
    return;
  }
  const rows: StatusRow[] = [];
  for (const x of r.results) {
    if (!x.ok) {
      rows.push({ client: x.client, key: `!${x.error.kind}: ${x.error.message}`, text: failureText(x.error, p), ok: false, error: x.error });
      continue;
    }
    const services = x.value.services;
    if (services.length === 0) {
      const none = r.name !== undefined ? `no service ${r.name} there` : 'no services';
      rows.push({ client: x.client, key: none, text: r.name !== undefined ? p.c.red(none) : none, ok: r.name === undefined });
    }
    for (const s of services) {
      const ok = statusOk(s);
      rows.push({ client: x.client, key: `${s.name}: ${stateWords(s)}`, text: `${s.name}: ${(ok ? p.c.green : p.c.red)(fold ? stateWords(s) : statusText(s))}`, ok });
    }
  }
  if (!fold) {
    for (const row of rows) p.line(`${p.c.cyan(row.client.name)} ${row.text}`);
  } else {
    const groups = new Map<string, StatusRow[]>();
    for (const row of rows) groups.set(row.key, [...(groups.get(row.key) ?? []), row]);
    for (const group of groups.values()) {
      const names = group.map((g) => g.client.name);
      p.line(`${group[0]!.text} ${p.c.dim(`(${names.length} client${names.length === 1 ? '' : 's'}: ${names.join(', ')})`)}`);
    }
  }
  p.line(summaryLine(clientOutcomes(rows), p));
}

/** One outcome per client: failed when any of its rows is. */
interface StatusRow {
  client: Client;
  /** What --fold groups by. */
  key: string;
  text: string;
  ok: boolean;
  error?: HostError;
}

function clientOutcomes(rows: readonly StatusRow[]): Outcome[] {
  const by = new Map<Client, Outcome>();
  for (const row of rows) {
    const known = by.get(row.client);
    if (known && !known.ok) continue;
    by.set(row.client, { client: row.client, ok: row.ok, ...(row.error ? { error: row.error } : {}) });
  }
  return [...by.values()];
}

/** -f: each client's log lines as they come, one `host: ` prefix a line. */
export class LogLines {
  private readonly out: Outlet;
  private readonly prefixes = new Map<Client, Buffer>();

  constructor(private readonly p: Printer) {
    this.out = new Outlet(p.stdout);
  }

  lines(client: Client, block: Buffer): void {
    if (this.p.json) return;
    let prefix = this.prefixes.get(client);
    if (prefix === undefined) {
      prefix = Buffer.from(`${this.p.c.cyan(client.name)}: `);
      this.prefixes.set(client, prefix);
    }
    void this.out.write(prefixLines(block, prefix));
  }
}

export function renderServiceLogs(r: ServiceLogsResult, p: Printer): void {
  if (p.json) {
    const clients = r.results.map((x) =>
      judgedResultJson(x, (v) => ({ ok: true, state: 'read', fields: { lines: v.text.toString('utf8').split('\n').slice(0, -1), truncated: v.truncated } })),
    );
    p.document(envelope('service logs', r.exitCode, clients, { service: r.name }));
    return;
  }
  for (const x of r.results) {
    if (!x.ok) p.note(`${x.client.name}! ${x.error.message}`);
    else if (!r.follow) {
      for (const line of x.value.text.toString('utf8').split('\n').slice(0, -1)) p.line(`${p.c.cyan(x.client.name)}: ${line}`);
      if (x.value.truncated) p.note(`${x.client.name}! (cut short: over 8 MB of log lines)`);
    } else if (x.value.killUnconfirmed) p.note(`${x.client.name}! the remote tail was not seen to stop: ${x.value.killUnconfirmed}`);
  }
}
