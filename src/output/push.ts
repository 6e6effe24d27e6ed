// Rendering of `director copy` and `director sync`: one line per client as it finishes, the
// files that failed (and, for sync, what was or would be removed), a summary line.
import type { CopyResult } from '../commands/copy.js';
import type { SyncResult } from '../commands/sync.js';
import { KIND_LABEL } from '../ssh/host-error.js';
import type { PushEvent, PushOutcome } from '../transfer/push-fleet.js';
import { clientOk } from '../transfer/push-fleet.js';
import { formatBytes, formatSeconds, plural } from './format.js';
import type { Printer } from './printer.js';
import { clientJson, envelope } from './envelope.js';
import { summaryLine } from './results.js';

/** Names listed per client before "… and N more". */
const LIST_LIMIT = 20;

type Result = CopyResult | SyncResult;

function counts(o: PushOutcome) {
  const n = { written: 0, unchanged: 0, would: 0, failed: 0, bytes: 0 };
  for (const f of o.files) {
    if (f.status === 'written') {
      n.written++;
      n.bytes += f.bytes;
    } else if (f.status === 'unchanged') n.unchanged++;
    else if (f.status === 'would-write') n.would++;
    else n.failed++;
  }
  return n;
}

/** `host: 12 written, 3 unchanged, 0 failed (1.2 MB in 0.80 s)`. */
export function clientLine(o: PushOutcome, p: Printer, dryRun = false): string {
  const n = counts(o);
  const parts = dryRun
    ? [`would write ${n.would}`, `${n.unchanged} unchanged`, ...(o.wouldDelete.length > 0 ? [`would delete ${o.wouldDelete.length}`] : [])]
    : [`${n.written} written`, `${n.unchanged} unchanged`, `${n.failed} failed`, ...(o.deleted.length + o.deleteFailed.length > 0 ? [`${o.deleted.length} deleted`] : [])];
  const e = o.error;
  const tail = e ? ` — ${KIND_LABEL[e.kind]}${e.message === KIND_LABEL[e.kind] ? '' : `: ${e.message}`}` : '';
  const line = `${o.client.name}: ${parts.join(', ')}${dryRun ? '' : ` (${formatBytes(n.bytes)} in ${formatSeconds(o.ms)})`}${tail}`;
  return clientOk(o) ? line : p.c.red(line);
}

/** Live lines: one per client as it finishes. */
export function pushProgress(p: Printer, dryRun = false): (e: PushEvent) => void {
  return (e) => {
    if (e.type === 'client-done' && !p.json) p.line(clientLine(e.outcome, p, dryRun));
  };
}

export function renderPushStart(r: Pick<Result, 'local'>, command: string, dest: string, clients: number, p: Printer): void {
  if (p.json) return;
  p.line(`${command === 'copy' ? 'Copying' : 'Syncing'} ${plural(r.local.files.length, 'file')} (${formatBytes(r.local.totalBytes)}) to ${dest} on ${plural(clients, 'client')}`);
  for (const s of r.local.skipped.slice(0, LIST_LIMIT)) p.line(p.c.dim(`  skipped ${s.rel} (${s.why})`));
  if (r.local.skipped.length > LIST_LIMIT) p.line(p.c.dim(`  … and ${r.local.skipped.length - LIST_LIMIT} more skipped`));
}

export function renderPushResult(r: Result, p: Printer): void {
  const dryRun = r.command === 'sync' && r.dryRun;
  if (p.json) {
    const clients = r.clients.map((o) => {
      const n = counts(o);
      const ok = clientOk(o);
      const firstBad = o.files.find((f) => f.status === 'failed');
      const why =
        o.error ??
        (firstBad?.status === 'failed'
          ? { kind: firstBad.kind, message: `${plural(n.failed, 'file')} failed; first: ${firstBad.rel}: ${firstBad.reason}` }
          : { kind: 'io', message: `could not ${o.deleteFailed.length > 0 ? `delete ${o.deleteFailed[0]}` : `create folder ${o.dirsFailed[0] ?? '?'}`}` });
      const state = ok ? (dryRun ? (n.would + o.wouldDelete.length > 0 ? 'would-change' : 'unchanged') : n.written + o.deleted.length > 0 ? 'written' : 'unchanged') : (o.error?.kind ?? 'failed');
      return clientJson(o.client.name, ok, state, ok ? undefined : why, {
        ms: o.ms,
        written: n.written,
        unchanged: n.unchanged,
        failed: n.failed,
        ...(dryRun ? { wouldWrite: n.would } : {}),
        bytes: n.bytes,
        temporariesRemoved: o.temporariesRemoved,
        files: o.files,
        deleted: o.deleted,
        wouldDelete: o.wouldDelete,
        deleteFailed: o.deleteFailed,
        dirsFailed: o.dirsFailed,
      });
    });
    p.document(envelope(r.command, r.exitCode, clients, { dest: r.dest, dryRun, interrupted: r.interrupted, skipped: r.local.skipped }));
    return;
  }
  for (const o of r.clients) {
    const bad = o.files.filter((f) => f.status === 'failed');
    const lines: string[] = [];
    for (const f of bad) if (f.status === 'failed' && (o.error === undefined || f.reason !== o.error.message)) lines.push(`  ${f.rel} → ${o.client.name}: ${f.reason}`);
    if (dryRun) {
      for (const f of o.files) if (f.status === 'would-write') lines.push(`  would write ${f.rel} → ${o.client.name} (${f.why})`);
      for (const d of o.wouldDelete) lines.push(`  would delete ${d} on ${o.client.name}`);
    }
    for (const d of o.deleteFailed) lines.push(`  could not delete ${d} on ${o.client.name}`);
    for (const d of o.dirsFailed) lines.push(`  could not create folder ${d} on ${o.client.name}`);
    for (const l of lines.slice(0, LIST_LIMIT)) p.line(l.startsWith('  would') ? l : p.c.red(l));
    if (lines.length > LIST_LIMIT) p.line(`  … and ${lines.length - LIST_LIMIT} more on ${o.client.name}`);
    if (o.temporariesRemoved) p.line(p.c.dim(`  ${plural(o.temporariesRemoved, 'temporary', 'temporaries')} of an earlier run removed on ${o.client.name}`));
  }
  p.line(summaryLine(r.clients.map((o) => ({ client: o.client, ok: clientOk(o), error: o.error })), p));
}
