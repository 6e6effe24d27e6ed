// Rendering of `director data`: the plan, live progress, the per-client table and failures.
import type { DataEvent, DataPlan, DataResult } from '../commands/data.js';
import type { PlacedFile, PlacementRecord } from '../transfer/placement-record.js';
import type { Printer } from './printer.js';
import { formatBytes, formatSeconds, plural, table } from './format.js';
import { KIND_LABEL } from '../ssh/host-error.js';
import { EXIT } from '../exit-codes.cjs';
import { clientJson, envelope } from './envelope.js';
import { LiveLine } from './live-line.js';
import { progressLine, type ProgressFigures } from './progress-line.js';

export function renderFound(plan: DataPlan, p: Printer): void {
  const skipped = plan.scan.skipped;
  let why = '';
  if (skipped.length > 0) {
    const counts = new Map<string, number>();
    for (const s of skipped) counts.set(s.why, (counts.get(s.why) ?? 0) + 1);
    why = ` (${plural(skipped.length, 'file')} skipped: ${[...counts].map(([w, n]) => `${n} ${w}`).join(', ')})`;
  }
  p.line(`Found ${plural(plan.scan.files.length, 'file')} in ${plan.dir}${why}`);
  for (const s of skipped.slice(0, 20)) p.line(p.c.dim(`  skipped ${s.rel} (${s.why})`));
  if (skipped.length > 20) p.line(p.c.dim(`  … and ${skipped.length - 20} more`));
}

export function renderPlan(plan: DataPlan, p: Printer): void {
  if (p.json) {
    const clients = plan.clients.map((c) =>
      clientJson(c.client.name, true, 'planned', undefined, { files: c.jobs.map((j) => ({ path: j.file.rel, size: j.file.size, remotePath: j.remotePath })), bytes: c.bytes }),
    );
    p.document(envelope('data', EXIT.ok, clients, { dryRun: true, dir: plan.dir, skipped: plan.scan.skipped, randomCount: plan.randomCount, replicas: plan.replicas }));
    return;
  }
  renderFound(plan, p);
  p.line('Plan (dry run, nothing sent):');
  const rows = [['client', 'files', 'bytes']];
  for (const c of plan.clients) rows.push([c.client.name, String(c.jobs.length), formatBytes(c.bytes)]);
  for (const l of table(rows, new Set([1, 2]))) p.line(`  ${l}`);
  renderPlacementNotes(plan, p);
}

function renderPlacementNotes(plan: DataPlan, p: Printer): void {
  if (plan.replicas > 1) p.line(`each file on ${plan.replicas} clients (${plural(plan.copies, 'copy', 'copies')} to send or check)`);
  if (plan.randomCount > 0) p.line(`${plural(plan.randomCount, 'file')} placed at random (no _<n>. in the name, or --placement random)`);
  if (plan.recordedCount > 0 && plan.replicas === 1) p.line(`${plural(plan.recordedCount, 'file')} kept on the client the placement record names`);
  if (plan.recordedCount > 0 && plan.replicas > 1) p.line(`${plural(plan.recordedCount, 'file')} with copies the placement record names (they stay; only the missing copies are sent)`);
}

/** Live progress: a line redrawn in place on a terminal, one line per finished client otherwise. */
export class DataProgress {
  private live: LiveLine | undefined;
  private files = 0;
  private failed = 0;
  private checksum = 0;
  private bytes = 0;
  private readonly started = Date.now();

  constructor(
    private readonly plan: DataPlan,
    private readonly p: Printer,
  ) {
    if (p.json) return;
    p.line('Distributing data...');
    if (p.interactive) {
      this.live = new LiveLine(p, (width) => progressLine(this.figures(), width));
      this.live.start();
    }
  }

  private figures(): ProgressFigures {
    return {
      files: this.files,
      // Copies: one per file unless --replicas.
      totalFiles: this.plan.copies,
      failed: this.failed,
      checksum: this.checksum,
      bytes: this.bytes,
      totalBytes: this.plan.totalBytes,
      elapsedMs: Date.now() - this.started,
    };
  }

  event(e: DataEvent): void {
    if (e.type === 'bytes') this.bytes += e.n;
    else if (e.type === 'file') {
      if (e.status.ok) this.files++;
      else {
        this.failed++;
        if (e.status.kind === 'checksum') this.checksum++;
      }
    } else if (e.type === 'client-done' && !this.live && !this.p.json) {
      const ok = e.result.files.filter((f) => f.ok).length;
      const bad = e.result.files.length - ok;
      const bytes = e.result.files.reduce((n, f) => n + (f.ok ? f.bytes : 0), 0);
      const err = e.result.error;
      // "interrupted: interrupted" says it twice.
      const tail = err ? ` — ${KIND_LABEL[err.kind]}${err.message === KIND_LABEL[err.kind] ? '' : `: ${err.message}`}` : '';
      const line = `${e.result.client.name}: ${ok} verified, ${bad} failed (${formatBytes(bytes)} in ${formatSeconds(e.result.ms)})${tail}`;
      this.p.line(bad > 0 ? this.p.c.red(line) : line);
    }
  }

  stop(): void {
    this.live?.stop();
  }
}

export function renderDataResult(r: DataResult, p: Printer, stateFile: string): void {
  const failed = r.clients.flatMap((c) => c.files.filter((f) => !f.ok).map((f) => ({ client: c.client, f })));
  if (p.json) {
    const clients = r.clients.map((c) => {
      const bad = c.files.filter((f) => !f.ok);
      const first = bad[0];
      // A client whose connection failed says why; one whose files failed, how many and the first reason.
      const error = c.error ?? (first && !first.ok ? { kind: first.kind, message: `${plural(bad.length, 'file')} failed; first: ${first.job.file.rel}: ${first.reason}` } : undefined);
      return clientJson(c.client.name, error === undefined, c.error?.kind ?? (bad.length > 0 ? 'failed' : 'success'), error, {
        ms: c.ms,
        temporariesRemoved: c.temporariesRemoved,
        files: c.files.map((f) =>
          f.ok
            ? { path: f.job.file.rel, remotePath: f.job.remotePath, ok: true, md5: f.md5, bytes: f.bytes, already: f.already, removedLocal: f.removedLocal, keptBecause: f.keptBecause, localGone: f.localGone }
            : { path: f.job.file.rel, remotePath: f.job.remotePath, ok: false, kind: f.kind, reason: f.reason },
        ),
      });
    });
    p.document(
      envelope('data', r.exitCode, clients, {
        dir: r.plan.dir,
        interrupted: r.interrupted,
        verified: r.verified,
        failed: r.failed,
        replicas: r.plan.replicas,
        copies: r.copies,
        temporariesRemoved: r.temporariesRemoved,
        recordNote: r.recordNote,
        skipped: r.plan.scan.skipped,
        randomCount: r.plan.randomCount,
        placement: stateFile,
      }),
    );
    return;
  }
  const rows = [['client', 'files', 'bytes', 'seconds', 'failed']];
  for (const c of r.clients) {
    const ok = c.files.filter((f) => f.ok);
    rows.push([c.client.name, String(ok.length), formatBytes(ok.reduce((n, f) => n + (f.ok ? f.bytes : 0), 0)), (c.ms / 1000).toFixed(2), String(c.files.length - ok.length)]);
  }
  p.line('');
  for (const l of table(rows, new Set([1, 2, 3, 4]))) p.line(l);
  const already = r.clients.flatMap((c) => c.files).filter((f) => f.ok && f.already).length;
  const kept = r.clients.flatMap((c) => c.files).filter((f) => f.ok && f.keptBecause);
  if (already > 0) p.line(`${plural(already, 'file')} already on ${already === 1 ? 'its client' : 'their clients'} with the same md5`);
  for (const k of kept) if (k.ok) p.line(p.c.yellow(`kept local ${k.job.file.rel}: ${k.keptBecause}`));
  // Verified and recorded; its local copy was deleted by someone else, not by director.
  for (const f of r.clients.flatMap((c) => c.files)) if (f.ok && f.localGone) p.line(p.c.yellow(`gone before removal: ${f.job.file.rel} (deleted locally while it was sent; its verified copy is recorded)`));
  if (r.recordNote !== undefined) p.line(p.c.yellow(r.recordNote));
  if (r.temporariesRemoved > 0) p.line(`removed ${plural(r.temporariesRemoved, 'temporary file')} an earlier run left on the clients`);
  renderPlacementNotes(r.plan, p);
  if (failed.length > 0) {
    p.line(p.c.red(`Failed files (kept locally):`));
    for (const { client, f } of failed.slice(0, 50)) if (!f.ok) p.line(p.c.red(`  ${f.job.file.rel} → ${client.name}: ${f.reason}`));
    if (failed.length > 50) p.line(p.c.red(`  … and ${failed.length - 50} more (--json lists all)`));
  }
  const total = r.verified + r.failed;
  const copies = r.plan.replicas > 1 ? ` (${r.plan.replicas} copies each: ${r.copies.verified} of ${r.copies.verified + r.copies.failed} copies verified)` : '';
  const head = `${r.verified} of ${plural(total, 'file')} verified on their clients, ${r.failed} failed${copies}`;
  p.line(r.failed === 0 ? p.c.green(head) : p.c.red(head));
  if (r.verified > 0) p.line(p.c.dim(`placement record: ${stateFile}`));
}

export function renderPlacementList(record: PlacementRecord, p: Printer): void {
  if (p.json) {
    const byClient = new Map<string, PlacementRecord['files']>();
    for (const f of record.files) byClient.set(f.client, [...(byClient.get(f.client) ?? []), f]);
    const clients = [...byClient].map(([host, files]) => clientJson(host, true, 'recorded', undefined, { files: files.map(({ client: _c, ...f }) => f) }));
    p.document(envelope('data', EXIT.ok, clients, { list: true, project: record.project, remoteRoot: record.remoteRoot, version: record.version }));
    return;
  }
  // One row per file with every client that holds a copy (--replicas); a copy whose bytes
  // differ from the first one's gets a row of its own.
  const files = new Map<string, PlacedFile[]>();
  for (const f of record.files) {
    const same = files.get(f.path);
    if (same) same.push(f);
    else files.set(f.path, [f]);
  }
  const rows = [['path', 'clients', 'size', 'md5', 'remote path']];
  for (const [path, copies] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const first = copies[0] as PlacedFile;
    const alike = copies.filter((c) => c.md5 === first.md5 && c.remotePath === first.remotePath);
    rows.push([path, alike.map((c) => c.client).join(', '), formatBytes(first.size), first.md5, first.remotePath]);
    for (const c of copies) if (!alike.includes(c)) rows.push([path, c.client, formatBytes(c.size), c.md5, c.remotePath]);
  }
  for (const l of table(rows, new Set([2]))) p.line(l);
  const clients = new Set(record.files.map((f) => f.client));
  const copies = record.files.length > files.size ? ` (${plural(record.files.length, 'copy', 'copies')})` : '';
  p.line(`${plural(files.size, 'file')}${copies} of project ${record.project} on ${plural(clients.size, 'client')} (remote root ${record.remoteRoot})`);
}
