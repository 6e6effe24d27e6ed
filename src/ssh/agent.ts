// ssh-agent through ssh2's own agent client: the keys it holds, listed once per command and
// socket, and a view of it that shows ssh2 one key, so each agent key is its own step of the
// login (offered in OpenSSH's order, each refusal seen by the caller).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import ssh2 from './ssh2.js';
import type { BaseAgent as Agent, IdentityCallback, ParsedKey, SignCallback, SigningRequestOptions } from 'ssh2';

const { BaseAgent, createAgent } = ssh2;

export type AgentListing = { socket: string; keys: ParsedKey[] } | { socket: string; error: string };

/** A listing takes at most this long (an agent that waits for a confirmation holds it). */
const LIST_TIMEOUT_MS = 5000;

export class AgentBook {
  private readonly listings = new Map<string, Promise<AgentListing>>();
  private readonly agents = new Map<string, Agent>();

  /** The agent at `socket` (ssh2's OpenSSHAgent: a connection of its own per request). */
  agent(socket: string): Agent {
    let a = this.agents.get(socket);
    if (a === undefined) {
      a = createAgent(socket);
      this.agents.set(socket, a);
    }
    return a;
  }

  /** The keys the agent holds, in its order; asked once per socket. */
  list(socket: string): Promise<AgentListing> {
    let p = this.listings.get(socket);
    if (p === undefined) {
      p = new Promise<AgentListing>((resolve) => {
        const timer = setTimeout(() => resolve({ socket, error: `no answer within ${LIST_TIMEOUT_MS / 1000}s` }), LIST_TIMEOUT_MS);
        this.agent(socket).getIdentities((err, keys) => {
          clearTimeout(timer);
          if (err) resolve({ socket, error: err.message });
          else resolve({ socket, keys: (keys ?? []).filter((k): k is ParsedKey => typeof k === 'object' && !Buffer.isBuffer(k)) });
        });
      });
      this.listings.set(socket, p);
    }
    return p;
  }
}

/** One key of an agent, the only one ssh2 sees through this view; signing goes to the agent. */
export class OneKeyAgent extends BaseAgent<ParsedKey> {
  constructor(
    private readonly inner: Agent,
    private readonly key: ParsedKey,
  ) {
    super();
  }

  getIdentities(cb: IdentityCallback<ParsedKey>): void {
    cb(undefined, [this.key]);
  }

  sign(pubKey: ParsedKey, data: Buffer, options: SigningRequestOptions | SignCallback, cb?: SignCallback): void {
    if (typeof options === 'function') this.inner.sign(pubKey, data, options);
    else this.inner.sign(pubKey, data, options, cb);
  }
}

/**
 * Whether any of these agents holds the key (its public blob), asked synchronously for a
 * check that must end before any client is contacted (-i naming a key only the agent can
 * use). A child Node process runs ssh2's agent client; only public keys cross.
 */
export function agentsHoldSync(sockets: readonly string[], blob: Buffer): boolean {
  if (sockets.length === 0) return false;
  const ssh2Path = createRequire(import.meta.url).resolve('ssh2');
  const script = [
    'const { createAgent } = require(process.argv[1]);',
    'const sockets = process.argv.slice(2); let left = sockets.length; const out = [];',
    'for (const s of sockets) createAgent(s).getIdentities((e, keys) => {',
    '  if (!e) for (const k of keys) out.push(k.getPublicSSH().toString("base64"));',
    '  if (--left === 0) process.stdout.write(out.join("\\n"));',
    '});',
  ].join('\n');
  const r = spawnSync(process.execPath, ['-e', script, ssh2Path, ...sockets], { encoding: 'utf8', timeout: LIST_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
  if (r.status !== 0 || typeof r.stdout !== 'string') return false;
  const want = blob.toString('base64');
  return r.stdout.split('\n').includes(want);
}
