// What a connection travels over when it is not a TCP connection of its own: a bastion's
// forwarded channel, or a ProxyCommand's standard input and output (routes.ts chooses).
import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import { HostError } from './host-error.js';

/** What a ProxyCommand printed on stderr that is kept for the error message. */
const STDERR_TAIL = 2048;
/** How long a failed ProxyCommand is given to exit and say why. */
const EXIT_WAIT_MS = 1000;

/**
 * A bastion's forwarded channel as the transport of a connection through it. Destroying an
 * ssh2 channel only asks the bastion to close it, and it closes when the bastion confirms: a
 * bastion that stopped answering never does, and the connection on top, given up by its
 * keepalive, would wait for that 'close' for ever. This stream closes at once when destroyed.
 */
export class ChannelTransport extends Duplex {
  constructor(private readonly channel: Duplex) {
    super();
    channel.on('data', (d: Buffer) => {
      if (!this.push(d)) channel.pause();
    });
    channel.on('end', () => this.push(null));
    channel.on('error', (e: Error) => this.destroy(e));
    channel.on('close', () => this.destroy());
  }

  override _read(): void {
    this.channel.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (e?: Error | null) => void): void {
    if (this.channel.write(chunk)) done();
    else this.channel.once('drain', () => done());
  }

  override _final(done: (e?: Error | null) => void): void {
    this.channel.end();
    done();
  }

  override _destroy(err: Error | null, done: (e?: Error | null) => void): void {
    this.channel.destroy();
    done(err);
  }
}

/**
 * A ProxyCommand run as ssh runs it (`$SHELL -c "exec <command>"`), its stdin and stdout
 * the connection. Its stderr is kept (the tail) to say why, should the connection fail.
 */
export class ProxyProcess {
  readonly stream: Duplex;
  private readonly child: ChildProcess;
  private stderr = '';
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Its stdio closed too: everything it wrote to stderr has been read. */
  private closed = false;

  constructor(private readonly command: string) {
    const shell = process.env['SHELL'] || '/bin/sh';
    this.child = spawn(shell, ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString('utf8')).slice(-STDERR_TAIL);
    });
    this.child.on('exit', (code, signal) => (this.exit = { code, signal }));
    this.child.on('close', () => {
      this.closed = true;
      this.exit ??= { code: this.child.exitCode, signal: this.child.signalCode };
    });
    // A command that cannot start, or a write after it ended, is a failed connection, not a crash.
    this.child.on('error', (e) => (this.stderr += `\n${e.message}`));
    this.child.stdin!.on('error', () => undefined);
    this.stream = Duplex.from({ readable: this.child.stdout!, writable: this.child.stdin! });
    this.stream.on('error', () => undefined);
    this.stream.on('close', () => this.stop());
  }

  /** Until its stderr is read to the end ('exit' can come before the last of it), or `ms`. */
  private ended(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.child.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  stop(): void {
    if (this.exit === undefined && this.child.exitCode === null) this.child.kill('SIGTERM');
  }

  /**
   * The connection's error, with what the command said and how it ended when it ended first
   * (given a moment to end and finish writing to stderr); the command is stopped after.
   */
  async explain(err: unknown): Promise<HostError> {
    const e = err instanceof HostError ? err : new HostError('unreachable', (err as Error)?.message ?? String(err));
    if (e.kind === 'unreachable') await this.ended(EXIT_WAIT_MS);
    this.stop();
    if (e.kind !== 'unreachable') return e;
    const said = this.stderr.trim().split('\n').slice(-2).join(' / ');
    const ended = this.exit === undefined ? '' : this.exit.signal !== null ? ` (killed by ${this.exit.signal})` : ` (exit status ${this.exit.code})`;
    return new HostError('unreachable', `ProxyCommand ${JSON.stringify(this.command)}${ended}: ${said !== '' ? said : e.message}`);
  }
}
