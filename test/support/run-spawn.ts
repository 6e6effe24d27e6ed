// Runs the built CLI as a child we can watch: its pid (for SIGINT), its peak memory
// (VmHWM, sampled from /proc by proc.ts), and its output, hashed as it streams instead of kept whole.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { DIRECTOR_BIN } from './cli.js';
import { peakKb as processPeakKb } from './proc.js';
import { within } from './timeout.js';

export interface Watched {
  child: ChildProcess;
  /** Resolves when the child has exited. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; stdoutBytes: number; stdoutMd5: string; peakKb: number }>;
  /** Resolves when stdout has shown `text` (or the child ended). */
  seen(text: string | RegExp, ms?: number): Promise<void>;
}

export interface WatchOptions {
  cwd: string;
  input?: string | Buffer;
  /** Keep at most this much of stdout as text (the rest is only counted and hashed). */
  keepStdout?: number;
  /** Read nothing of stdout for this long at first: a slow terminal. */
  pauseStdoutMs?: number;
  /** How long the run may take (default 120 s). */
  timeoutMs?: number;
}

export function watchDirector(args: string[], opts: WatchOptions): Watched {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && (!k.startsWith('DIRECTOR_') || k === 'DIRECTOR_SSHD')) env[k] = v;
  env['NO_COLOR'] = '1';
  const child = spawn(process.execPath, [DIRECTOR_BIN, ...args], { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const keep = opts.keepStdout ?? 1 << 20;
  const hash = createHash('md5');
  let bytes = 0;
  let kept = '';
  let err = '';
  let peakKb = 0;
  const waiters: Array<{ test: (s: string) => boolean; resolve: () => void }> = [];
  const sample = () => {
    const kb = child.pid === undefined ? undefined : processPeakKb(child.pid);
    if (kb !== undefined) peakKb = Math.max(peakKb, kb);
  };
  const sampler = setInterval(sample, 10);
  child.stdout.on('data', (d: Buffer) => {
    hash.update(d);
    bytes += d.length;
    if (kept.length < keep) kept += d.toString('utf8').slice(0, keep - kept.length);
    for (const w of [...waiters]) if (w.test(kept)) w.resolve();
  });
  if (opts.pauseStdoutMs !== undefined) {
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), opts.pauseStdoutMs);
  }
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  if (opts.input !== undefined) child.stdin.end(opts.input);
  else child.stdin.end();
  const done = new Promise<Awaited<Watched['done']>>((resolve) => {
    child.on('close', (code, signal) => {
      clearInterval(sampler);
      for (const w of waiters) w.resolve();
      resolve({ code, signal, stdout: kept, stderr: err, stdoutBytes: bytes, stdoutMd5: hash.digest('hex'), peakKb });
    });
  });
  const seen = (text: string | RegExp, ms = 20_000) =>
    within(
      ms,
      `director output ${String(text)}`,
      new Promise<void>((resolve) => {
        const test = (s: string) => (typeof text === 'string' ? s.includes(text) : text.test(s));
        if (test(kept)) return resolve();
        waiters.push({ test, resolve });
      }),
    );
  return { child, done: within(opts.timeoutMs ?? 120_000, `director ${args.join(' ')}`, done), seen };
}

/** A `sleep` no other process on this machine runs, to find it afterwards (GNU sleep takes fractions). */
export function distinctiveSleep(): string {
  return `sleep 4242.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
}
