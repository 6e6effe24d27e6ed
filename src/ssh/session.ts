// One ssh2 connection to one client: authenticated, host key checked, used for every step
// of a command (exec channels, one SFTP channel), then closed once.
import { Writable, type Readable } from 'node:stream';
import ssh2 from 'ssh2';
import type { ClientChannel, ConnectConfig, SFTPWrapper } from 'ssh2';
import pLimit from 'p-limit';
import { classifyConnectError, HostError } from './host-error.js';
import { killableCommand, killGroupCommand, PgidSniffer } from './killable.js';
import type { KnownHostsStore } from './known-hosts-store.js';
import { preferredHostKeyAlgorithms } from './known-hosts.js';
import type { KeyRing } from './keys.js';
import type { ConnectTarget } from './target.js';

const { Client: SshClient } = ssh2;

const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** sshd allows 10 channels per connection (MaxSessions); keep one free for SFTP. */
export const EXEC_CHANNELS = 8;
/** After a KILL signal, how long to wait for the channel to close before dropping it. */
const KILL_GRACE_MS = 3000;

export interface SessionContext {
  knownHosts: KnownHostsStore;
  keys: KeyRing;
  connectTimeoutMs: number;
  /** Told about host keys added to known_hosts. */
  notice?: (message: string) => void;
}

export interface ExecOptions {
  /** Bytes for the remote command's standard input; it gets EOF after them (or at once when absent). */
  stdin?: Buffer | string | Readable;
  /** Where the remote stdout/stderr go; piped with backpressure and never ended by exec. */
  stdout?: Writable;
  stderr?: Writable;
  /** Command time limit: on expiry the remote process group is killed. */
  timeoutMs?: number;
  /** Abort (Ctrl-C): the remote process group is killed. */
  signal?: AbortSignal;
}

export interface ExecResult {
  /** Exit code, or null when the command ended by a signal or reported no status. */
  code: number | null;
  /** Signal name (without SIG) when the command was killed. */
  signal: string | null;
  timedOut: boolean;
  interrupted: boolean;
}

export class Session {
  private sftpPromise: Promise<SFTPWrapper> | undefined;
  private readonly channels = pLimit(EXEC_CHANNELS);
  private lost: Error | undefined;
  private closed = false;
  /** Ends every running exec when the connection goes, in case its channel never closes. */
  private readonly onLost = new Set<() => void>();

  private constructor(
    private readonly conn: InstanceType<typeof SshClient>,
    readonly target: ConnectTarget,
  ) {
    conn.on('error', (err: Error) => {
      this.lost ??= err;
    });
    conn.on('close', () => {
      this.lost ??= new Error('connection closed');
      for (const f of [...this.onLost]) f();
    });
  }

  /** `signal` (Ctrl-C) ends a handshake in progress at once instead of at the connect timeout. */
  static async open(target: ConnectTarget, ctx: SessionContext, signal?: AbortSignal): Promise<Session> {
    const conn = new SshClient();
    // Listeners for the connection's whole life are attached before it starts.
    const session = new Session(conn, target);
    let hostKeyRefusal: string | undefined;
    const knownTypes = ctx.knownHosts.keyTypesFor(target.hostname, target.port);
    const config: ConnectConfig = {
      host: target.hostname,
      port: target.port,
      username: target.username,
      readyTimeout: ctx.connectTimeoutMs,
      keepaliveInterval: 15000,
      keepaliveCountMax: 4,
      algorithms: {
        serverHostKey: preferredHostKeyAlgorithms(knownTypes, HOST_KEY_ALGORITHMS) as never,
      },
      authHandler: ctx.keys.methods(target.username, target.identityFiles),
      hostVerifier: (key: Buffer) => {
        const decision = ctx.knownHosts.decide(target.hostname, target.port, key);
        if (!decision.ok) hostKeyRefusal = decision.message;
        else if (decision.message) ctx.notice?.(decision.message);
        return decision.ok;
      },
    };
    if ((config.authHandler as unknown[]).length === 0) {
      throw new HostError('auth', 'no identity to offer: give -i <key>, start ssh-agent, or create ~/.ssh/id_ed25519');
    }
    await new Promise<void>((resolve, reject) => {
      // One way out, whichever comes first: the timers and the abort listener go with it.
      const stopWaiting = () => {
        clearTimeout(guard);
        signal?.removeEventListener('abort', onAbort);
      };
      // A hard stop in case the socket hangs outside ssh2's own readyTimeout.
      const guard = setTimeout(() => {
        stopWaiting();
        conn.destroy();
        reject(new HostError('connect-timeout', `no SSH handshake within ${ctx.connectTimeoutMs / 1000}s`));
      }, ctx.connectTimeoutMs + 2000);
      // A server that never answers would otherwise hold Ctrl-C up for the whole connect timeout.
      const onAbort = () => {
        stopWaiting();
        conn.destroy();
        reject(new HostError('interrupted', 'not connected: interrupted'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const fail = (err: unknown) => {
        stopWaiting();
        conn.destroy();
        if (hostKeyRefusal !== undefined) reject(new HostError('host-key', hostKeyRefusal));
        else reject(classifyConnectError(err, ctx.connectTimeoutMs / 1000));
      };
      conn.once('ready', () => {
        stopWaiting();
        conn.removeListener('error', fail);
        conn.removeListener('close', onEarlyClose);
        resolve();
      });
      const onEarlyClose = () => fail(new Error('Connection lost before handshake'));
      conn.once('error', fail);
      conn.once('close', onEarlyClose);
      conn.connect(config);
      skipHostKeyProofs(conn);
      // Without this, Nagle's algorithm holds small packets back for the peer's delayed ACK (~40 ms).
      conn.setNoDelay(true);
    });
    return session;
  }

  /** Run a command (already safe shell text, see remote-shell.ts) and wait for it to end. */
  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.channels(() => this.execNow(command, opts));
  }

  /** Run a command and collect its stdout (small outputs only: listings, checksums). */
  async capture(command: string, opts: Omit<ExecOptions, 'stdout' | 'stderr'> = {}): Promise<{ result: ExecResult; stdout: string; stderr: string }> {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const sink = (into: Buffer[]) =>
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          into.push(chunk);
          cb();
        },
      });
    const result = await this.exec(command, { ...opts, stdout: sink(out), stderr: sink(err) });
    return { result, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
  }

  private execNow(command: string, opts: ExecOptions): Promise<ExecResult> {
    // Only a command that may have to be stopped pays for the wrapper.
    const stoppable = (opts.timeoutMs !== undefined && opts.timeoutMs > 0) || opts.signal !== undefined;
    const sniffer = stoppable ? new PgidSniffer() : undefined;
    return new Promise<ExecResult>((resolve, reject) => {
      if (this.lost) return reject(this.lostError());
      if (opts.signal?.aborted) return resolve({ code: null, signal: null, timedOut: false, interrupted: true });
      this.conn.exec(stoppable ? killableCommand(command) : command, (err: Error | undefined, stream: ClientChannel) => {
        if (err) return reject(this.lost ? this.lostError() : new HostError('io', `cannot open a channel: ${err.message}`));
        let code: number | null = null;
        let signal: string | null = null;
        let timedOut = false;
        let interrupted = false;
        let timer: NodeJS.Timeout | undefined;
        let grace: NodeJS.Timeout | undefined;
        let settled = false;
        const kill = () => {
          if (grace) return;
          try {
            stream.signal('KILL');
          } catch {
            /* channel already closing */
          }
          if (sniffer?.pgid !== undefined) this.killGroup(sniffer.pgid);
          // Killed within moments of its start: kill the group as soon as its pid is known.
          else sniffer?.once('pgid', (pid: number) => this.killGroup(pid));
          // If the channel still does not close, drop it, and stop waiting for it after that.
          grace = setTimeout(() => {
            stream.close();
            grace = setTimeout(finish, KILL_GRACE_MS);
          }, KILL_GRACE_MS);
        };
        const onAbort = () => {
          interrupted = true;
          kill();
        };
        if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
          timer = setTimeout(() => {
            timedOut = true;
            kill();
          }, opts.timeoutMs);
        }
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        // Ctrl-C while the channel was opening: the listener came too late to hear it.
        if (opts.signal?.aborted) onAbort();
        stream.on('exit', (c: number | null, s?: string) => {
          if (typeof c === 'number') code = c;
          else if (typeof s === 'string') signal = s.replace(/^SIG/, '');
        });
        // Both streams are always read, or flow control stalls the remote command.
        if (opts.stdout) stream.pipe(opts.stdout, { end: false });
        else stream.resume();
        const stderr = sniffer ? stream.stderr.pipe(sniffer) : stream.stderr;
        if (opts.stderr) stderr.pipe(opts.stderr, { end: false });
        else stderr.resume();
        const finish = () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          clearTimeout(grace);
          opts.signal?.removeEventListener('abort', onAbort);
          this.onLost.delete(onConnectionLost);
          if (code === null && signal === null && !timedOut && !interrupted && this.lost) {
            return reject(this.lostError());
          }
          resolve({ code, signal, timedOut, interrupted });
        };
        // ssh2 closes a dead connection's channels only once their output is read out; a
        // reader that stopped (backpressure) would keep this exec pending forever.
        const onConnectionLost = () => setTimeout(finish, 1000).unref();
        this.onLost.add(onConnectionLost);
        // Resolve only once the channel closed and both outputs were read to their end, so a
        // caller's sinks have every byte (ssh2 may report close before stderr's end).
        let closed = false;
        let outs = 2;
        const maybeFinish = () => {
          if (closed && outs === 0) finish();
        };
        stream.once('end', () => {
          outs--;
          maybeFinish();
        });
        stderr.once('end', () => {
          outs--;
          maybeFinish();
        });
        stream.on('close', () => {
          closed = true;
          maybeFinish();
        });
        const input = opts.stdin;
        if (input === undefined) stream.end();
        else if (typeof input === 'string' || Buffer.isBuffer(input)) stream.end(input);
        else input.pipe(stream);
      });
    });
  }

  /** `kill -KILL -- -pgid` on a channel of its own, outside the channel bound (sshd keeps one spare). */
  private killGroup(pgid: number): void {
    if (this.lost) return;
    this.conn.exec(killGroupCommand(pgid), (err: Error | undefined, stream: ClientChannel) => {
      if (err) return;
      stream.resume();
      stream.stderr.resume();
      stream.end();
    });
  }

  /** The connection's one SFTP channel, opened on first use. */
  sftp(): Promise<SFTPWrapper> {
    this.sftpPromise ??= new Promise<SFTPWrapper>((resolve, reject) => {
      if (this.lost) return reject(this.lostError());
      this.conn.sftp((err: Error | undefined, sftp: SFTPWrapper) => {
        if (err) reject(this.lost ? this.lostError() : new HostError('io', `cannot open SFTP: ${err.message}`));
        else resolve(sftp);
      });
    });
    return this.sftpPromise;
  }

  get isLost(): boolean {
    return this.lost !== undefined;
  }

  lostError(): HostError {
    return new HostError('unreachable', `connection lost (${this.lost?.message ?? 'closed'})`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.end();
    // If the server does not answer our close, do not keep the process alive for it. ssh2's
    // destroy() does nothing once its socket stopped being writable (as after end()), so a
    // stalled peer would hold the socket open for minutes: destroy the socket itself.
    const sock = (this.conn as unknown as { _sock?: { destroy(): void } })._sock;
    setTimeout(() => {
      this.conn.destroy();
      sock?.destroy();
    }, 2000).unref();
  }
}

/**
 * OpenSSH announces all its host keys after login (hostkeys-00@openssh.com, no reply wanted),
 * and ssh2 answers every announcement by asking the server to prove each key: a signature per
 * key on the server and a verification here, on every connection. director does not rotate
 * known_hosts entries, so the announcement is ignored; other global requests are refused, as
 * ssh2 does.
 */
function skipHostKeyProofs(conn: InstanceType<typeof SshClient>): void {
  const proto = (conn as unknown as { _protocol?: { _handlers?: Record<string, unknown>; requestFailure(): void } })._protocol;
  const handlers = proto?._handlers;
  if (!proto || !handlers || typeof handlers['GLOBAL_REQUEST'] !== 'function') return;
  handlers['GLOBAL_REQUEST'] = (_p: unknown, _name: string, wantReply: boolean) => {
    if (wantReply) proto.requestFailure();
  };
}
