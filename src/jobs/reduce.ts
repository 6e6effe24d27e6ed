// The reduce step of a jobs run, on the director: a local command (run by /bin/sh) that gets
// every task's stdout concatenated in task order on its standard input, or with --reduce-files
// the paths of the files the tasks left in DIRECTOR_OUTPUT_DIR as its arguments. Its output is
// kept in the run's folder (reduce/stdout, reduce/stderr) for the renderer to print.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { TaskRecord } from './types.js';

export interface ReduceResult {
  command: string;
  files: boolean;
  /** Exit code, or null when it ended by a signal. */
  code: number | null;
  signal: string | null;
  ms: number;
  stdout: string;
  stderr: string;
  /** Why it did not run at all (spawn failed). */
  error?: string;
}

export interface ReduceInput {
  command: string;
  files: boolean;
  /** The run's output folder: tasks/<id>/stdout and files/ are read from it, reduce/ written. */
  outputDir: string;
  /** In task order. */
  tasks: readonly TaskRecord[];
  signal?: AbortSignal;
}

export async function runReduce(r: ReduceInput): Promise<ReduceResult> {
  const dir = join(r.outputDir, 'reduce');
  mkdirSync(dir, { recursive: true });
  const stdout = join(dir, 'stdout');
  const stderr = join(dir, 'stderr');
  const taskDir = (t: TaskRecord) => join(r.outputDir, 'tasks', t.spec.id);
  const args = r.files ? r.tasks.flatMap((t) => filesUnder(join(taskDir(t), 'files'))) : [];
  const started = performance.now();
  const child = spawn('/bin/sh', r.files ? ['-c', `${r.command} "$@"`, 'sh', ...args] : ['-c', r.command], {
    stdio: [r.files ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, DIRECTOR_RUN_DIR: r.outputDir },
    signal: r.signal,
  });
  const outFile = createWriteStream(stdout);
  const errFile = createWriteStream(stderr);
  child.stdout?.pipe(outFile);
  child.stderr?.pipe(errFile);
  if (child.stdin) {
    // A reducer that stops reading early (head -1) closes its stdin: not an error of ours.
    child.stdin.on('error', () => undefined);
    Readable.from(concatenated(r.tasks.map((t) => join(taskDir(t), 'stdout')))).pipe(child.stdin);
  }
  const ended = await new Promise<{ code: number | null; signal: string | null; error?: string }>((resolve) => {
    child.once('error', (e) => resolve({ code: null, signal: null, error: e.message }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  await Promise.all([finished(outFile).catch(() => undefined), finished(errFile).catch(() => undefined)]);
  return { command: r.command, files: r.files, ...ended, ms: Math.round(performance.now() - started), stdout, stderr };
}

async function* concatenated(paths: readonly string[]): AsyncGenerator<Buffer> {
  for (const p of paths) {
    if (!existsSync(p)) continue;
    for await (const chunk of createReadStream(p)) yield chunk as Buffer;
  }
}

/** Every plain file under `dir`, sorted, as paths. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}
