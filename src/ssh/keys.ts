// Private keys and the agent, loaded once per command and offered to every client.
import { createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { AuthMethod, ParsedKey } from 'ssh2';
import { UsageError } from '../config/errors.js';
import type { ConnectTarget } from './target.js';

const { utils } = ssh2;

export class KeyRing {
  private cache = new Map<string, ParsedKey | null>();

  constructor(
    /** -i: must load, or the command stops before contacting anyone. */
    private readonly explicit: string | undefined,
    /** DIRECTOR_PASSPHRASE: decrypts encrypted key files. Never printed, logged or sent. */
    private readonly passphrase?: string,
  ) {
    if (explicit !== undefined) this.load(explicit, true);
  }

  /**
   * The methods to try for one client, in OpenSSH's order: the agent's keys (unless
   * IdentitiesOnly), then the key files (-i, IdentityFile, or ssh's default files) that load.
   */
  methods(target: Pick<ConnectTarget, 'username' | 'identityFiles' | 'identityAgent' | 'identitiesOnly'>): AuthMethod[] {
    const { username } = target;
    const out: AuthMethod[] = [];
    if (target.identityAgent !== undefined && !target.identitiesOnly) {
      out.push({ type: 'agent', username, agent: target.identityAgent } as AuthMethod);
    }
    for (const file of target.identityFiles) {
      const key = this.load(file, file === this.explicit);
      if (key) out.push({ type: 'publickey', username, key } as AuthMethod);
    }
    return out;
  }

  private load(file: string, required: boolean): ParsedKey | null {
    const cached = this.cache.get(file);
    if (cached !== undefined) return cached;
    let key: ParsedKey | null = null;
    if (existsSync(file)) {
      let parsed: ParsedKey | ParsedKey[] | Error;
      try {
        parsed = utils.parseKey(readFileSync(file), this.passphrase) as ParsedKey | ParsedKey[] | Error;
      } catch (e) {
        parsed = e as Error;
      }
      const first = Array.isArray(parsed) ? parsed[0] : parsed;
      if (first instanceof Error || first === undefined) {
        if (required) throw new UsageError(`cannot use identity file ${file}: ${this.why(first)}`);
      } else key = withFastSign(first);
    } else if (required) {
      throw new UsageError(`identity file ${file} does not exist`);
    }
    this.cache.set(file, key);
    return key;
  }

  /** Why a key file did not load, in words that never quote the file or the passphrase. */
  private why(e: Error | undefined): string {
    if (e === undefined) return 'no key found in it';
    if (/passphrase/i.test(e.message)) {
      return this.passphrase === undefined
        ? 'it is encrypted; give its passphrase in DIRECTOR_PASSPHRASE, or add the key to ssh-agent'
        : 'it is encrypted and DIRECTOR_PASSPHRASE does not open it (wrong passphrase?)';
    }
    return `not a private key director can read (${e.message.split('\n')[0]})`;
  }
}

/**
 * ssh2 signs with the key's PEM text, which OpenSSL parses again for every signature
 * (about 0.4 ms for ed25519); signing with a KeyObject made once costs a tenth of that.
 */
function withFastSign(key: ParsedKey): ParsedKey {
  const pem = key.getPrivatePEM();
  if (!pem) return key;
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch {
    return key;
  }
  const hashSym = Object.getOwnPropertySymbols(key).find((s) => s.description === 'Hash Algorithm');
  const defaultAlgo = hashSym ? ((key as unknown as Record<symbol, string | null>)[hashSym] ?? null) : null;
  const original = key.sign.bind(key);
  key.sign = ((data: Buffer, algo?: string) => {
    try {
      return cryptoSign(algo || defaultAlgo, data, keyObject);
    } catch {
      return original(data, algo);
    }
  }) as ParsedKey['sign'];
  return key;
}
