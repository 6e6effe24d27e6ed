// How a connection reaches its client: straight over TCP, through a bastion (ProxyJump: a
// forwarded channel of one connection to the bastion, shared by every client behind it), or
// over a ProxyCommand's standard input and output. A bastion that cannot be reached fails
// every client behind it, saying so; nothing ever falls back to a direct connection.
import type { Duplex } from 'node:stream';
import { HostError } from './host-error.js';
import { Session, type SessionContext } from './session.js';
import type { ConnectTarget } from './target.js';
import { ChannelTransport, ProxyProcess } from './transports.js';

export class Routes {
  /** One connection per bastion (hop targets are shared objects, see TargetResolver). */
  private readonly bastions = new Map<ConnectTarget, Promise<Session>>();

  constructor(
    private readonly ctx: SessionContext,
    private readonly signal?: AbortSignal,
  ) {}

  /** A logged-in Session to `target`, by its route. */
  open(target: ConnectTarget): Promise<Session> {
    return this.reach(target, false);
  }

  private async reach(target: ConnectTarget, isBastion: boolean): Promise<Session> {
    const route = target.route;
    if (route.kind === 'direct') return Session.open(target, this.ctx, this.signal);
    if (route.kind === 'command') {
      const proxy = new ProxyProcess(route.command);
      try {
        return await Session.open(target, this.ctx, this.signal, { stream: proxy.stream });
      } catch (err) {
        throw await proxy.explain(err);
      }
    }
    const bastion = await this.bastion(route.via);
    const stream = await this.forward(bastion, target, isBastion);
    try {
      return await Session.open(target, this.ctx, this.signal, { stream, bastion });
    } catch (err) {
      // The bastion went down mid-handshake: that, not a dropped handshake, is the reason.
      throw bastion.isLost ? bastion.lostAsBastion() : err;
    }
  }

  /** The bastions' connections end with the run. */
  close(): void {
    for (const p of this.bastions.values()) p.then((s) => s.close(), () => undefined);
    this.bastions.clear();
  }

  /**
   * A channel from the bastion to the client, within the client's connect timeout: a bastion
   * that stopped answering holds nobody longer, and Ctrl-C ends the wait at once.
   */
  private forward(bastion: Session, target: ConnectTarget, isBastion: boolean): Promise<Duplex> {
    const hop = bastion.target;
    const where = `${isBastion ? `bastion ${target.host} at ` : ''}${target.hostname}:${target.port}`;
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        this.signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const timer = setTimeout(() => {
        if (settle()) reject(new HostError('connect-timeout', `bastion ${hop.host}: no channel to ${where} within ${target.connectTimeoutMs / 1000}s`));
      }, target.connectTimeoutMs);
      const onAbort = () => {
        if (settle()) reject(new HostError('interrupted', 'not connected: interrupted'));
      };
      if (this.signal?.aborted) return onAbort();
      this.signal?.addEventListener('abort', onAbort, { once: true });
      bastion.forwardOut(target.hostname, target.port).then(
        (stream) => {
          if (settle()) resolve(new ChannelTransport(stream));
          else stream.destroy();
        },
        (err: unknown) => {
          if (settle()) reject(bastion.isLost ? bastion.lostAsBastion() : throughBastion(hop, err, `cannot reach ${where}: `));
        },
      );
    });
  }

  private bastion(hop: ConnectTarget): Promise<Session> {
    let session = this.bastions.get(hop);
    if (session === undefined) {
      session = this.reach(hop, true).catch((err: unknown) => {
        throw throughBastion(hop, err);
      });
      // A failed bastion stays failed for this run: every client behind it gets its error.
      session.catch(() => undefined);
      this.bastions.set(hop, session);
    }
    return session;
  }
}

/**
 * The bastion's own error, named after it, never retried as a handshake drop of the client.
 * An error that names a bastion already (one hop further out) is passed on as it is.
 */
function throughBastion(hop: ConnectTarget, err: unknown, what = ''): HostError {
  const e = err instanceof HostError ? err : new HostError('unreachable', (err as Error)?.message ?? String(err));
  if (e.message.startsWith('bastion ') && !e.droppedInHandshake) return e;
  const kind = e.kind === 'host-key' || e.kind === 'auth' || e.kind === 'connect-timeout' || e.kind === 'interrupted' ? e.kind : 'unreachable';
  return new HostError(kind, `bastion ${hop.host}: ${what}${e.message}`);
}
