// Rendering of `director status`.
import type { ClientStatus, StatusResult } from '../commands/status.js';
import type { Printer } from './printer.js';
import { clientJson, envelope, errorJson, type ClientJson } from './envelope.js';
import { summaryLine } from './results.js';

/** `on`/`off`, or the kind of the SSH failure; a client OFF fails as unreachable. */
function statusJson(s: ClientStatus): ClientJson {
  const sshFailed = s.ssh !== undefined && !s.ssh.ok ? s.ssh.error : undefined;
  const off = { kind: 'unreachable', message: s.pingError ?? `no answer to ping (${s.received}/2 replies)` };
  return clientJson(s.client.name, s.ok, !s.on ? 'off' : sshFailed ? sshFailed.kind : 'on', sshFailed ?? (s.on ? undefined : off), {
    on: s.on,
    received: s.received,
    rttMs: s.rttMs,
    through: s.through,
    ssh: s.ssh && (s.ssh.ok ? { ok: true, ms: s.ssh.ms } : { ok: false, ms: s.ssh.ms, error: errorJson(s.ssh.error) }),
  });
}

export function statusHeader(p: Printer): void {
  p.line('Determining online status of clients...');
}

export function onOffLine(s: ClientStatus, p: Printer): string {
  const rtt = s.rttMs !== undefined ? ` (${s.rttMs.toFixed(2)} ms)` : '';
  if (s.through !== undefined) {
    const how = `through ${s.through}, no ICMP`;
    const state = s.on ? p.c.green(`ON (${how}) SSH OK`) : p.c.red(`OFF (${how}) SSH ${s.ssh?.ok === false ? `${s.ssh.error.kind}: ${s.ssh.error.message}` : 'not tried'}`);
    return `Client: ${s.client.name} ${state}`;
  }
  const state = s.on
    ? p.c.green(`ON${rtt}`)
    : p.c.red(`OFF${s.received > 0 ? ` (${s.received}/2 replies)` : ''}${s.pingError ? ` (${s.pingError})` : ''}`);
  let ssh = '';
  if (s.ssh) ssh = s.ssh.ok ? ` ${p.c.green('SSH OK')}` : ` ${p.c.red(`SSH ${s.ssh.error.kind}: ${s.ssh.error.message}`)}`;
  return `Client: ${s.client.name} ${state}${ssh}`;
}

export function renderStatus(r: StatusResult, p: Printer): void {
  const all = r.clients;
  if (p.json) {
    p.document(envelope('status', r.exitCode, all.map(statusJson)));
    return;
  }
  statusHeader(p);
  for (const s of all) p.line(onOffLine(s, p));
  p.line(
    summaryLine(
      all.map((s) => ({ client: s.client, ok: s.ok, error: s.ssh?.ok === false ? s.ssh.error : undefined })),
      p,
    ),
  );
}
