// The keeper's socket protocol, pure: frames of [kind: 1 byte][length: 4 bytes][payload], and
// what each kind carries. A director process says hello (a command to run, or a question),
// then sends its standard input when asked and an abort at Ctrl-C; the keeper answers with
// the command's stdout, stderr and exit status. Both ends use this file.

/** Frame kinds, one ASCII letter each (readable in a dump). */
export const KIND = {
  // director → keeper
  hello: 0x48, // H: JSON Hello
  stdin: 0x49, // I: bytes of standard input
  stdinEnd: 0x45, // E: end of standard input
  abort: 0x41, // A: JSON { by }: Ctrl-C or SIGTERM
  // keeper → director
  accepted: 0x59, // Y: JSON { pid }: the command runs here; from now on it is never run twice
  refused: 0x4e, // N: JSON Refusal: run it directly instead
  stdout: 0x4f, // O: bytes
  stderr: 0x52, // R: bytes
  wantStdin: 0x57, // W: the command reads standard input: send it
  exit: 0x58, // X: JSON { code }
  answer: 0x53, // S: JSON answer to a question (status, stop)
} as const;

/** A frame longer than this is a broken peer, not a message. */
export const MAX_FRAME = 16 << 20;
const HEAD = 5;

export interface TerminalFacts {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Columns of stdout (else stderr) when it is a terminal. */
  columns?: number;
}

export type Hello =
  | {
      kind: 'run';
      token: string;
      /** The caller's director build (place.ts buildId): the keeper runs only its own. */
      build: string;
      /** When the caller sent it, in ms of the machine's monotonic clock (monotonicMs). */
      sentAt: number;
      /** The command line after `director`, exactly as typed. */
      argv: string[];
      cwd: string;
      env: Record<string, string>;
      tty: TerminalFacts;
    }
  | { kind: 'status'; token: string }
  | { kind: 'stop'; token: string };

/** ms on the machine's monotonic clock (CLOCK_MONOTONIC, the same for every process here). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/**
 * A keeper takes a command only this soon after the caller sent it; a caller that has heard
 * nothing after ANSWER_WAIT_MS runs the command itself. A keeper stopped (SIGSTOP) or stuck
 * before it could answer therefore never runs a command its caller has already run.
 */
export const ADMIT_WITHIN_MS = 3000;
export const ANSWER_WAIT_MS = 6000;

export interface Refusal {
  why: string;
  /** Another command is running there: not an error, the caller goes direct. */
  busy?: boolean;
}

export interface Frame {
  kind: number;
  payload: Buffer;
}

export function frame(kind: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const head = Buffer.alloc(HEAD);
  head[0] = kind;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

export function jsonFrame(kind: number, value: unknown): Buffer {
  return frame(kind, JSON.stringify(value));
}

export function parseJson<T>(f: Frame): T {
  return JSON.parse(f.payload.toString('utf8')) as T;
}

/** Cuts a byte stream into frames; throws on a frame too long to be one of ours. */
export class FrameReader {
  private buffered: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): Frame[] {
    this.buffered.push(chunk);
    this.size += chunk.length;
    const out: Frame[] = [];
    if (this.size < HEAD) return out;
    let all = Buffer.concat(this.buffered);
    while (all.length >= HEAD) {
      const length = all.readUInt32BE(1);
      if (length > MAX_FRAME) throw new Error(`a frame of ${length} bytes: not a director keeper peer`);
      if (all.length < HEAD + length) break;
      // A copy: the frame outlives this chunk.
      out.push({ kind: all[0] as number, payload: Buffer.from(all.subarray(HEAD, HEAD + length)) });
      all = all.subarray(HEAD + length);
    }
    this.buffered = all.length > 0 ? [all] : [];
    this.size = all.length;
    return out;
  }

  /** Bytes of an unfinished frame held. */
  get pending(): number {
    return this.size;
  }
}
