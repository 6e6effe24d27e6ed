// Rendering of `director gather`: one line per client as it finishes, files that failed and
// entries listed instead of fetched, a summary line.
import type { GatherOutcome, GatherResult } from '../commands/gather.js';
import { gatherOk } from '../commands/gather.js';
import { KIND_LABEL } from '../ssh/host-error.js';
import { formatBytes, formatSeconds } from './format.js';
import type { Printer } from './printer.js';
import { clientJson, envelope } from './envelope.js';
import { summaryLine } from './results.js';

const LIST_LIMIT = 20;

export function gatherLine(o: GatherOutcome, p: Printer): string {
  const ok = o.files.filter((f) => f.status === 'fetched');
  const bytes = ok.reduce((n, f) => n + (f.status === 'fetched' ? f.bytes : 0), 0);
  const e = o.error;
  const tail = e ? ` — ${KIND_LABEL[e.kind]}${e.message === KIND_LABEL[e.kind] ? '' : `: ${e.message}`}` : '';
  const line = `${o.client.name}: ${ok.length} fetched, ${o.files.length - ok.length} failed, ${o.listed.length} listed (${formatBytes(bytes)} in ${formatSeconds(o.ms)}) → ${o.folder}${tail}`;
  return gatherOk(o) ? line : p.c.red(line);
}

export function renderGather(r: GatherResult, p: Printer): void {
  if (p.json) {
    const clients = r.clients.map((o) => {
      const ok = gatherOk(o);
      const bad = o.files.filter((f) => f.status === 'failed');
      const first = bad[0];
      const why = o.error ?? (first?.status === 'failed' ? { kind: 'checksum', message: `${bad.length} of ${o.files.length} files failed; first: ${first.rel}: ${first.reason}` } : undefined);
      return clientJson(o.client.name, ok, ok ? 'fetched' : (o.error?.kind ?? 'failed'), why, { ms: o.ms, folder: o.folder, files: o.files, listed: o.listed });
    });
    p.document(envelope('gather', r.exitCode, clients, { dir: r.dir, interrupted: r.interrupted }));
    return;
  }
  for (const o of r.clients) {
    const lines = [
      ...o.files.flatMap((f) => (f.status === 'failed' ? [p.c.red(`  ${f.rel} ← ${o.client.name}: ${f.reason}`)] : [])),
      ...o.listed.map((l) => p.c.yellow(`  ${l.rel} on ${o.client.name}: ${l.what}`)),
    ];
    for (const l of lines.slice(0, LIST_LIMIT)) p.line(l);
    if (lines.length > LIST_LIMIT) p.line(`  … and ${lines.length - LIST_LIMIT} more on ${o.client.name}`);
  }
  p.line(summaryLine(r.clients.map((o) => ({ client: o.client, ok: gatherOk(o), error: o.error })), p));
}
