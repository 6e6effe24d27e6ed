// Rendering of `director connect`, `director disconnect` and `director status --keeper`.
import type { ConnectResult } from '../commands/connect.js';
import type { DisconnectResult } from '../commands/disconnect.js';
import type { KeeperStatusResult } from '../commands/keeper-status.js';
import { describePersist } from '../keeper/duration.js';
import type { KeptStatus } from '../ssh/session-pool.js';
import type { Printer } from './printer.js';
import { clientJson, envelope, hostResultJson } from './envelope.js';
import { failureText, summaryLine } from './results.js';

export function renderConnect(r: ConnectResult, p: Printer): void {
  if (p.json) {
    p.document(envelope('connect', r.exitCode, r.results.map((x) => hostResultJson(x, () => 'connected')), { keeper: { pid: r.pid, persist: describePersist(r.persistMs) } }));
    return;
  }
  for (const x of r.results) p.line(x.ok ? `${p.c.green('connected')} ${x.client.name}` : `${p.c.red('not connected')} ${x.client.name}: ${failureText(x.error, p)}`);
  p.line(summaryLine(r.results, p));
  const kept = r.results.filter((x) => x.ok).length;
  p.line(`keeper pid ${r.pid} keeps ${kept} connection${kept === 1 ? '' : 's'}; it leaves after ${describePersist(r.persistMs)} without a command (director disconnect stops it)`);
}

export function renderDisconnect(r: DisconnectResult, p: Printer): void {
  if (p.json) {
    p.document(envelope('disconnect', r.exitCode, [], { keepers: r.keepers }));
    return;
  }
  if (r.keepers.length === 0) p.line('no keeper for these clients and settings');
  for (const k of r.keepers) {
    if (k.outcome === 'stopped') p.line(`${p.c.green('stopped')} keeper pid ${k.pid} (${k.clientsFile})${k.connections !== undefined ? `: ${k.connections} connection${k.connections === 1 ? '' : 's'} closed` : ''}`);
    else if (k.outcome === 'stale') p.line(`${p.c.yellow('stale')} keeper pid ${k.pid} (${k.clientsFile}) was not running; its files are removed`);
    else p.line(p.c.red(`keeper pid ${k.pid} (${k.clientsFile}) is still running after SIGTERM`));
  }
}

export function renderKeeperStatus(r: KeeperStatusResult, p: Printer): void {
  if (p.json) {
    // The clients are those of the keeper that serves these options; every keeper is listed.
    const serving = r.keepers.find((k) => k.matches)?.report?.clients ?? [];
    const clients = serving.map((c) => clientJson(c.name, c.state === 'connected', c.state, c.state === 'connected' ? undefined : { kind: c.state, message: c.why ?? c.state }, { connections: c.connections }));
    const keepers = r.keepers.map((k) => ({ pid: k.card.pid, clientsFile: k.card.clientsFile, matches: k.matches, stale: k.stale, ...(k.report ?? {}) }));
    p.document(envelope('status', r.exitCode, clients, { keepers }));
    return;
  }
  if (r.keepers.length === 0) p.line('no keeper running (director connect starts one)');
  for (const k of r.keepers) {
    const which = k.matches ? ' (serves these options)' : '';
    if (!k.report) {
      p.line(p.c.yellow(`keeper pid ${k.card.pid} ${k.card.clientsFile}${which}: ${k.stale ? 'not running (stale card)' : 'not answering'}`));
      continue;
    }
    const rep = k.report;
    const idle = rep.busy ? 'running a command' : `idle ${seconds(rep.idleMs)}`;
    p.line(`keeper pid ${rep.pid} ${rep.clientsFile}${which}: ${rep.alive} of ${rep.clients.length} connected, ${idle}, ${rep.commands} commands, leaves after ${describePersist(rep.persistMs)} idle`);
    for (const c of rep.clients) p.line(`  ${keptLine(c, p)}`);
  }
}

/** One client of a pool: `host4 connected (used 3s ago)` or `host2 lost: connection closed`. */
export function keptLine(c: KeptStatus, p: Printer): string {
  const reconnects = c.connections > 1 ? `, ${c.connections} connections so far` : '';
  if (c.state === 'connected') return `${p.c.green('connected')} ${c.name}${c.lastUsed > 0 ? ` (used ${seconds(Date.now() - c.lastUsed)} ago${reconnects})` : ''}`;
  if (c.state === 'connecting') return `${p.c.yellow('connecting')} ${c.name}`;
  return `${p.c.red(c.state)} ${c.name}: ${c.why ?? ''} (${seconds(Date.now() - c.since)} ago)`;
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 1000))}s`;
}
