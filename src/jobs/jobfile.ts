// A job file: one task a line, either a plain command line (as GNU parallel reads its input)
// or a JSON object {cmd, args, stdin, timeout, priority, data, retries, id}. Blank lines and
// lines starting with `#` are skipped. Pure: text in, tasks out; every mistake is a
// ConfigError naming file:line, before any client is contacted.
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../config/errors.js';
import type { TaskSpec } from './types.js';

/** A task id names a folder on the director: plain, short, never "." or "..". */
export const TASK_ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const KEYS = new Set(['cmd', 'args', 'stdin', 'timeout', 'priority', 'data', 'retries', 'id']);

export interface JobLine {
  spec: TaskSpec;
  /** 1-based line of the job file. */
  line: number;
}

/** `base`: the folder relative `stdin` paths are read from (the job file's). */
export function parseJobFile(text: string, file: string, base: string): JobLine[] {
  const out: JobLine[] = [];
  const ids = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const row = raw.replace(/\r$/, '');
    const trimmed = row.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fail = (why: string): never => {
      throw new ConfigError(why, file, line, row);
    };
    if (row.includes('\0')) fail('a NUL byte in a task');
    const spec = trimmed.startsWith('{') ? fromJson(trimmed, String(line), base, fail) : { id: String(line), priority: 0, cmd: trimmed };
    const before = ids.get(spec.id);
    if (before !== undefined) fail(`task id ${JSON.stringify(spec.id)} is used twice (lines ${before} and ${line})`);
    ids.set(spec.id, line);
    out.push({ spec, line });
  });
  if (out.length === 0) throw new ConfigError('no tasks (one command line or JSON object a line)', file);
  return out;
}

/** `id`: the default id, the line number. */
function fromJson(text: string, id: string, base: string, fail: (why: string) => never): TaskSpec {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    return fail(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return fail('a JSON task must be an object');
  const j = o as Record<string, unknown>;
  const unknown = Object.keys(j).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) fail(`unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${[...KEYS].join(', ')})`);
  if (typeof j['cmd'] !== 'string' || j['cmd'].trim() === '') fail('"cmd" must be a non-empty string');
  const spec: TaskSpec = { id, priority: 0, cmd: j['cmd'] as string };
  if (j['id'] !== undefined) {
    const id = j['id'];
    if (typeof id !== 'string' || !TASK_ID.test(id)) fail('"id" must be letters, digits, "_", "-" and "." (not starting with "." or "-"), at most 128');
    spec.id = id as string;
  }
  if (j['args'] !== undefined) spec.args = strings(j['args'], 'args', fail);
  if (j['data'] !== undefined) {
    spec.data = typeof j['data'] === 'string' ? [j['data']] : strings(j['data'], 'data', fail);
    if (spec.data.length === 0 || spec.data.some((d) => d === '')) fail('"data" must name at least one file, none empty');
  }
  if (j['stdin'] !== undefined) {
    if (typeof j['stdin'] !== 'string' || j['stdin'] === '') fail('"stdin" must be a file name');
    const path = j['stdin'] as string;
    spec.stdin = isAbsolute(path) ? path : resolve(base, path);
  }
  if (j['timeout'] !== undefined) {
    const t = j['timeout'];
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) fail('"timeout" must be a number of seconds > 0');
    spec.timeoutMs = Math.round((t as number) * 1000);
  }
  if (j['priority'] !== undefined) {
    if (!Number.isSafeInteger(j['priority'])) fail('"priority" must be a whole number (higher runs first)');
    spec.priority = j['priority'] as number;
  }
  if (j['retries'] !== undefined) {
    const r = j['retries'];
    if (!Number.isSafeInteger(r) || (r as number) < 0) fail('"retries" must be a whole number >= 0');
    spec.retries = r as number;
  }
  return spec;
}

function strings(v: unknown, key: string, fail: (why: string) => never): string[] {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) return fail(`"${key}" must be a list of strings`);
  if (v.some((s) => (s as string).includes('\0'))) fail(`"${key}": a NUL byte`);
  return v as string[];
}
