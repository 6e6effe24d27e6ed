// Identity files as OpenSSH reads them: the public key from the `.pub` beside the file, the
// file itself when it is a public key, or the public part of the private key (readable even
// when the key is encrypted); the private key when it opens. Only paths and fingerprints
// ever leave this module in words: never key material.
import { createHash, createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import ssh2 from './ssh2.js';
import type { ParsedKey } from 'ssh2';

const { utils } = ssh2;

export interface FileIdentity {
  /** The path as configured (-i, IdentityFile, or ssh's default). */
  file: string;
  /** The public key blob (ssh wire form), when one could be read. */
  blob: Buffer | undefined;
  /** The private key, ready to sign, when it opened. */
  key: ParsedKey | undefined;
  /** Why the file cannot sign by itself (no private key beside a .pub, encrypted…). */
  problem: string | undefined;
}

/** `SHA256:…` as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A path as people write it: `~/.ssh/id_ed25519`. */
export function shownPath(file: string, home = homedir()): string {
  return home !== '/' && file.startsWith(`${home}/`) ? `~${file.slice(home.length)}` : file;
}

/**
 * Reads one identity file; undefined when neither it nor its `.pub` exists (ssh skips such
 * a file in silence unless it was named with -i). `key.pub` stands for the private `key`
 * beside it when that exists (OpenSSH 9.2 itself would sign only with the agent's copy).
 */
export function readIdentity(file: string, passphrase: string | undefined): FileIdentity | undefined {
  const base = file.endsWith('.pub') ? file.slice(0, -4) : file;
  const pubFile = `${base}.pub`;
  // A keeper serves many commands in one process: a key file read before is parsed again only
  // when it or its .pub changed (parsing and preparing an ed25519 key costs ~1–10 ms).
  const stamp = `${fileStamp(base)}|${fileStamp(pubFile)}`;
  const known = readBefore.get(file);
  if (known !== undefined && known.stamp === stamp && known.passphrase === passphrase) return known.id;
  const id = readIdentityNow(file, base, pubFile, passphrase);
  readBefore.set(file, { stamp, passphrase, id });
  return id;
}

const readBefore = new Map<string, { stamp: string; passphrase: string | undefined; id: FileIdentity | undefined }>();

/** What changes when a file is written, replaced or removed (ctime cannot be set back). */
function fileStamp(path: string): string {
  const st = statSync(path, { throwIfNoEntry: false, bigint: true });
  return st === undefined ? '-' : `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.mode}`;
}

function readIdentityNow(file: string, base: string, pubFile: string, passphrase: string | undefined): FileIdentity | undefined {
  const hasPrivate = existsSync(base);
  const hasPub = existsSync(pubFile);
  if (!hasPrivate && !hasPub) return undefined;
  const id: FileIdentity = { file, blob: undefined, key: undefined, problem: undefined };
  const text = hasPrivate ? readable(base) : undefined;
  if (typeof text === 'string') {
    id.problem = text;
  } else if (text !== undefined) {
    const parsed = parse(text, passphrase);
    if (parsed instanceof Error) {
      id.problem = why(parsed, passphrase);
      id.blob = publicOf(text);
    } else if (parsed.isPrivateKey()) {
      id.key = withFastSign(parsed);
      id.blob = id.key.getPublicSSH();
    } else {
      id.problem = 'it is a public key, with no private key beside it';
      id.blob = parsed.getPublicSSH();
    }
  } else {
    id.problem = `no private key beside it (${base})`;
  }
  const pubText = id.blob === undefined && hasPub ? readable(pubFile) : undefined;
  if (pubText instanceof Buffer) {
    const pub = parse(pubText, undefined);
    if (!(pub instanceof Error)) id.blob = pub.getPublicSSH();
  }
  return id;
}

/** The file's bytes, or why it cannot be read (a folder, no permission). */
function readable(file: string): Buffer | string {
  try {
    return readFileSync(file);
  } catch (e) {
    return `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
}

function parse(data: Buffer, passphrase: string | undefined): ParsedKey | Error {
  try {
    const parsed = utils.parseKey(data, passphrase) as ParsedKey | ParsedKey[] | Error;
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    return first ?? new Error('no key found in it');
  } catch (e) {
    return e as Error;
  }
}

/** Why a key file did not open, in words that never quote the file or the passphrase. */
function why(e: Error, passphrase: string | undefined): string {
  if (/passphrase/i.test(e.message)) {
    return passphrase === undefined
      ? 'it is encrypted; give its passphrase in DIRECTOR_PASSPHRASE, or add the key to ssh-agent'
      : 'it is encrypted and DIRECTOR_PASSPHRASE does not open it (wrong passphrase?)';
  }
  return `not a private key director can read (${e.message.split('\n')[0]})`;
}

/**
 * The public key in the clear header of an OpenSSH private key (`openssh-key-v1`: cipher,
 * kdf, kdf options, key count, then the first public key), so an encrypted key can still be
 * matched with its copy in the agent.
 */
function publicOf(text: Buffer): Buffer | undefined {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text.toString('latin1'));
  if (m === null) return undefined;
  const data = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (data.subarray(0, magic.length).toString('latin1') !== magic) return undefined;
  let at = magic.length;
  const next = (): Buffer | undefined => {
    if (at + 4 > data.length) return undefined;
    const len = data.readUInt32BE(at);
    if (at + 4 + len > data.length) return undefined;
    const out = data.subarray(at + 4, at + 4 + len);
    at += 4 + len;
    return out;
  };
  for (let i = 0; i < 3; i++) if (next() === undefined) return undefined; // cipher, kdf, kdf options
  if (at + 4 > data.length || data.readUInt32BE(at) < 1) return undefined;
  at += 4;
  const blob = next();
  return blob === undefined || blob.length === 0 ? undefined : Buffer.from(blob);
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
