// One ssh2 connection to one client: authenticated, host key checked, used for every step
// of a command (exec channels, one SFTP channel), then closed once.
import type { Socket } from 'node:net';
import { Writable, type Duplex } from 'node:stream';
import ssh2 from './ssh2.js';
import type { ClientChannel, ConnectConfig, SFTPWrapper } from 'ssh2';
import pLimit from 'p-limit';
import { classifyConnectError, HostError } from './host-error.js';
import { KILL_GRACE_MS, runExec, type ChannelHost, type ExecOptions, type ExecResult } from './exec-channel.js';
import { killTreeCommand, parseKillReport } from '../remote/kill.js';
import { corked, execWithoutInput } from './exec-no-input.js';
import { answerToken } from '../remote/posix.js';
import { hostKeyName, type KnownHostsBook } from './known-hosts-store.js';
import { preferredHostKeyAlgorithms } from './known-hosts.js';
import { AuthAttempts, type AuthEvent } from './auth-attempts.js';
import type { KeyRing } from './keys.js';
import { Liveness } from './liveness.js';
import { ResidentShell } from './resident-shell.js';
import type { ConnectTarget } from './target.js';

export type { ExecOptions, ExecResult } from './exec-channel.js';

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
/** How soon a kill whose channel the server refused is tried again. */
const KILL_RETRY_MS = 50;
/** After our end of the connection, how long the server has to close its end. */
const CLOSE_GRACE_MS = 2000;

/** What a connection travels over when it is not a TCP connection of its own (routes.ts). */
export interface Transport {
  stream: Duplex;
  /** The bastion whose forwarded channel `stream` is: its loss is this connection's cause of death. */
  bastion?: Session;
}

export interface SessionContext {
  hostKeys: KnownHostsBook;
  keys: KeyRing;
  /** Told about host keys added to known_hosts. */
  notice?: (message: string) => void;
  /** Told each step of each login (-v), with the client's (or bastion's) target. */
  onAuth?: (target: ConnectTarget, event: AuthEvent) => void;
}

export class Session {
  private sftpPromise: Promise<SFTPWrapper> | undefined;
  private readonly channels = pLimit(EXEC_CHANNELS);
  private lost: Error | undefined;
  private closed = false;
  private liveness: Liveness | undefined;
  /** director shell's resident shell here (resident-shell.ts): started once, again after it ended; undefined when it could not start. */
  private resident: Promise<ResidentShell | undefined> | undefined;
  private residentEnded = false;
  /** The login shell's name, once a pid marker on this connection said it (remote/kill.ts pidMarkIn). */
  loginShell: string | undefined;
  /** Why the resident shell could not start here, once it could not. */
  private residentFailure: string | undefined;
  /** Bytes received, counted here when the transport is not a socket (which counts its own). */
  private heard: number | undefined;
  /** Ends every running exec when the connection goes, in case its channel never closes. */
  private readonly onLost = new Set<() => void>();
  /** What exec channels need of the connection (see exec-channel.ts). */
  private readonly channelHost: ChannelHost = {
    open: (command, cb, noInput) => (noInput ? execWithoutInput(this.conn, command, cb) : this.conn.exec(command, cb)),
    loginShell: () => this.loginShell,
    lostError: () => (this.lost ? this.lostError() : undefined),
    whenLost: (f) => {
      this.onLost.add(f);
      return () => this.onLost.delete(f);
    },
    killTree: (pid) => this.killTree(pid),
    bytesHeard: () => this.heard ?? this.socket()?.bytesRead ?? 0,
    giveUp: (why) => this.fail(why),
  };

  private constructor(
    private readonly conn: InstanceType<typeof SshClient>,
    readonly target: ConnectTarget,
    private readonly bastion: Session | undefined,
  ) {
    conn.on('error', (err: Error) => {
      // An agent that could not sign: ssh2 goes on with the next identity.
      if ((err as { level?: unknown }).level === 'agent') return;
      this.lost ??= err;
    });
    conn.on('close', () => {
      this.lost ??= new Error('connection closed');
      this.liveness?.stop();
      for (const f of [...this.onLost]) f();
    });
  }

  /**
   * `transport`: what the connection travels over when it is not a TCP connection of its own
   * (a bastion's forwarded channel, a ProxyCommand's stdio; routes.ts makes it).
   * `signal` (Ctrl-C) ends a handshake in progress at once instead of at the connect timeout.
   */
  static async open(target: ConnectTarget, ctx: SessionContext, signal?: AbortSignal, transport?: Transport): Promise<Session> {
    const conn = new SshClient();
    // Listeners for the connection's whole life are attached before it starts.
    const session = new Session(conn, target, transport?.bastion);
    let hostKeyRefusal: string | undefined;
    const hostKeys = ctx.hostKeys.for(target.hostKeys);
    const keyName = hostKeyName(target.hostname, target.port, target.hostKeys.alias);
    const timeoutMs = target.connectTimeoutMs;
    const plan = await ctx.keys.plan(target);
    const password = await ctx.keys.passwordForLogin();
    if (plan.offers.length === 0 && password === undefined) {
      transport?.stream.destroy();
      throw new HostError('auth', `${target.username}@${target.hostname}: no identity to offer: ${plan.lookedFor}`);
    }
    const report = ctx.onAuth;
    const auth = new AuthAttempts(target, plan, password, report && ((e) => report(target, e)));
    const config: ConnectConfig = {
      host: target.hostname,
      port: target.port,
      username: target.username,
      readyTimeout: timeoutMs,
      // Liveness is director's own (liveness.ts): ssh2's waits for replies that a full send
      // queue holds back.
      keepaliveInterval: 0,
      algorithms: {
        serverHostKey: preferredHostKeyAlgorithms(hostKeys.keyTypesFor(keyName), HOST_KEY_ALGORITHMS) as never,
      },
      authHandler: auth.handler,
      hostVerifier: (key: Buffer) => {
        const decision = hostKeys.decide(keyName, key);
        if (!decision.ok) hostKeyRefusal = decision.message;
        else if (decision.message) ctx.notice?.(decision.message);
        return decision.ok;
      },
    };
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
        reject(new HostError('connect-timeout', `no SSH handshake within ${timeoutMs / 1000}s`));
      }, timeoutMs + 2000);
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
        conn.removeListener('error', onError);
        conn.destroy();
        if (hostKeyRefusal !== undefined) reject(new HostError('host-key', hostKeyRefusal));
        else reject(auth.failure(err) ?? classifyConnectError(err, timeoutMs / 1000));
      };
      const onError = (err: Error) => {
        if ((err as { level?: unknown }).level === 'agent') auth.agentFailed(err);
        else fail(err);
      };
      conn.once('ready', () => {
        stopWaiting();
        auth.succeeded();
        conn.removeListener('error', onError);
        conn.removeListener('close', onEarlyClose);
        session.watch();
        resolve();
      });
      const onEarlyClose = () => fail(new Error('Connection lost before handshake'));
      conn.on('error', onError);
      conn.once('close', onEarlyClose);
      if (transport !== undefined) config.sock = transport.stream as never;
      conn.connect(config);
      // After connect(): ssh2 has paused the stream, so this listener takes no byte from it.
      if (transport !== undefined) session.countBytes(transport.stream);
      skipHostKeyProofs(conn);
      onAuthFailure(conn, (methods) => auth.refused(methods));
      // Without this, Nagle's algorithm holds small packets back for the peer's delayed ACK (~40 ms).
      conn.setNoDelay(true);
    });
    return session;
  }

  /** Run a command (already safe shell text, see remote-shell.ts) and wait for it to end. */
  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return this.channels(() => runExec(this.channelHost, command, opts)).then((r) => {
      if (r.loginShell !== undefined) this.loginShell = r.loginShell;
      return r;
    });
  }

  /**
   * The connection's resident shell for director shell's lines, started at the first call and
   * again after it ended. Undefined when it cannot start on this client (no /bin/sh loop): the
   * caller runs its lines on channels of their own, and this connection does not try again.
   */
  residentShell(): Promise<ResidentShell | undefined> {
    if (this.lost) return Promise.reject(this.lostError());
    if (this.resident === undefined || this.residentEnded) {
      this.residentEnded = false;
      this.resident = ResidentShell.start(this.channelHost, this.target.connectTimeoutMs).then(
        (shell) => {
          shell.onDeath(() => (this.residentEnded = true));
          return shell;
        },
        (e: Error) => {
          this.residentFailure = e.message;
          return undefined;
        },
      );
    }
    return this.resident;
  }

  /** Why this connection runs director shell's lines on channels of their own (its resident shell could not start). */
  get noResident(): string | undefined {
    return this.residentFailure;
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

  /**
   * Kills `pid`'s process tree on a channel of its own, outside the channel bound (sshd keeps
   * one spare), and resolves with the pids still alive afterwards; undefined when the kill
   * gave no report (the connection went, or the client could not run it).
   */
  private killTree(pid: number): Promise<number[] | undefined> {
    // sshd refuses a channel above its MaxSessions: when many commands of this connection are
    // killed at once (a jobs run's slots), each kill that closes a command frees a channel for
    // the next, so a refused kill is tried again until the kill grace is nearly over.
    const giveUpAt = Date.now() + KILL_GRACE_MS - KILL_RETRY_MS * 4;
    return new Promise((resolve) => {
      const report = (err: Error | undefined, stream: ClientChannel, token: string) => {
        if (err) {
          if (!this.lost && Date.now() < giveUpAt) setTimeout(attempt, KILL_RETRY_MS).unref();
          else resolve(undefined);
          return;
        }
        let out = '';
        stream.on('data', (d: Buffer) => (out += d.toString('utf8')));
        stream.stderr.resume();
        stream.on('close', () => resolve(parseKillReport(out, token)));
        stream.end();
      };
      const attempt = () => {
        if (this.lost) return resolve(undefined);
        const token = answerToken();
        try {
          this.conn.exec(killTreeCommand(pid, token), (err: Error | undefined, stream: ClientChannel) => report(err, stream, token));
        } catch {
          resolve(undefined); // ssh2 throws "Not connected" once the socket is closing: no report
        }
      };
      attempt();
    });
  }

  /**
   * A TCP connection that the client opens to `host:port` on its side (a direct-tcpip channel,
   * as `ssh -L` makes), so nothing needs to listen on the network. Rejects with a
   * ForwardRefused when the client's server could not or would not connect.
   */
  forwardOut(host: string, port: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      if (this.lost) return reject(this.lostError());
      this.conn.forwardOut('127.0.0.1', 0, host, port, (err: (Error & { reason?: number }) | undefined, stream: ClientChannel) => {
        if (!err) return resolve(stream);
        if (this.lost) return reject(this.lostError());
        reject(new ForwardRefused(err.message.replace(/^\(SSH\) Channel open failure: ?/, ''), err.reason));
      });
    });
  }

  private countBytes(stream: Duplex): void {
    this.heard = 0;
    stream.on('data', (d: Buffer) => {
      this.heard! += d.length;
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

  /**
   * A kept connection about to be used after a quiet spell: a keepalive now, and the
   * connection is given up unless something comes back within `ms` (a peer gone without
   * closing its end, found at this use instead of after ServerAliveCountMax intervals).
   */
  probe(ms: number): void {
    if (this.lost || this.closed) return;
    const before = this.channelHost.bytesHeard();
    this.ping();
    setTimeout(() => {
      if (!this.closed && this.channelHost.bytesHeard() === before) this.fail(`no answer to a keepalive within ${ms / 1000}s`);
    }, ms).unref();
  }

  /**
   * Runs `issue`, which sends many small requests at once (SFTP renames): with the transport
   * corked they leave in one write, where ssh2 writes each packet on its own (one syscall and
   * one wake-up of the server per request).
   */
  inOneWrite<T>(issue: () => T): T {
    return corked(this.socket(), issue);
  }

  /** Whether the connection alone keeps the process running (not while idle in a test harness's pool). */
  holdProcess(on: boolean): void {
    const sock = this.socket();
    if (on) sock?.ref();
    else sock?.unref();
  }

  get isLost(): boolean {
    return this.lost !== undefined;
  }

  /** Why the connection is gone; when its bastion went first, that is the reason given. */
  lostError(): HostError {
    if (this.bastion?.isLost) return this.bastion.lostAsBastion();
    return new HostError('unreachable', `connection lost (${this.lost?.message ?? 'closed'})`);
  }

  /** This connection's loss as the clients behind it report it: `bastion b1: connection lost (…)`. */
  lostAsBastion(): HostError {
    if (this.bastion?.isLost) return this.bastion.lostAsBastion();
    return new HostError('unreachable', `bastion ${this.target.host}: connection lost (${this.lost?.message ?? 'closed'})`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.liveness?.stop();
    this.conn.end();
    // If the server does not answer our close, do not keep the process alive for it.
    setTimeout(() => this.drop(), CLOSE_GRACE_MS).unref();
  }

  /** The peer is taken for gone (silent too long, or deaf to a kill): the connection ends now. */
  private fail(why: string): void {
    this.lost ??= new Error(why);
    this.liveness?.stop();
    this.drop();
  }

  /**
   * ssh2's destroy() does nothing once its socket stopped being writable (as after end(), or
   * with a full send queue), so a stalled peer would hold the socket open for minutes:
   * destroy the socket itself.
   */
  private drop(): void {
    this.conn.destroy();
    this.socket()?.destroy();
  }

  private socket(): Socket | undefined {
    return (this.conn as unknown as { _sock?: Socket })._sock;
  }

  /** Starts the liveness check (ServerAliveInterval × ServerAliveCountMax) once logged in. */
  private watch(): void {
    const sock = this.socket();
    if (!sock) return;
    this.liveness = new Liveness(sock, this.target.alive, () => this.ping(), (why) => this.fail(why));
  }

  /** keepalive@openssh.com; its reply is only one more byte heard, wanted by nobody. */
  private ping(): void {
    const inner = this.conn as unknown as { _protocol?: { ping(): void }; _callbacks?: Array<() => void> };
    if (!inner._protocol || !inner._callbacks) return;
    // ssh2 hands each global reply to the next callback in this queue: keep it in step.
    inner._callbacks.push(() => undefined);
    inner._protocol.ping();
  }
}

/** The client's server did not open a forwarded connection: `reason` 1 is "administratively prohibited", 2 "connect failed". */
export class ForwardRefused extends Error {
  constructor(
    readonly why: string,
    readonly reason: number | undefined,
  ) {
    // Lowercased, as ssh2's other errors read: "bastion b1: cannot reach …: connection refused".
    super(why === '' ? `forwarding refused (reason ${reason ?? '?'})` : why.charAt(0).toLowerCase() + why.slice(1));
    this.name = 'ForwardRefused';
  }
}

/**
 * Every USERAUTH_FAILURE with the methods the server still allows, before ssh2 acts on it:
 * ssh2's authHandler hears of a refused agent key only as a call with a stale list.
 */
function onAuthFailure(conn: InstanceType<typeof SshClient>, refused: (methods: string[]) => void): void {
  const handlers = (conn as unknown as { _protocol?: { _handlers?: Record<string, unknown> } })._protocol?._handlers;
  const original = handlers?.['USERAUTH_FAILURE'];
  if (!handlers || typeof original !== 'function') return;
  handlers['USERAUTH_FAILURE'] = (p: unknown, methods: unknown, partial: unknown) => {
    if (Array.isArray(methods)) refused(methods.filter((m): m is string => typeof m === 'string'));
    return (original as (...a: unknown[]) => unknown)(p, methods, partial);
  };
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
