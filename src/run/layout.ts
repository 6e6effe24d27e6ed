// The output folder of one run on the director:
//   <root>/<name>/<run id>/summary.json
//   <root>/<name>/<run id>/<host>/stdout, stderr, files/…
// Each client gets its own folder, so nothing of one client can overwrite another's.
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Client } from '../config/client.js';
import { makeRunId } from './run-id.js';

export const SUMMARY_FILE = 'summary.json';

/** One path segment from any text: no "/", no control characters, never "." or "..". */
export function safeSegment(text: string): string {
  const s = text.replace(/[/\\\x00-\x1f\x7f]/g, '_');
  return s === '' || s === '.' || s === '..' ? `_${s}` : s;
}

/** Folder names for the clients, by client index: their names, made unique. */
export function hostFolderNames(clients: readonly Client[]): Map<number, string> {
  const taken = new Set<string>([SUMMARY_FILE]);
  const out = new Map<number, string>();
  for (const c of clients) {
    let name = safeSegment(c.name);
    if (taken.has(name)) name = `${name}-${c.index}`;
    taken.add(name);
    out.set(c.index, name);
  }
  return out;
}

/** `output/<name>` folder name for a script: its file name. */
export function scriptLabel(scriptPath: string): string {
  return safeSegment(basename(scriptPath));
}

/** Creates `<root>/<name>/<run id>` and returns [run id, absolute folder]; a taken id is never reused. */
export function createRunFolder(root: string, name: string, now = new Date()): { runId: string; dir: string } {
  const parent = resolve(root, safeSegment(name));
  mkdirSync(parent, { recursive: true });
  for (;;) {
    const runId = makeRunId(now);
    const dir = join(parent, runId);
    try {
      mkdirSync(dir); // fails if it exists: two runs never share a folder
      return { runId, dir };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
