// Every failure at one client becomes a HostError with a kind a person can act on.
export type HostErrorKind =
  | 'unreachable'
  | 'connect-timeout'
  | 'auth'
  | 'host-key'
  | 'timeout'
  | 'remote-exit'
  | 'io'
  | 'checksum'
  | 'interrupted';

export class HostError extends Error {
  constructor(
    readonly kind: HostErrorKind,
    message: string,
    /** The server closed the connection mid-handshake (sshd's MaxStartups drops): worth a retry. */
    readonly droppedInHandshake = false,
  ) {
    super(message);
    this.name = 'HostError';
  }
}

/** Short labels used in summaries: `host9 (auth failed)`. */
export const KIND_LABEL: Record<HostErrorKind, string> = {
  unreachable: 'unreachable',
  'connect-timeout': 'connect timeout',
  auth: 'auth failed',
  'host-key': 'host key',
  timeout: 'timed out',
  'remote-exit': 'remote exit',
  io: 'i/o error',
  checksum: 'checksum',
  interrupted: 'interrupted',
};

interface SshLikeError {
  code?: unknown;
  level?: unknown;
  message: string;
}

/** Turn whatever ssh2 or the socket threw while connecting into a HostError. */
export function classifyConnectError(err: unknown, connectTimeoutS: number): HostError {
  if (err instanceof HostError) return err;
  const e = (err ?? {}) as SshLikeError;
  const code = typeof e.code === 'string' ? e.code : '';
  const msg = typeof e.message === 'string' ? e.message : String(err);
  if (code === 'ECONNREFUSED') return new HostError('unreachable', 'connection refused');
  if (code === 'EHOSTUNREACH') return new HostError('unreachable', 'no route to host');
  if (code === 'ENETUNREACH') return new HostError('unreachable', 'network unreachable');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || e.level === 'client-dns') {
    return new HostError('unreachable', `cannot resolve host name (${code || msg})`);
  }
  if (code === 'ETIMEDOUT' || e.level === 'client-timeout' || /timed out/i.test(msg)) {
    return new HostError('connect-timeout', `no SSH handshake within ${connectTimeoutS}s`);
  }
  // Session.open words a login failure itself (auth-attempts.ts); these are for anything else.
  if (e.level === 'client-authentication') return new HostError('auth', `authentication failed (${msg})`);
  if (/too many authentication failures/i.test(msg)) return new HostError('auth', `the server ended the login (${msg})`);
  if (code === 'ECONNRESET' || /before handshake|Connection lost/i.test(msg)) {
    return new HostError('unreachable', `connection closed during handshake (${msg})`, true);
  }
  return new HostError('unreachable', msg);
}
