// What a service is called and where it lives on a client, and the checks of every value a
// user gives for one: all refused (UsageError, exit 2) before any client is contacted.
import { UsageError } from '../config/errors.js';

/** Services live in `~/director/services/<name>/` (remote commands start in the login home). */
export const SERVICES_DIR = 'director/services';

/** A plain word: it is a folder name on the client and a word of remote shell code. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export type RestartPolicy = 'no' | 'on-failure';

/** A log past this size is rotated (the old part kept as `log.1`). */
export const DEFAULT_LOG_LIMIT = 10 * 1024 * 1024;
/** How long a stop waits after TERM before it sends KILL. */
export const DEFAULT_GRACE_S = 10;
/** A service command longer than this would not fit sshd's one-argument limit once encoded. */
const MAX_COMMAND = 64 * 1024;

export function checkServiceName(name: string): string {
  if (!NAME.test(name)) {
    throw new UsageError(`service name ${JSON.stringify(name)}: use letters, digits, "_", "-" and "." (not first), at most 64`);
  }
  return name;
}

export function serviceDir(name: string): string {
  return `${SERVICES_DIR}/${checkServiceName(name)}`;
}

export function parseRestart(text: string | undefined): RestartPolicy {
  if (text === undefined || text === 'no') return 'no';
  if (text === 'on-failure') return 'on-failure';
  throw new UsageError(`--restart must be "no" or "on-failure" (got "${text}")`);
}

export function parsePort(text: string, flag = '--port'): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new UsageError(`${flag} wants a TCP port 1-65535 (got "${text}")`);
  return port;
}

/** Whole seconds, 0 or more (0: KILL at once). */
export function parseGrace(text: string | undefined): number {
  if (text === undefined) return DEFAULT_GRACE_S;
  if (!/^\d+$/.test(text) || Number(text) > 3600) throw new UsageError(`--grace wants whole seconds 0-3600 (got "${text}")`);
  return Number(text);
}

/** `512K`, `10M`, `1G` or bytes; at least 4 KiB. */
export function parseLogLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LOG_LIMIT;
  const m = /^(\d+)([KMG]?)$/i.exec(text);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m?.[2] ?? '').toUpperCase()];
  const bytes = m && unit ? Number(m[1]) * unit : NaN;
  if (!(bytes >= 4096)) throw new UsageError(`--log-limit wants a size of at least 4K such as 512K or 10M (got "${text}")`);
  return bytes;
}

/** The command words, joined as exec joins them: shell code that /bin/sh runs on the client. */
export function serviceCommand(words: readonly string[]): string {
  const code = words.join(' ');
  if (code.trim() === '') throw new UsageError('service start: give the command after "--"');
  if (code.includes('\0')) throw new UsageError('service start: the command cannot contain a NUL byte');
  if (Buffer.byteLength(code) > MAX_COMMAND) throw new UsageError(`service start: the command is over ${MAX_COMMAND / 1024} KiB; put it in a script`);
  return code;
}
