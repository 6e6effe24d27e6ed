// summary.json of a run, and the same document for --json: per client how it ended, when,
// and how many bytes it produced.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUMMARY_FILE } from './layout.js';
import type { HostRun, RunOutcome } from './types.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function hostDocument(h: HostRun): Record<string, unknown> {
  return {
    client: h.client.name,
    index: h.client.index,
    ...(h.folder !== undefined ? { folder: h.folder } : {}),
    ok: h.state === 'success',
    state: h.state,
    exitCode: h.code,
    signal: h.signal,
    timedOut: h.timedOut,
    startedAt: iso(h.startedAt),
    finishedAt: iso(h.finishedAt),
    ms: h.finishedAt - h.startedAt,
    stdout: h.stdout,
    stderr: h.stderr,
    files: h.files,
    error: h.error ? { kind: h.error.kind, message: h.error.message } : null,
    ...(h.remoteDir !== undefined ? { remoteDir: h.remoteDir } : {}),
  };
}

export function summaryDocument(o: RunOutcome): Record<string, unknown> {
  return {
    command: o.command,
    runId: o.runId,
    ...o.what,
    ...(o.outputDir !== undefined ? { outputDir: o.outputDir } : {}),
    startedAt: iso(o.startedAt),
    finishedAt: iso(o.finishedAt),
    interrupted: o.interrupted,
    exitCode: o.exitCode,
    ok: o.hosts.every((h) => h.state === 'success'),
    clients: o.hosts.map(hostDocument),
  };
}

/** Written whole to a temporary name and renamed, so a reader never sees half of it. */
export function writeSummary(dir: string, o: RunOutcome): void {
  const file = join(dir, SUMMARY_FILE);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(summaryDocument(o), null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
