// A client of the local service: one TCP connection to 127.0.0.1:<port> (or any stream to an
// echo service, such as a channel forwarded through SSH), requests asked one at a time, each
// with its own time limit. Failures become a LocalError a person can read.
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { HOST, LineFramer } from './protocol.js';

export type LocalErrorKind = 'refused' | 'timeout' | 'closed' | 'io';

export class LocalError extends Error {
  constructor(
    readonly kind: LocalErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'LocalError';
  }
}

export interface AskOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Replies are short; anything longer than this on one line is not our service talking. */
const MAX_REPLY = 64 * 1024;

export class LineConnection {
  private framer = new LineFramer(MAX_REPLY);
  private replies: string[] = [];
  private waiter: (() => void) | undefined;
  private failure: LocalError | undefined;

  private constructor(private readonly socket: Duplex) {
    socket.on('data', (chunk: Buffer) => {
      const { lines, overflow } = this.framer.push(chunk);
      this.replies.push(...lines);
      if (overflow) this.fail(new LocalError('io', 'reply line too long'));
      else this.wake();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => this.fail(new LocalError('io', e.code ?? e.message)));
    socket.on('close', () => this.fail(new LocalError('closed', 'connection closed')));
  }

  static open(port: number, opts: AskOptions): Promise<LineConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: HOST, port, noDelay: true });
      const done = bounded<void>(socket, opts, (err) => {
        socket.off('connect', onConnect);
        socket.off('error', onError);
        if (err) reject(err);
        else resolve(new LineConnection(socket));
      });
      const onConnect = () => done();
      const onError = (e: NodeJS.ErrnoException) =>
        done(e.code === 'ECONNREFUSED' ? new LocalError('refused', 'connection refused') : new LocalError('io', e.code ?? e.message));
      socket.once('connect', onConnect);
      socket.once('error', onError);
    });
  }

  /** A connection over a stream already open (a forwarded SSH channel). */
  static over(stream: Duplex): LineConnection {
    return new LineConnection(stream);
  }

  /** Sends one request line and waits for the next reply line. */
  ask(line: string, opts: AskOptions): Promise<string> {
    this.socket.write(`${line}\n`);
    return this.next(opts);
  }

  /** The next reply line (also one the service sends unasked, like an idle notice). */
  next(opts: AskOptions): Promise<string> {
    return new Promise((resolve, reject) => {
      const finish = bounded<string>(this.socket, opts, (err, reply) => {
        this.waiter = undefined;
        if (err || reply === undefined) reject(err ?? this.failure);
        else resolve(reply);
      });
      const check = () => {
        const reply = this.replies.shift();
        if (reply !== undefined) finish(undefined, reply);
        else if (this.failure) finish(this.failure);
      };
      this.waiter = check;
      check();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(err: LocalError): void {
    this.failure ??= err;
    this.wake();
  }

  private wake(): void {
    this.waiter?.();
  }
}

/**
 * Wraps a one-shot callback with a time limit and the abort signal; on either the socket is
 * destroyed and the callback gets a LocalError. The callback runs at most once.
 */
function bounded<T>(socket: Duplex, opts: AskOptions, cb: (err: LocalError | undefined, value?: T) => void) {
  let called = false;
  const finish = (err?: LocalError, value?: T) => {
    if (called) return;
    called = true;
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    cb(err, value);
  };
  const timer = setTimeout(() => {
    socket.destroy();
    finish(new LocalError('timeout', 'timeout'));
  }, opts.timeoutMs);
  const onAbort = () => {
    socket.destroy();
    finish(new LocalError('io', 'interrupted'));
  };
  if (opts.signal?.aborted) queueMicrotask(onAbort);
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  return finish;
}
