// Timing one command: wall clock from spawn to exit, and (through GNU time) the user+system
// CPU seconds and peak RSS of the command and everything it waited for.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One tool in a scenario. */
export interface Contender {
  name: string;
  /** Tasks one run does, when contenders run different numbers (the ratio is then per task). */
  tasks?: number;
  /** Called before every run, outside the timing (fresh copies of data, clean targets). */
  prepare?: () => void;
  run: () => Promise<Sample>;
  /** After the run, outside the timing: a check that the job was really done. */
  check?: () => void;
}

export interface Sample {
  wallS: number;
  cpuS: number;
  maxRssKb: number;
  code: number | null;
}

const TIME = '/usr/bin/time';

export async function measure(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string } = {}): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-time-'));
  const out = join(dir, 'time');
  const started = performance.now();
  const child = spawn(TIME, ['-o', out, '-f', '%U %S %M', cmd, ...args], {
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'ignore', 'pipe'],
    env: opts.env ?? process.env,
    cwd: opts.cwd,
  });
  if (opts.stdin && child.stdin) child.stdin.end(readFileSync(opts.stdin));
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  const code = await new Promise<number | null>((ok) => child.on('close', ok));
  const wallS = (performance.now() - started) / 1000;
  const [u, s, m] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) process.stderr.write(`bench: ${cmd} ${args.slice(0, 6).join(' ')}… exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}\n`);
  return { wallS, cpuS: (u ?? 0) + (s ?? 0), maxRssKb: m ?? 0, code };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
