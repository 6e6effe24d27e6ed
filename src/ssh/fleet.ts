// Runs one async function per client, at most `parallel` clients at once, each over one
// Session opened for it and closed after it. Whatever happens at one client (refused,
// timeout, auth, a throw inside the work) becomes that client's result, never a crash.
import pLimit from 'p-limit';
import type { Client } from '../config/client.js';
import { classifyConnectError, HostError } from './host-error.js';
import { Session, type SessionContext } from './session.js';
import { resolveTarget, type ConnectTarget, type TargetDefaults } from './target.js';
import { trace } from '../trace.js';

export type HostResult<T> =
  | { client: Client; ok: true; value: T; ms: number }
  | { client: Client; ok: false; error: HostError; ms: number };

export interface FleetOptions {
  parallel: number;
  session: SessionContext;
  targets: TargetDefaults;
  /** Ctrl-C: clients not yet started end as `interrupted`; running work sees the signal. */
  signal?: AbortSignal;
}

export interface FleetRunOptions<T> {
  /** Which clients are contacted at all (default: every one). */
  only?: (client: Client) => boolean;
  onStart?(client: Client): void;
  onConnected?(client: Client): void;
  onDone?(result: HostResult<T>): void;
}

/** Handshakes cut short by the server (sshd's MaxStartups drops) are retried this many times. */
const HANDSHAKE_RETRIES = 3;

export class Fleet {
  constructor(
    readonly clients: readonly Client[],
    private readonly opts: FleetOptions,
  ) {}

  /** Ctrl-C/SIGTERM: the one signal every step of a command listens on. */
  get signal(): AbortSignal | undefined {
    return this.opts.signal;
  }

  /** Where and as whom a client is reached (clients.conf, -l, ssh_config). */
  target(client: Client): ConnectTarget {
    return resolveTarget(client, this.opts.targets);
  }

  /** Results come in clients.conf order. */
  run<T>(work: (session: Session, client: Client) => Promise<T>, hooks: FleetRunOptions<T> = {}): Promise<HostResult<T>[]> {
    const limit = pLimit(Math.max(1, this.opts.parallel));
    const only = hooks.only ?? (() => true);
    return Promise.all(
      this.clients.filter(only).map((client) =>
        limit(async (): Promise<HostResult<T>> => {
          const started = performance.now();
          const result = await this.one(client, work, hooks, started);
          hooks.onDone?.(result);
          return result;
        }),
      ),
    );
  }

  private async one<T>(
    client: Client,
    work: (session: Session, client: Client) => Promise<T>,
    hooks: FleetRunOptions<T>,
    started: number,
  ): Promise<HostResult<T>> {
    const ms = () => Math.round(performance.now() - started);
    if (this.opts.signal?.aborted) {
      return { client, ok: false, error: new HostError('interrupted', 'not started: interrupted'), ms: 0 };
    }
    hooks.onStart?.(client);
    let session: Session | undefined;
    try {
      trace(`${client.name} connecting`);
      session = await this.connect(client);
      trace(`${client.name} connected`);
      hooks.onConnected?.(client);
      const value = await work(session, client);
      return { client, ok: true, value, ms: ms() };
    } catch (err) {
      return { client, ok: false, error: toHostError(err, session), ms: ms() };
    } finally {
      session?.close();
    }
  }

  private async connect(client: Client): Promise<Session> {
    const target = this.target(client);
    for (let attempt = 0; ; attempt++) {
      try {
        return await Session.open(target, this.opts.session, this.opts.signal);
      } catch (err) {
        const e = classifyConnectError(err, this.opts.session.connectTimeoutMs / 1000);
        if (!e.droppedInHandshake || attempt >= HANDSHAKE_RETRIES || this.opts.signal?.aborted) throw e;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt + Math.random() * 100));
      }
    }
  }
}

function toHostError(err: unknown, session: Session | undefined): HostError {
  if (err instanceof HostError) return err;
  if (session?.isLost) return session.lostError();
  const e = err as NodeJS.ErrnoException;
  return new HostError('io', e?.message ?? String(err));
}
