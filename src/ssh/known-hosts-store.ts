// The known_hosts files of one command: each set read once, consulted for every client that
// uses it, the first file added to for new hosts under accept-new. Additions are synchronous,
// one host at a time, so lines of clients that connect at the same time never interleave.
// Which files and which policy a client gets comes from its target (--known-hosts, else
// UserKnownHostsFile and GlobalKnownHostsFile; --host-key-checking, else StrictHostKeyChecking).
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
import type { HostKeyCheck } from './target.js';

export type HostKeyPolicy = 'strict' | 'accept-new' | 'off';

export interface HostKeyDecision {
  ok: boolean;
  /** Why it was refused, or a note (e.g. "added to known_hosts"). */
  message?: string;
  added?: boolean;
}

/** One store per set of files and policy, shared by the clients (and bastions) that use it. */
export class KnownHostsBook {
  private stores = new Map<string, KnownHostsStore>();

  for(check: HostKeyCheck): KnownHostsStore {
    const key = JSON.stringify([check.files, check.globalFiles, check.policy]);
    let store = this.stores.get(key);
    if (store === undefined) {
      store = new KnownHostsStore(check.files, check.policy, check.globalFiles);
      this.stores.set(key, store);
    }
    return store;
  }
}

/** The name keys are looked up under: HostKeyAlias as written, else `host` or `[host]:port`. */
export function hostKeyName(hostname: string, port: number, alias: string | null): string {
  return alias ?? lookupName(hostname, port);
}

export class KnownHostsStore {
  private entries: KnownHostEntry[] = [];
  /** Plain entries by host name, so 256 clients do not scan the whole file 256 times. */
  private byName = new Map<string, KnownHostEntry[]>();
  /** Hashed, wildcard and @revoked entries: always checked. */
  private others: KnownHostEntry[] = [];
  /** Reading order of every entry (files in order, lines in order). */
  private order = new Map<KnownHostEntry, number>();
  private lines = 0;
  /** Where new keys are written; undefined for UserKnownHostsFile none. */
  readonly file: string | undefined;

  constructor(
    files: string | readonly string[],
    readonly policy: HostKeyPolicy,
    globalFiles: readonly string[] = [],
  ) {
    const user = typeof files === 'string' ? [files] : files;
    this.file = user[0];
    if (policy === 'off') return;
    for (const f of [...user, ...globalFiles]) {
      const text = readIfThere(f);
      for (const e of parseKnownHosts(text)) this.index({ ...e, file: f });
      if (f === this.file) this.lines = text === '' ? 0 : text.split(/\r?\n/).length - (text.endsWith('\n') ? 1 : 0);
    }
  }

  private index(e: KnownHostEntry): void {
    this.order.set(e, this.order.size);
    this.entries.push(e);
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

  /** The entries that may concern `name`, in reading order. */
  private candidates(name: string): KnownHostEntry[] {
    const plain = this.byName.get(name.toLowerCase()) ?? [];
    return [...plain, ...this.others].sort((a, b) => this.order.get(a)! - this.order.get(b)!);
  }

  keyTypesFor(name: string): string[] {
    return storedKeyTypes(this.candidates(name), name);
  }

  /** `name` as hostKeyName() makes it. */
  decide(name: string, blob: Buffer): HostKeyDecision {
    if (this.policy === 'off') return { ok: true, message: 'warning: host key checking is off (--host-key-checking off or StrictHostKeyChecking no): host keys are not verified' };
    const keyB64 = blob.toString('base64');
    const keyType = blobKeyType(blob);
    const verdict = judgeHostKey(this.candidates(name), name, keyType, keyB64);
    const at = (e: KnownHostEntry) => `${e.file ?? this.file}:${e.line}`;
    switch (verdict.status) {
      case 'match':
        return { ok: true };
      case 'revoked':
        return { ok: false, message: `host key of ${name} is marked @revoked in ${at(verdict.entry)}` };
      case 'mismatch':
        return {
          ok: false,
          message:
            `HOST KEY CHANGED for ${name}: ${at(verdict.entry)} has ${verdict.entry.keyType} ` +
            `${fingerprint(verdict.entry.key)}, the host offered ${keyType} ${fingerprint(keyB64)}; ` +
            `if the change is expected, remove that line (ssh-keygen -R '${name}' -f ${verdict.entry.file ?? this.file})`,
        };
      case 'unknown': {
        const where = this.file ?? 'any known_hosts file (UserKnownHostsFile none)';
        if (this.policy === 'strict') {
          return {
            ok: false,
            message: `${name} is not in ${where} (host key ${keyType} ${fingerprint(keyB64)}); strict checking refuses unknown hosts`,
          };
        }
        if (this.file === undefined) {
          return { ok: true, message: `warning: ${name} (${keyType} ${fingerprint(keyB64)}) accepted but not recorded: UserKnownHostsFile is none` };
        }
        try {
          this.append(this.file, name, keyType, keyB64);
        } catch (e) {
          // As OpenSSH does ("Failed to add the host to the list of known hosts"): the key is
          // accepted for this run, and the user is told it was not recorded.
          return { ok: true, message: `warning: ${name} (${keyType} ${fingerprint(keyB64)}) accepted but not recorded: ${(e as Error).message}` };
        }
        return { ok: true, added: true, message: `added ${name} (${keyType} ${fingerprint(keyB64)}) to ${this.file}` };
      }
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
  private append(file: string, name: string, keyType: string, keyB64: string): void {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const line = `${formatEntry(name, keyType, keyB64)}\n`;
    if (existsSync(file) && !statSync(file).isFile()) {
      appendFileSync(file, line);
      this.lines += 1;
    } else {
      const current = readIfThere(file);
      const next = `${current}${current !== '' && !current.endsWith('\n') ? '\n' : ''}${line}`;
      replaceFileDurably(file, next);
      this.lines = next.split('\n').length - 1;
    }
    this.index({ file, line: this.lines, hosts: name, keyType, key: keyB64 });
  }
}

function readIfThere(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return '';
    throw e;
  }
}
