// Helpers shared by the run/exec end-to-end tests: a fresh working folder on the director,
// the run's summary.json, and the hosts' temporary folders.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvents, StreamName } from '../../src/run/types.js';

export function workDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `director-${tag}-`));
}

export interface SummaryClient {
  client: string;
  index: number;
  folder?: string;
  ok: boolean;
  state: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  ms: number;
  stdout: { bytes: number; md5: string };
  stderr: { bytes: number; md5: string };
  files: { count: number; bytes: number; skipped: string[]; error?: string };
  error: { kind: string; message: string } | null;
  remoteDir?: string;
  output?: { stdout: string; stderr: string; truncated: boolean };
}

export interface Summary {
  command: string;
  runId: string;
  outputDir?: string;
  interrupted: boolean;
  exitCode: number;
  ok: boolean;
  clients: SummaryClient[];
}

/** The one run folder under <cwd>/<root>/<name>, and its summary. */
export function onlyRun(base: string): { dir: string; summary: Summary } {
  const runs = readdirSync(base);
  if (runs.length !== 1) throw new Error(`expected one run in ${base}, found ${runs.join(', ')}`);
  const dir = join(base, runs[0] as string);
  return { dir, summary: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary };
}

/** director's leftovers in a host's /tmp. */
export function leftovers(hostTmp: string): string[] {
  return readdirSync(hostTmp).filter((n) => n.startsWith('director-run.') || n.startsWith('director-exec.'));
}

export const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** RunEvents that keep what each client printed, to call run/exec without a renderer. */
export function collectOutput(): { events: RunEvents; text(client: number, stream?: StreamName): string } {
  const got = new Map<string, Buffer[]>();
  return {
    events: {
      lines(client, stream, block) {
        const key = `${client.index}/${stream}`;
        got.set(key, [...(got.get(key) ?? []), Buffer.from(block)]);
      },
    },
    text: (client, stream = 'stdout') => Buffer.concat(got.get(`${client}/${stream}`) ?? []).toString('utf8'),
  };
}
