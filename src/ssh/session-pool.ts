// Connections kept between runs (director shell, the connection keeper): one logged-in
// session per client, handed to every run that asks for that client and closed only when the
// pool is. A session found lost is replaced at its next use; a client reached with other
// settings than its kept session (ssh_config changed, another agent) gets a new one. The pool
// also says which clients are connected and why the others are not.
import type { Client } from '../config/client.js';
import type { HostError } from './host-error.js';
import { Routes } from './routes.js';
import type { Session, SessionContext } from './session.js';
import { openWithRetries, unlessAborted, type SessionSource } from './session-source.js';
import type { ConnectTarget } from './target.js';

/**
 * A session unused for longer than this is asked for a keepalive when it is taken again, and
 * given up unless the peer answers within its connect timeout: a host that vanished without
 * closing its end is then found at the next use, not after ServerAliveCountMax intervals.
 */
const QUIET_MS = 1000;

export type KeptState = 'connected' | 'connecting' | 'failed' | 'lost';

export interface KeptStatus {
  name: string;
  state: KeptState;
  /** Why a client is not connected. */
  why?: string;
  /** When the client reached this state (epoch ms). */
  since: number;
  /** When its session was last handed to a run (epoch ms). */
  lastUsed: number;
  /** Connections opened for this client so far (1 while nothing was ever lost). */
  connections: number;
  /** director shell: why this client's lines run on channels of their own (no resident shell). */
  noResident?: string;
  /** The login shell's name, once a command on this connection said it (its kill marker then uses the shell's own printf). */
  loginShell?: string;
}

interface Entry {
  name: string;
  /** The settings the session was opened with (see fingerprint). */
  fingerprint: string;
  session?: Session;
  /** The routes (bastion connections) it travels over. */
  share?: RouteShare;
  opening?: Promise<Session>;
  failed?: HostError;
  since: number;
  lastUsed: number;
  connections: number;
  /** Runs using the session now. */
  users: number;
}

export class SessionPool {
  private readonly entries = new Map<string, Entry>();
  private readonly ofSession = new WeakMap<Session, Entry>();
  private closed = false;

  /** `holdProcess: false`: idle kept connections do not keep the process running (a test harness closes them at exit). */
  constructor(private readonly opts: { holdProcess?: boolean } = {}) {}

  /** The sessions of one Fleet.run: taken from the pool, given back to it. */
  forRun(ctx: SessionContext, signal?: AbortSignal): SessionSource {
    let share: RouteShare | undefined;
    return {
      // Ctrl-C ends the wait at once; a handshake under way goes on and lands in the pool.
      take: (client, target) => unlessAborted(this.take(client, target, () => (share ??= new RouteShare(ctx))), signal),
      give: (session) => this.give(session),
      end: () => share?.seal(),
    };
  }

  /** Every client the pool has been asked for, in the order first asked. */
  status(): KeptStatus[] {
    return [...this.entries.values()].map((e) => {
      const base = { name: e.name, lastUsed: e.lastUsed, connections: e.connections };
      if (e.opening) return { ...base, state: 'connecting', since: e.since };
      const noResident = e.session?.noResident;
      const loginShell = e.session?.loginShell;
      if (e.session && !e.session.isLost) return { ...base, state: 'connected', since: e.since, ...(noResident ? { noResident } : {}), ...(loginShell ? { loginShell } : {}) };
      if (e.session) return { ...base, state: 'lost', why: e.session.lostError().message, since: e.since };
      return { ...base, state: 'failed', why: e.failed?.message ?? 'not connected', since: e.since };
    });
  }

  /** Connections alive now. */
  get alive(): number {
    return [...this.entries.values()].filter((e) => e.session && !e.session.isLost).length;
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) this.drop(e);
    this.entries.clear();
  }

  private async take(client: Client, target: ConnectTarget, share: () => RouteShare): Promise<Session> {
    if (this.closed) throw new Error('the connection pool is closed');
    const fp = fingerprint(target);
    let e = this.entries.get(client.name);
    if (e && e.fingerprint !== fp && !e.opening) {
      this.drop(e);
      e = undefined;
    }
    if (!e) {
      e = { name: client.name, fingerprint: fp, since: Date.now(), lastUsed: 0, connections: 0, users: 0 };
      this.entries.set(client.name, e);
    }
    const kept = e.session;
    if (kept && !kept.isLost) {
      if (Date.now() - e.lastUsed > QUIET_MS) kept.probe(target.connectTimeoutMs);
      return this.lend(e, kept);
    }
    e.opening ??= this.open(e, target, share());
    return this.lend(e, await e.opening);
  }

  private lend(e: Entry, session: Session): Session {
    e.lastUsed = Date.now();
    e.users++;
    session.holdProcess(true);
    return session;
  }

  private async open(e: Entry, target: ConnectTarget, share: RouteShare): Promise<Session> {
    if (e.session) this.drop(e);
    e.since = Date.now();
    share.hold();
    try {
      const session = await openWithRetries(share.routes, target);
      e.connections++;
      if (this.opts.holdProcess === false) session.holdProcess(false);
      if (this.closed) {
        session.close();
        share.drop();
        throw new Error('the connection pool is closed');
      }
      Object.assign(e, { session, share, fingerprint: fingerprint(target), failed: undefined, since: Date.now() });
      this.ofSession.set(session, e);
      return session;
    } catch (err) {
      if (!this.closed) share.drop();
      e.failed = err as HostError;
      e.since = Date.now();
      throw err;
    } finally {
      e.opening = undefined;
    }
  }

  private give(session: Session): void {
    const e = this.ofSession.get(session);
    if (!e) return;
    e.lastUsed = Date.now();
    e.users = Math.max(0, e.users - 1);
    if (e.users === 0 && this.opts.holdProcess === false) session.holdProcess(false);
  }

  /** Closes an entry's session and lets go of its routes. */
  private drop(e: Entry): void {
    e.session?.close();
    e.share?.drop();
    e.session = undefined;
    e.share = undefined;
  }
}

/**
 * The routes of one run's new connections, and so its bastion connections: closed once the
 * run is over and no kept session travels over them any more.
 */
class RouteShare {
  readonly routes: Routes;
  private users = 0;
  private sealed = false;

  constructor(ctx: SessionContext) {
    this.routes = new Routes(ctx);
  }

  hold(): void {
    this.users++;
  }

  drop(): void {
    this.users--;
    this.closeIfUnused();
  }

  seal(): void {
    this.sealed = true;
    this.closeIfUnused();
  }

  private closeIfUnused(): void {
    if (this.sealed && this.users <= 0) this.routes.close();
  }
}

/**
 * What a kept session must have been opened with to serve a target: everything resolved for
 * the client but the config's file:line record and the connect timeout.
 */
function fingerprint(target: ConnectTarget): string {
  return JSON.stringify(target, (key, value: unknown) => (key === 'config' || key === 'connectTimeoutMs' ? undefined : value));
}
