// The identities offered to each client, in OpenSSH's order (identity-order.ts): key files
// read once per command, each agent asked once for its keys. -i is checked before any client
// is contacted: it must be a key director can sign with, itself or through the agent.
import type { AnyAuthMethod } from 'ssh2';
import { UsageError } from '../config/errors.js';
import { AgentBook, agentsHoldSync, OneKeyAgent, type AgentListing } from './agent.js';
import { fingerprint, readIdentity, shownPath, type FileIdentity } from './identities.js';
import { identityOrder } from './identity-order.js';
import type { ConnectTarget } from './target.js';

export interface Offer {
  /** `~/.ssh/id_ed25519 (SHA256:…)`, `agent key (SHA256:… comment)`: paths and fingerprints only. */
  label: string;
  method(username: string): AnyAuthMethod;
}

export interface AuthPlan {
  offers: Offer[];
  /** Configured identity files that cannot be offered, and why (for -v). */
  skipped: Array<{ label: string; why: string }>;
  /** What was looked for, said when there is nothing to offer. */
  lookedFor: string;
}

export interface KeyRingOptions {
  /** DIRECTOR_PASSPHRASE: decrypts encrypted key files. Never printed, logged or sent. */
  passphrase?: string;
  /** The agents the clients use (their IdentityAgent): where -i may find its key. */
  agents?: readonly string[];
  /** -A: the password typed once, asked for before the first connection. */
  askPassword?: () => Promise<string>;
}

export type AuthTarget = Pick<ConnectTarget, 'username' | 'identityFiles' | 'identityAgent' | 'identitiesOnly'>;

export class KeyRing {
  private readonly files = new Map<string, FileIdentity | undefined>();
  private readonly agents = new AgentBook();
  private readonly passphrase: string | undefined;
  private password: Promise<string> | undefined;

  constructor(
    /** -i: must be usable, or the command stops before contacting anyone. */
    private readonly explicit: string | undefined,
    private readonly o: KeyRingOptions = {},
  ) {
    this.passphrase = o.passphrase;
    if (explicit !== undefined) this.checkExplicit(explicit);
  }

  /** Before the first connection: the password of -A, typed once (nothing when -A is not given). */
  async ready(): Promise<void> {
    if (this.o.askPassword !== undefined) this.password ??= this.o.askPassword();
    await this.password;
  }

  /** The password of -A, if it was asked for. */
  async passwordForLogin(): Promise<string | undefined> {
    return this.password;
  }

  /** What to offer one client, in order. */
  async plan(target: AuthTarget): Promise<AuthPlan> {
    const files = target.identityFiles.map((f) => this.file(f)).filter((f): f is FileIdentity => f !== undefined);
    const listing = target.identityAgent === undefined ? undefined : await this.agents.list(target.identityAgent);
    const held = listing !== undefined && 'keys' in listing ? listing.keys.map((key) => ({ key, blob: key.getPublicSSH() })) : [];
    const offers: Offer[] = [];
    const skipped: AuthPlan['skipped'] = [];
    for (const step of identityOrder(files, held, target.identitiesOnly)) {
      const agentKey = step.agent;
      if (agentKey !== undefined) {
        const agent = new OneKeyAgent(this.agents.agent(target.identityAgent!), agentKey.key);
        const fp = fingerprint(agentKey.blob);
        const label = step.file !== undefined ? `${shownPath(step.file.file)} (${fp}, from the agent)` : `agent key (${fp}${agentKey.key.comment ? ` ${agentKey.key.comment}` : ''})`;
        offers.push({ label, method: (username) => ({ type: 'agent', username, agent }) });
        continue;
      }
      const id = step.file!;
      const label = `${shownPath(id.file)}${id.blob !== undefined ? ` (${fingerprint(id.blob)})` : ''}`;
      const key = id.key;
      if (key !== undefined) offers.push({ label, method: (username) => ({ type: 'publickey', username, key }) });
      else skipped.push({ label, why: `${id.problem ?? 'no private key'}${listing !== undefined ? ', and the agent does not hold it' : ''}` });
    }
    return { offers, skipped, lookedFor: lookedFor(target, files, skipped, listing) };
  }

  private file(path: string): FileIdentity | undefined {
    if (!this.files.has(path)) this.files.set(path, readIdentity(path, this.passphrase));
    return this.files.get(path);
  }

  private checkExplicit(path: string): void {
    const id = this.file(path);
    if (id === undefined) throw new UsageError(`identity file ${path} does not exist`);
    if (id.key !== undefined) return;
    const agents = [...new Set(this.o.agents ?? [])];
    if (id.blob !== undefined && agentsHoldSync(agents, id.blob)) return;
    const agentWords = id.blob === undefined ? '' : agents.length === 0 ? ' (and no agent to ask: SSH_AUTH_SOCK is not set)' : ' (and the agent does not hold it)';
    throw new UsageError(`cannot use identity file ${path}: ${id.problem ?? 'no private key'}${agentWords}`);
  }
}

/** `looked for ~/.ssh/id_rsa, ~/.ssh/id_ed25519 (none exists); no agent (SSH_AUTH_SOCK is not set)`. */
function lookedFor(target: AuthTarget, found: FileIdentity[], skipped: AuthPlan['skipped'], listing: AgentListing | undefined): string {
  const files = target.identityFiles.map((f) => shownPath(f));
  const fileWords =
    files.length === 0
      ? 'no identity file'
      : found.length === 0
        ? `${files.join(', ')} (${files.length === 1 ? 'it does not exist' : 'none exists'})`
        : skipped.map((s) => `${s.label}: ${s.why}`).join('; ');
  let agentWords: string;
  if (target.identityAgent === undefined) agentWords = 'no agent (SSH_AUTH_SOCK is not set, or IdentityAgent none)';
  else if (listing === undefined || 'error' in listing) agentWords = `the agent at ${target.identityAgent} did not answer${listing && 'error' in listing ? ` (${listing.error})` : ''}`;
  else if (listing.keys.length === 0) agentWords = `the agent at ${target.identityAgent} holds no keys`;
  else agentWords = `IdentitiesOnly: none of the agent's ${listing.keys.length} keys is one of the identity files`;
  return `looked for ${fileWords}; ${agentWords}`;
}
