// Where the Fleet's sessions come from. By default each run opens its own connections and
// closes them when the client's work is over (RunSessions); `director shell` and the keeper
// hand the Fleet a SessionPool instead (session-pool.ts), whose connections outlive the run.
import type { Client } from '../config/client.js';
import { classifyConnectError, HostError } from './host-error.js';
import { Routes } from './routes.js';
import type { Session, SessionContext } from './session.js';
import type { ConnectTarget } from './target.js';

/** The sessions of one Fleet.run. */
export interface SessionSource {
  /** A logged-in session to `client`, for its work in this run. */
  take(client: Client, target: ConnectTarget): Promise<Session>;
  /** The client's work is over (the session is closed, or kept for the next run). */
  give(session: Session): void;
  /** The run is over. */
  end(): void;
}

/** A handshake the server cut short (sshd's MaxStartups drops) is tried again until the connect timeout. */
const RETRY_BACKOFF_MS = [100, 200, 400, 800];

/** Opens a session by its route, trying again after handshakes the server dropped. */
export async function openWithRetries(routes: Routes, target: ConnectTarget, signal?: AbortSignal): Promise<Session> {
  const deadline = performance.now() + target.connectTimeoutMs;
  for (let n = 0; ; n++) {
    try {
      return await routes.open(target);
    } catch (err) {
      const e = classifyConnectError(err, target.connectTimeoutMs / 1000);
      const wait = (RETRY_BACKOFF_MS[n] ?? 1000) * (1 + Math.random());
      if (!e.droppedInHandshake || performance.now() + wait > deadline || signal?.aborted) throw e;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** Today's way: a connection per client for this run only; the bastions' end with the run. */
export class RunSessions implements SessionSource {
  private readonly routes: Routes;

  constructor(
    ctx: SessionContext,
    private readonly signal?: AbortSignal,
  ) {
    this.routes = new Routes(ctx, signal);
  }

  take(_client: Client, target: ConnectTarget): Promise<Session> {
    return openWithRetries(this.routes, target, this.signal);
  }

  give(session: Session): void {
    session.close();
  }

  end(): void {
    this.routes.close();
  }
}

/** `work` unless `signal` fires first: then a rejection saying the client was not connected. */
export function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) return Promise.reject(new HostError('interrupted', 'not connected: interrupted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new HostError('interrupted', 'not connected: interrupted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
