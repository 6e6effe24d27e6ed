// The known_hosts file of one command: read once, consulted for every client, added to for
// new hosts under accept-new. Additions are synchronous, one host at a time, so lines of
// clients that connect at the same time never interleave.
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { replaceFileDurably } from '../private-file.js';
import {
  blobKeyType,
  fingerprint,
  formatEntry,
  judgeHostKey,
  lookupName,
  parseKnownHosts,
  storedKeyTypes,
  type KnownHostEntry,
} from './known-hosts.js';

export type HostKeyPolicy = 'strict' | 'accept-new' | 'off';

export interface HostKeyDecision {
  ok: boolean;
  /** Why it was refused, or a note (e.g. "added to known_hosts"). */
  message?: string;
  added?: boolean;
}

export class KnownHostsStore {
  private entries: KnownHostEntry[];
  /** Plain entries by host name, so 256 clients do not scan the whole file 256 times. */
  private byName = new Map<string, KnownHostEntry[]>();
  /** Hashed, wildcard and @revoked entries: always checked. */
  private others: KnownHostEntry[] = [];
  private lines: number;

  constructor(
    readonly file: string,
    readonly policy: HostKeyPolicy,
  ) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    this.entries = policy === 'off' ? [] : parseKnownHosts(text);
    for (const e of this.entries) this.index(e);
    this.lines = text === '' ? 0 : text.split(/\r?\n/).length - (text.endsWith('\n') ? 1 : 0);
  }

  private index(e: KnownHostEntry): void {
    const names = e.hosts.split(',');
    if (e.marker !== undefined || e.hosts.startsWith('|') || names.some((n) => /[*?!]/.test(n))) {
      this.others.push(e);
      return;
    }
    for (const n of names) {
      const key = n.toLowerCase();
      const list = this.byName.get(key) ?? [];
      list.push(e);
      this.byName.set(key, list);
    }
  }

  /** The entries that may concern `name`, in file order. */
  private candidates(name: string): KnownHostEntry[] {
    const plain = this.byName.get(name.toLowerCase()) ?? [];
    return [...plain, ...this.others].sort((a, b) => a.line - b.line);
  }

  keyTypesFor(host: string, port: number): string[] {
    const name = lookupName(host, port);
    return storedKeyTypes(this.candidates(name), name);
  }

  decide(host: string, port: number, blob: Buffer): HostKeyDecision {
    if (this.policy === 'off') return { ok: true, message: 'warning: --host-key-checking off: host keys are not verified' };
    const name = lookupName(host, port);
    const keyB64 = blob.toString('base64');
    const keyType = blobKeyType(blob);
    const verdict = judgeHostKey(this.candidates(name), name, keyType, keyB64);
    switch (verdict.status) {
      case 'match':
        return { ok: true };
      case 'revoked':
        return { ok: false, message: `host key of ${name} is marked @revoked in ${this.file}:${verdict.entry.line}` };
      case 'mismatch':
        return {
          ok: false,
          message:
            `HOST KEY CHANGED for ${name}: ${this.file}:${verdict.entry.line} has ${verdict.entry.keyType} ` +
            `${fingerprint(verdict.entry.key)}, the host offered ${keyType} ${fingerprint(keyB64)}; ` +
            `if the change is expected, remove that line (ssh-keygen -R '${name}' -f ${this.file})`,
        };
      case 'unknown':
        if (this.policy === 'strict') {
          return {
            ok: false,
            message: `${name} is not in ${this.file} (host key ${keyType} ${fingerprint(keyB64)}); strict checking refuses unknown hosts`,
          };
        }
        try {
          this.append(name, keyType, keyB64);
        } catch (e) {
          // As OpenSSH does ("Failed to add the host to the list of known hosts"): the key is
          // accepted for this run, and the user is told it was not recorded.
          return { ok: true, message: `warning: ${name} (${keyType} ${fingerprint(keyB64)}) accepted but not recorded: ${(e as Error).message}` };
        }
        return { ok: true, added: true, message: `added ${name} (${keyType} ${fingerprint(keyB64)}) to ${this.file}` };
    }
  }

  /**
   * Adds one line by rewriting the file whole (replaceFileDurably: temp file, every byte
   * checked, fsync, rename): a crash or a full disk never leaves half a line. The file is re-read first so
   * lines added meanwhile (by ssh or another run) are kept; a new file is 0600, an existing
   * one keeps its mode, and a symlinked file is written where the link points. Anything but
   * a regular file (`--known-hosts /dev/null`, a FIFO) is only appended to: a rename would
   * replace the device itself.
   */
  private append(name: string, keyType: string, keyB64: string): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const line = `${formatEntry(name, keyType, keyB64)}\n`;
    if (existsSync(this.file) && !statSync(this.file).isFile()) {
      appendFileSync(this.file, line);
      this.lines += 1;
    } else {
      let current = '';
      try {
        current = readFileSync(this.file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      const next = `${current}${current !== '' && !current.endsWith('\n') ? '\n' : ''}${line}`;
      replaceFileDurably(this.file, next);
      this.lines = next.split('\n').length - 1;
    }
    const entry: KnownHostEntry = { line: this.lines, hosts: name, keyType, key: keyB64 };
    this.entries.push(entry);
    this.index(entry);
  }
}
