// OpenSSH known_hosts: parsing and matching, pure. Handles hashed entries (|1|salt|hmac),
// `[host]:port` for non-22 ports, comma lists, `*`/`?` wildcards, `!` negation and the
// @revoked / @cert-authority markers (certificate authorities are not used by director).
import { createHash, createHmac } from 'node:crypto';

export interface KnownHostEntry {
  /** Set by the store that read it: messages name file:line. */
  file?: string;
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written: patterns or a hashed name. */
  hosts: string;
  keyType: string;
  /** base64 of the key blob. */
  key: string;
}

export type HostKeyVerdict =
  | { status: 'match'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry }
  | { status: 'mismatch'; entry: KnownHostEntry }
  | { status: 'unknown' };

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const row = raw.trim();
    if (row === '' || row.startsWith('#')) return;
    const fields = row.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    }
    const [hosts, keyType, key] = fields;
    if (hosts === undefined || keyType === undefined || key === undefined) return;
    const entry: KnownHostEntry = { line: i + 1, hosts, keyType, key };
    if (marker !== undefined) entry.marker = marker;
    out.push(entry);
  });
  return out;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function lookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function hostMatches(hostsField: string, name: string): boolean {
  if (hostsField.startsWith('|1|')) {
    const [, , salt, hash] = hostsField.split('|');
    if (salt === undefined || hash === undefined) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of hostsField.split(',')) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    if (wildcardMatch(body.toLowerCase(), name.toLowerCase())) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function wildcardMatch(pattern: string, name: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === name;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(name);
}

/**
 * Judge a presented host key against the entries, as OpenSSH does: a revoked key is refused;
 * any entry with the same key matches; an entry for this host with another key of the same
 * type (or, failing that, of any type) is a changed key; no entry at all is unknown.
 */
export function judgeHostKey(entries: KnownHostEntry[], name: string, keyType: string, keyB64: string): HostKeyVerdict {
  const mine = entries.filter((e) => e.marker !== 'cert-authority' && hostMatches(e.hosts, name));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key === keyB64);
  if (revoked) return { status: 'revoked', entry: revoked };
  const same = mine.find((e) => e.marker === undefined && e.key === keyB64);
  if (same) return { status: 'match', entry: same };
  const plain = mine.filter((e) => e.marker === undefined);
  const sameType = plain.find((e) => e.keyType === keyType);
  if (sameType) return { status: 'mismatch', entry: sameType };
  const other = plain[0];
  if (other) return { status: 'mismatch', entry: other };
  return { status: 'unknown' };
}

/** Key types recorded for a host, to ask the server for those first. */
export function storedKeyTypes(entries: KnownHostEntry[], name: string): string[] {
  const types: string[] = [];
  for (const e of entries) {
    if (e.marker === undefined && hostMatches(e.hosts, name) && !types.includes(e.keyType)) types.push(e.keyType);
  }
  return types;
}

/** OpenSSH's SHA256 fingerprint: `SHA256:` + unpadded base64 of the blob's digest. */
export function fingerprint(keyB64: string): string {
  const digest = createHash('sha256').update(Buffer.from(keyB64, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH public key blob. */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** A line for known_hosts, in the plain (unhashed) form OpenSSH reads. */
export function formatEntry(name: string, keyType: string, keyB64: string): string {
  return `${name} ${keyType} ${keyB64}`;
}

/** Host key algorithms to offer, with the types we already know for this host first. */
export function preferredHostKeyAlgorithms(knownTypes: string[], all: string[]): string[] {
  const wanted: string[] = [];
  for (const t of knownTypes) {
    const algos = t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t];
    for (const a of algos) if (all.includes(a) && !wanted.includes(a)) wanted.push(a);
  }
  return [...wanted, ...all.filter((a) => !wanted.includes(a))];
}
