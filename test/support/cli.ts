// Runs the built `director` CLI as a user would, and collects what it printed.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { within } from './timeout.js';

export const DIRECTOR_BIN = fileURLToPath(new URL('../../bin/director.cjs', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  timeoutMs?: number;
}

/** The environment of a director under test: the caller's DIRECTOR_* settings never leak in. */
export function directorEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && (!k.startsWith('DIRECTOR_') || k === 'DIRECTOR_SSHD')) env[k] = v;
  }
  env['NO_COLOR'] = '1';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function runDirector(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [DIRECTOR_BIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: directorEnv(opts.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  if (opts.input !== undefined) child.stdin.end(opts.input);
  else child.stdin.end();
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
  return within(opts.timeoutMs ?? 60_000, `director ${args.join(' ')}`, done).catch((e: Error) => {
    child.kill('SIGKILL');
    throw e;
  });
}
