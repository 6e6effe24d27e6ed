// One command the keeper runs for a director process: the Caller (cli/caller.ts) whose
// standard streams are frames on that process's socket. Its stdout and stderr carry the
// caller's terminal facts (isTTY, columns), so the command renders as it would there; its
// stdin asks for the caller's input only when the command reads it. The socket closing
// before the command ends counts as SIGTERM: the command stops its remote work, as it would
// had its own process been killed.
import type { Socket } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { servedCaller, type Caller, type CommandIo, type InterruptBy } from '../cli/caller.js';
import { parseGlobals, type RawGlobals } from '../cli/globals.js';
import { keeperKey } from './key.js';
import { ADMIT_WITHIN_MS, frame, jsonFrame, KIND, monotonicMs, type Frame, type TerminalFacts } from './frames.cjs';
import type { SessionPool } from '../ssh/session-pool.js';

export class ServedRequest implements Caller {
  readonly io: CommandIo;
  private readonly input: ForwardedInput;
  private code: number | undefined;
  private interrupt: ((by: InterruptBy) => void) | undefined;
  private gone = false;
  private taken = false;

  constructor(
    private readonly socket: Socket,
    tty: TerminalFacts,
    kept: { pool: SessionPool; persist: (ms: number) => void },
    private readonly taking: { key: string; sentAt: number; onAccepted: () => void },
  ) {
    this.input = new ForwardedInput(() => this.send(frame(KIND.wantStdin)), tty.stdin);
    this.io = {
      stdin: this.input,
      stdout: new ForwardedOutput(this, KIND.stdout, tty.stdout, tty.columns),
      stderr: new ForwardedOutput(this, KIND.stderr, tty.stderr, tty.columns),
      ...kept,
    };
    socket.on('close', () => {
      this.gone = true;
      this.input.finish();
      if (this.code === undefined) this.interrupt?.('SIGTERM');
    });
  }

  admit(key: string | undefined): string | undefined {
    if (key !== this.taking.key) return 'kept for another clients file or other ssh settings';
    if (this.taken) return undefined;
    // A caller that waited this long (this keeper was stopped, or stuck) runs the command itself.
    const waited = monotonicMs() - this.taking.sentAt;
    if (!(waited <= ADMIT_WITHIN_MS) || this.gone || this.socket.destroyed || this.socket.readableEnded) return 'the caller stopped waiting';
    this.taken = true;
    this.taking.onAccepted();
    this.socket.write(jsonFrame(KIND.accepted, { pid: process.pid }));
    return undefined;
  }

  /** Did the keeper take the command? Until then the caller may still run it itself. */
  get accepted(): boolean {
    return this.taken;
  }

  /** A frame from the caller during the command. */
  take(f: Frame): void {
    if (f.kind === KIND.stdin) this.input.add(f.payload);
    else if (f.kind === KIND.stdinEnd) this.input.finish();
    else if (f.kind === KIND.abort) this.interrupt?.(abortBy(f));
  }

  listen(interrupt: (by: InterruptBy) => void): () => void {
    this.interrupt = interrupt;
    return () => (this.interrupt = undefined);
  }

  finish(code: number): void {
    this.code = code;
  }

  /** The keeper is stopping: the command stops as at SIGTERM. */
  abort(): void {
    this.interrupt?.('SIGTERM');
  }

  /** The caller left at its second Ctrl-C; the command goes on stopping here. */
  quit(): void {}

  /** The exit status the command finished with (1 if it never said). */
  get exitCode(): number {
    return this.code ?? 1;
  }

  /** After the command: its output is all sent, then its status. */
  async end(): Promise<void> {
    await Promise.all([once(this.io.stdout), once(this.io.stderr)]);
    if (!this.gone) this.socket.end(jsonFrame(KIND.exit, { code: this.exitCode }));
  }

  /** Sends a frame; resolves once the socket can take more (or is gone: then nothing waits on it). */
  send(data: Buffer): Promise<void> {
    if (this.gone || this.socket.destroyed) return Promise.resolve();
    if (this.socket.write(data)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }
}

/** A command line the keeper does not run: the caller runs it itself. */
export class NotForKeeper extends Error {}

/**
 * Inside a keeper, once the command line is parsed: the keeper runs it only if it is `kept`
 * (a command that works on kept connections), not --no-keeper, and its options and files give
 * the keeper's own key (same clients file, keys, ssh settings); else NotForKeeper.
 */
export function admit(raw: RawGlobals & { keeper?: boolean }, kept: boolean): void {
  const caller = servedCaller();
  if (caller?.admit === undefined) return;
  if (!kept || raw.keeper === false) throw new NotForKeeper('not a command a keeper runs');
  let key: string | undefined;
  try {
    key = keeperKey(parseGlobals(raw, process.env));
  } catch (e) {
    throw new NotForKeeper((e as Error).message); // bad options: the caller reports them
  }
  const why = caller.admit(key);
  if (why !== undefined) throw new NotForKeeper(why);
}

/** What the caller said (Ctrl-C, its stdout closed), else SIGTERM: a garbled frame stops the command all the same. */
function abortBy(f: Frame): InterruptBy {
  try {
    const by = (JSON.parse(f.payload.toString('utf8')) as { by?: unknown }).by;
    return by === 'SIGINT' || by === 'SIGPIPE' ? by : 'SIGTERM';
  } catch {
    return 'SIGTERM';
  }
}

/** Flushes a stream's pending writes. */
function once(stream: Writable): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

class ForwardedOutput extends Writable {
  constructor(
    private readonly request: ServedRequest,
    private readonly kind: number,
    readonly isTTY: boolean,
    readonly columns: number | undefined,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (chunk.length === 0) return cb();
    void this.request.send(frame(this.kind, chunk)).then(() => cb());
  }
}

class ForwardedInput extends Readable {
  private asked = false;
  private ended = false;

  constructor(
    private readonly ask: () => void,
    readonly isTTY: boolean,
  ) {
    super();
  }

  add(chunk: Buffer): void {
    if (!this.ended) this.push(chunk);
  }

  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.push(null);
  }

  override _read(): void {
    if (this.asked) return;
    this.asked = true;
    this.ask();
  }
}
