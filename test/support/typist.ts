// Drives an interactive director as a person would: through a pseudo-terminal (util-linux
// `script`, no native module needed) or through plain pipes. Keys are typed, the screen's text
// is waited for (never a fixed sleep), and the exit is awaited within a limit.
import { spawn, type ChildProcess } from 'node:child_process';
import { DIRECTOR_BIN } from './cli.js';
import { within } from './timeout.js';
import { waitUntil } from './wait.js';

export interface Typist {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr together through a terminal), colours removed. */
  text(): string;
  type(keys: string): void;
  /** Waits until the output after `from` (a length of text() taken earlier) matches. */
  seen(pattern: RegExp, from?: number, ms?: number): Promise<string>;
  /** Closes the input (Ctrl-D for pipes; the terminal gets EOF at the end of `script`'s input). */
  end(): void;
  exit(ms?: number): Promise<number | null>;
}

export interface TypistOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Through a pseudo-terminal (true) or pipes (false). */
  terminal: boolean;
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export function typeInto(args: string[], o: TypistOptions): Typist {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && (!k.startsWith('DIRECTOR_') || k === 'DIRECTOR_SSHD')) env[k] = v;
  Object.assign(env, { NO_COLOR: '1', TERM: 'dumb' }, o.env ?? {});
  const quoted = [process.execPath, DIRECTOR_BIN, ...args].map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = o.terminal
    ? spawn('script', ['-qfec', `stty cols 120 rows 40; exec ${quoted}`, '/dev/null'], { cwd: o.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(process.execPath, [DIRECTOR_BIN, ...args], { cwd: o.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const text = () => out.replace(ANSI, '').replace(/\r/g, '');
  return {
    child,
    text,
    type: (keys) => void child.stdin!.write(keys),
    async seen(pattern, from = 0, ms = 30_000) {
      await waitUntil(() => pattern.test(text().slice(from)), ms, `${pattern} in:\n${text().slice(from)}`);
      return text().slice(from);
    },
    end: () => child.stdin!.end(),
    exit: (ms = 30_000) =>
      within(ms, `director ${args.join(' ')} to exit`, exited).catch((e: Error) => {
        child.kill('SIGKILL');
        throw e;
      }),
  };
}
