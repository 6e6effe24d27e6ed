// A director run on a pseudo-terminal of a given size, with no native module: util-linux's
// `script` (Debian's bsdutils, always installed) makes the pty, and what the program draws
// comes back as the bytes a terminal would get. `screen()` replays them into the lines a
// person would see, so a test reads the screen, not the escape sequences.
import { spawn } from 'node:child_process';
import { DIRECTOR_BIN, directorEnv } from './cli.js';
import { within } from './timeout.js';

export interface PtyRun {
  /** Everything written to the terminal so far (stdout and stderr, as the pty got them). */
  readonly output: () => string;
  /** Types into the terminal: "\x03" is Ctrl-C. */
  type(text: string): void;
  /** Resolves with the exit status of director. */
  done: Promise<number | null>;
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface PtyOptions {
  cols: number;
  rows?: number;
  cwd: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

export function directorInPty(args: string[], o: PtyOptions): PtyRun {
  return inPty([process.execPath, DIRECTOR_BIN, ...args], o);
}

/** Any program on a pseudo-terminal of the given size (an interactive shell, for one). */
export function inPty(argv: string[], o: PtyOptions): PtyRun {
  const line = `stty cols ${o.cols} rows ${o.rows ?? 40}; exec ${argv.map(sq).join(' ')}`;
  // -e: script exits with the child's status; -f: flushes as it goes; /dev/null: no typescript file.
  const child = spawn('script', ['-qfec', line, '/dev/null'], { cwd: o.cwd, env: { ...directorEnv(o.env), FORCE_COLOR: '0' }, stdio: ['pipe', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  child.stderr.on('data', (d: Buffer) => chunks.push(d));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    output: () => Buffer.concat(chunks).toString('utf8'),
    type: (text) => child.stdin.write(text),
    done: within(o.timeoutMs ?? 60_000, `${argv.join(' ')} in a pty`, done).catch((e: Error) => {
      child.kill('SIGKILL');
      throw e;
    }),
  };
}

/**
 * The lines a terminal shows after these bytes: carriage return, backspace, line feed, erase in line
 * (CSI K, 1 K, 2 K), cursor moves (CSI A, B, C, D, G), save and restore (ESC 7, ESC 8); other sequences (colour, cursor shape) are
 * dropped. Lines are as wide as they were written (no wrapping).
 */
export function screen(bytes: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  let saved = [0, 0];
  for (let i = 0; i < bytes.length; i++) {
    const ch = bytes[i]!;
    const line = lines[row]!;
    if (ch === '\r') col = 0;
    else if (ch === '\b') col = Math.max(0, col - 1);
    else if (ch === '\x07') continue; // bell
    else if (ch === '\n') {
      row++;
      lines[row] ??= [];
      col = 0;
    } else if (ch === '\x1b') {
      const csi = /^\x1b\[([?0-9;]*)([A-Za-z])/.exec(bytes.slice(i, i + 16));
      if (csi) {
        const [all, arg, cmd] = csi;
        if (cmd === 'K') {
          if (arg === '2') line.length = 0;
          else if (arg === '1') line.fill(' ', 0, col);
          else line.length = Math.min(line.length, col);
        } else if (cmd === 'G') col = Math.max(0, Number(arg || '1') - 1);
        else if (cmd === 'A') row = Math.max(0, row - Number(arg || '1'));
        else if (cmd === 'B') row += Number(arg || '1');
        else if (cmd === 'C') col += Number(arg || '1');
        else if (cmd === 'D') col = Math.max(0, col - Number(arg || '1'));
        for (let r = lines.length; r <= row; r++) lines[r] = [];
        i += all!.length - 1;
      } else {
        // ESC 7 saves the cursor, ESC 8 puts it back (cli-progress does both)
        if (bytes[i + 1] === '7') saved = [row, col];
        if (bytes[i + 1] === '8') [row, col] = saved as [number, number];
        i += 1;
      }
    } else {
      while (line.length < col) line.push(' ');
      line[col++] = ch;
    }
  }
  return lines.map((l) => l.join('').trimEnd());
}

/** Every state the line being redrawn went through: the text between carriage returns. */
export function frames(bytes: string, marker: RegExp): string[] {
  // A move to a column or a restored cursor starts a redraw as a carriage return does.
  const plain = bytes.replace(/\x1b\[[0-9;]*G|\x1b[78]/g, '\r').replace(/\x1b\[[?0-9;]*[A-Za-z]/g, '');
  return plain.split(/[\r\n]/).filter((f) => marker.test(f));
}
