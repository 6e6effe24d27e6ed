// Runs one async function per client, at most `parallel` clients at once, each over one
// Session: opened for it and closed after it, or taken from the pool of kept connections
// (session-pool.ts) and left there. Whatever happens at one client (refused, timeout, auth,
// a throw inside the work) becomes that client's result, never a crash.
import { setMaxListeners } from 'node:events';
import type { Client } from '../config/client.js';
import { HostError } from './host-error.js';
import type { Session, SessionContext } from './session.js';
import type { SessionPool } from './session-pool.js';
import { RunSessions, type SessionSource } from './session-source.js';
import { Slots, type Slot } from './slots.js';
import type { ConnectTarget } from './target.js';
import { trace } from '../trace.js';

export type HostResult<T> =
  | { client: Client; ok: true; value: T; ms: number }
  | { client: Client; ok: false; error: HostError; ms: number };

export interface FleetOptions {
  parallel: number;
  session: SessionContext;
  /** Where and how each client is reached (TargetResolver, resolved before any connection). */
  targets: (client: Client) => ConnectTarget;
  /** Ctrl-C: clients not yet started end as `interrupted`; running work sees the signal. */
  signal?: AbortSignal;
  /** Connections kept between runs (director shell, the keeper); absent: each run opens its own and closes them. */
  pool?: SessionPool;
}

export interface FleetRunOptions<T> {
  /** Which clients are contacted at all (default: every one). */
  only?: (client: Client) => boolean;
  onStart?(client: Client): void;
  onConnected?(client: Client): void;
  onDone?(result: HostResult<T>): void;
}

/**
 * Connection attempts under way at once, apart from the -p work slots: an attempt that will
 * only time out (a blackholed client) must not hold a work slot, or the live clients behind it
 * wait in waves of -p. A client that has connected waits for a work slot and then gives its
 * attempt slot back, so at most this many plus -p connections are open.
 */
const ATTEMPTS_AT_ONCE = 128;

export class Fleet {
  constructor(
    readonly clients: readonly Client[],
    private readonly opts: FleetOptions,
  ) {
    // Every client's steps listen on the one signal: 64 listeners are not a leak.
    if (opts.signal) setMaxListeners(0, opts.signal);
  }

  /** Ctrl-C/SIGTERM: the one signal every step of a command listens on. */
  get signal(): AbortSignal | undefined {
    return this.opts.signal;
  }

  /** Clients worked on at once (-p). */
  get parallel(): number {
    return this.opts.parallel;
  }

  /**
   * The same settings and connections over other clients (a subset, re-indexed as a
   * selection is) with an abort signal of their own: one line of director shell.
   */
  over(clients: readonly Client[], signal: AbortSignal): Fleet {
    return new Fleet(clients, { ...this.opts, signal });
  }

  /** Where and as whom a client is reached (clients.conf, -l, ssh_config). */
  target(client: Client): ConnectTarget {
    return this.opts.targets(client);
  }

  /** Results come in clients.conf order. */
  async run<T>(work: (session: Session, client: Client) => Promise<T>, hooks: FleetRunOptions<T> = {}): Promise<HostResult<T>[]> {
    // -A's password is typed before the first connection, so no handshake waits on a person.
    await this.opts.session.keys.ready();
    const slots = new Slots(this.opts.parallel);
    const attempts = new Slots(Math.max(this.opts.parallel, ATTEMPTS_AT_ONCE));
    const sessions = this.opts.pool?.forRun(this.opts.session, this.opts.signal) ?? new RunSessions(this.opts.session, this.opts.signal);
    const only = hooks.only ?? (() => true);
    return Promise.all(
      this.clients.filter(only).map(async (client): Promise<HostResult<T>> => {
        const result = await this.one(client, work, hooks, { slots, attempts, sessions });
        hooks.onDone?.(result);
        return result;
      }),
    ).finally(() => sessions.end());
  }

  private async one<T>(
    client: Client,
    work: (session: Session, client: Client) => Promise<T>,
    hooks: FleetRunOptions<T>,
    limits: { slots: Slots; attempts: Slots; sessions: SessionSource },
  ): Promise<HostResult<T>> {
    const attempt = await limits.attempts.take();
    let slot: Slot | undefined;
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    let session: Session | undefined;
    try {
      if (this.opts.signal?.aborted) {
        return { client, ok: false, error: new HostError('interrupted', 'not started: interrupted'), ms: 0 };
      }
      hooks.onStart?.(client);
      trace(`${client.name} connecting`);
      session = await limits.sessions.take(client, this.target(client));
      trace(`${client.name} connected`);
      slot = await limits.slots.take();
      attempt.release();
      // Ctrl-C while this client waited for a -p slot: its work has not started, and will not.
      if (this.opts.signal?.aborted) {
        return { client, ok: false, error: new HostError('interrupted', 'not started: interrupted'), ms: ms() };
      }
      hooks.onConnected?.(client);
      const value = await work(session, client);
      return { client, ok: true, value, ms: ms() };
    } catch (err) {
      return { client, ok: false, error: toHostError(err, session), ms: ms() };
    } finally {
      attempt.release();
      slot?.release();
      if (session) limits.sessions.give(session);
    }
  }
}

function toHostError(err: unknown, session: Session | undefined): HostError {
  if (err instanceof HostError) return err;
  if (session?.isLost) return session.lostError();
  const e = err as NodeJS.ErrnoException;
  return new HostError('io', e?.message ?? String(err));
}
