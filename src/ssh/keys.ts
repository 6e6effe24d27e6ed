// Private keys and the agent, loaded once per command and offered to every client.
import { createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { AuthMethod, ParsedKey } from 'ssh2';
import { UsageError } from '../config/errors.js';

const { utils } = ssh2;

export const DEFAULT_KEY_FILES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export class KeyRing {
  private cache = new Map<string, ParsedKey | null>();

  constructor(
    /** -i: when given, the only key director offers besides ssh_config's IdentityFile. */
    private readonly explicit: string | undefined,
    private readonly agentSocket: string | undefined,
    private readonly home = homedir(),
    /** DIRECTOR_PASSPHRASE: decrypts encrypted key files. Never printed, logged or sent. */
    private readonly passphrase?: string,
  ) {
    // A key named with -i must load, or the command stops before contacting anyone.
    if (explicit !== undefined) this.load(explicit, true);
  }

  /** The methods to try for one client, in order; `extraFiles` come from ssh_config IdentityFile. */
  methods(username: string, extraFiles: readonly string[]): AuthMethod[] {
    const out: AuthMethod[] = [];
    const files: string[] = [];
    if (this.explicit !== undefined) files.push(this.explicit);
    files.push(...extraFiles);
    if (this.explicit === undefined && this.agentSocket) {
      out.push({ type: 'agent', username, agent: this.agentSocket } as AuthMethod);
    }
    if (this.explicit === undefined && extraFiles.length === 0) {
      files.push(...DEFAULT_KEY_FILES.map((f) => join(this.home, '.ssh', f)));
    }
    for (const file of [...new Set(files)]) {
      const key = this.load(file, false);
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
