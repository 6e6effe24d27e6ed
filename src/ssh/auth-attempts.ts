// One client's login, step by step, as OpenSSH goes: each identity of the plan in order
// (each refusal brings the methods the server allows), then (with -A) the typed password by
// keyboard-interactive and password. Every step is told to `report` (-v), and a
// failed login becomes a HostError of kind auth saying who, what the server allows and which
// keys were tried: paths and fingerprints, never key material.
import type { AnyAuthMethod, AuthenticationType, AuthHandlerMiddleware } from 'ssh2';
import { HostError } from './host-error.js';
import type { AuthPlan } from './keys.js';

export type AuthEvent =
  | { step: 'plan'; offers: string[]; skipped: Array<{ label: string; why: string }> }
  | { step: 'methods'; methods: string[] }
  | { step: 'offer'; what: string }
  | { step: 'refused'; what: string; why?: string }
  | { step: 'accepted'; what: string };

export interface AuthWho {
  username: string;
  hostname: string;
  identitiesOnly: boolean;
}

const PASSWORD_METHODS = ['keyboard-interactive', 'password'] as const;

export class AuthAttempts {
  private methods: string[] | undefined;
  private started = false;
  private next = 0;
  private current: { what: string; key: boolean } | undefined;
  private currentWhy: string | undefined;
  private readonly tried: string[] = [];
  private keysRefused = 0;
  private readonly passwordSteps: Array<(typeof PASSWORD_METHODS)[number]> = [];

  constructor(
    private readonly who: AuthWho,
    private readonly plan: AuthPlan,
    private readonly password: string | undefined,
    private readonly report: (e: AuthEvent) => void = () => undefined,
  ) {
    if (password !== undefined) this.passwordSteps.push(...PASSWORD_METHODS);
  }

  /**
   * The authHandler of ssh2, called at the start and after each refusal. ssh2 passes the
   * server's methods only after a refusal of a non-agent step (after an agent key it passes
   * the old list, or null), so the refusals themselves come through `refused`, which
   * Session.open calls on every USERAUTH_FAILURE; the handler settles too, for safety. The
   * first key goes without asking `none` first (a round trip less per connection); `none`
   * is sent only to learn the methods when there is no key to offer.
   */
  readonly handler: AuthHandlerMiddleware = ((left: AuthenticationType[] | null) => {
    if (!this.started) {
      this.started = true;
      this.report({ step: 'plan', offers: this.plan.offers.map((o) => o.label), skipped: this.plan.skipped });
    } else if (left !== null) {
      this.refused(left);
    } else {
      this.settle(); // called again: the step under way is over (an agent that could not sign)
    }
    const methods = this.methods;
    if (methods === undefined || methods.includes('publickey')) {
      const offer = this.plan.offers[this.next++];
      if (offer !== undefined) return this.start(offer.label, true, offer.method(this.who.username));
    }
    if (methods === undefined) return { type: 'none', username: this.who.username };
    while (this.passwordSteps.length > 0) {
      const type = this.passwordSteps.shift()!;
      if (methods.includes(type)) return this.start(type === 'password' ? 'password' : 'password (keyboard-interactive)', false, this.passwordMethod(type));
    }
    return false;
  }) as unknown as AuthHandlerMiddleware;

  /** The server refused the step under way (USERAUTH_FAILURE) and still allows `methods`. */
  refused(methods: readonly string[]): void {
    if (this.methods === undefined || this.methods.join() !== methods.join()) this.report({ step: 'methods', methods: [...methods] });
    this.methods = [...methods];
    this.settle();
  }

  /** Logged in: the step under way was accepted. */
  succeeded(): void {
    if (this.current !== undefined) this.report({ step: 'accepted', what: this.current.what });
    this.current = undefined;
  }

  /** The agent could not sign for the step under way (ssh2 goes on with the next one). */
  agentFailed(err: Error): void {
    this.currentWhy = `the agent could not sign: ${err.message}`;
  }

  /**
   * The HostError for a connection that failed during the login, or undefined when the
   * failure was not the login's (the caller classifies it as a connection error).
   */
  failure(err: unknown): HostError | undefined {
    if (!this.started) return undefined;
    const e = (err ?? {}) as { level?: unknown; code?: unknown; message?: unknown };
    const msg = typeof e.message === 'string' ? e.message : String(err);
    const disconnected = typeof e.code === 'number';
    if (e.level !== 'client-authentication' && !disconnected) return undefined;
    this.settle();
    const who = `${this.who.username}@${this.who.hostname}`;
    const tried = `tried: ${this.tried.length > 0 ? this.tried.join(', ') : 'nothing'}`;
    if (e.level === 'client-authentication') {
      const methods = this.methods === undefined ? 'methods unknown' : this.methods.join(',');
      return new HostError('auth', `${who}: permission denied (${methods}) — ${tried}${this.hint()}`);
    }
    if (/too many authentication failures|max auth tries/i.test(msg)) {
      const only = this.who.identitiesOnly
        ? 'the server allows fewer tries than the keys configured for it'
        : 'give this host IdentitiesOnly yes and its IdentityFile (or -i) so that only its key is offered';
      return new HostError('auth', `${who}: the server ended the login after ${this.keysRefused} refused keys ("${msg}": its MaxAuthTries) — ${tried}; ${only}`);
    }
    return new HostError('auth', `${who}: the server ended the login ("${msg}") — ${tried}`);
  }

  private start(what: string, key: boolean, method: AnyAuthMethod): AnyAuthMethod {
    this.current = { what, key };
    this.currentWhy = undefined;
    this.report({ step: 'offer', what });
    return method;
  }

  /** The step under way was refused. */
  private settle(): void {
    if (this.current === undefined) return;
    this.tried.push(this.current.what);
    if (this.current.key) this.keysRefused++;
    this.report({ step: 'refused', what: this.current.what, ...(this.currentWhy !== undefined ? { why: this.currentWhy } : {}) });
    this.current = undefined;
  }

  /** Why nothing more was offered, when that is not plain. */
  private hint(): string {
    const m = this.methods ?? [];
    const takesPassword = PASSWORD_METHODS.some((t) => m.includes(t));
    if (!m.includes('publickey')) return takesPassword && this.password === undefined ? ' (the server takes no keys; -A asks for a password)' : '';
    if (this.plan.offers.length === 0) return ` (nothing to offer: ${this.plan.lookedFor})`;
    return takesPassword && this.password === undefined ? ' (the server also takes a password: -A asks for one)' : '';
  }

  private passwordMethod(type: (typeof PASSWORD_METHODS)[number]): AnyAuthMethod {
    const password = this.password!;
    if (type === 'password') return { type, username: this.who.username, password };
    return {
      type,
      username: this.who.username,
      prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password)),
    };
  }
}
