// Rendering of `director status`.
import type { ClientStatus } from '../commands/status.js';
import type { Printer } from './printer.js';
import { errorJson, summaryLine } from './results.js';

export function statusHeader(p: Printer): void {
  p.line('Determining online status of clients...');
}

export function statusLine(s: ClientStatus, p: Printer): string {
  const rtt = s.rttMs !== undefined ? ` (${s.rttMs.toFixed(2)} ms)` : '';
  const state = s.on
    ? p.c.green(`ON${rtt}`)
    : p.c.red(`OFF${s.received > 0 ? ` (${s.received}/2 replies)` : ''}${s.pingError ? ` (${s.pingError})` : ''}`);
  let ssh = '';
  if (s.ssh) ssh = s.ssh.ok ? ` ${p.c.green('SSH OK')}` : ` ${p.c.red(`SSH ${s.ssh.error.kind}: ${s.ssh.error.message}`)}`;
  return `Client: ${s.client.name} ${state}${ssh}`;
}

export function renderStatus(all: ClientStatus[], p: Printer): void {
  if (p.json) {
    p.document({
      command: 'status',
      clients: all.map((s) => ({
        client: s.client.name,
        on: s.on,
        received: s.received,
        ...(s.rttMs !== undefined ? { rttMs: s.rttMs } : {}),
        ...(s.ssh ? { ssh: s.ssh.ok ? { ok: true, ms: s.ssh.ms } : { ok: false, ms: s.ssh.ms, error: errorJson(s.ssh.error) } } : {}),
      })),
      ok: statusOk(all),
    });
    return;
  }
  statusHeader(p);
  for (const s of all) p.line(statusLine(s, p));
  p.line(
    summaryLine(
      all.map((s) => ({ client: s.client, ok: s.on && (s.ssh?.ok ?? true), ...(s.ssh && !s.ssh.ok ? { error: s.ssh.error } : {}) })),
      p,
    ),
  );
}

export function statusOk(all: ClientStatus[]): boolean {
  return all.every((s) => s.on && (s.ssh?.ok ?? true));
}
