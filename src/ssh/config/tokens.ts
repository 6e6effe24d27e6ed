// `%` tokens, `${VAR}` and `~`, expanded as ssh does (misc.c percent_expand and tilde_expand,
// ssh.c's token sets). A token a keyword does not know is an error, as in ssh.
import { createHash } from 'node:crypto';

/** The values tokens stand for, for one connection. */
export interface TokenValues {
  /** %h: the remote host name after HostName. */
  host: string;
  /** %n: the host as given. */
  originalHost: string;
  /** %p */
  port: number;
  /** %r */
  user: string;
  /** %u */
  localUser: string;
  /** %d */
  home: string;
  /** %l: this machine's host name; %L is its first label. */
  thisHost: string;
  /** %i */
  uid: number;
  /** %k: HostKeyAlias, else the host as given. */
  keyAlias: string;
}

/** Which tokens a keyword knows. */
export type TokenSet = 'hostname' | 'default' | 'proxy';

export class TokenError extends Error {}

/** %C: SHA-1 of %l%h%p%r, as ssh's ssh_connection_hash(). */
export function connectionHash(v: TokenValues): string {
  return createHash('sha1').update(`${v.thisHost}${v.host}${v.port}${v.user}`).digest('hex');
}

function table(set: TokenSet, v: TokenValues): Record<string, string> {
  // HostName knows only %h, and it is the host argument there.
  if (set === 'hostname') return { h: v.originalHost };
  const proxy = { h: v.host, k: v.keyAlias, n: v.originalHost, p: String(v.port), r: v.user };
  if (set === 'proxy') return proxy;
  return {
    ...proxy,
    C: connectionHash(v),
    L: v.thisHost.split('.')[0] ?? v.thisHost,
    i: String(v.uid),
    l: v.thisHost,
    d: v.home,
    u: v.localUser,
  };
}

/**
 * percent_expand() (and, with `env`, percent_dollar_expand()): `%%` is `%`, `%x` the value of
 * token x, `${VAR}` the environment variable. Throws TokenError for an unknown token, a
 * trailing `%` or an unset variable.
 */
export function expandTokens(s: string, set: TokenSet, v: TokenValues, env?: Readonly<Record<string, string | undefined>>): string {
  const values = table(set, v);
  let out = '';
  for (let i = 0; i < s.length; i += 1) {
    const c = s[i]!;
    if (env !== undefined && c === '$' && s[i + 1] === '{') {
      const end = s.indexOf('}', i + 2);
      if (end === -1) throw new TokenError(`environment variable '${s.slice(i + 2)}' missing closing '}'`);
      const name = s.slice(i + 2, end);
      if (name === '') throw new TokenError('zero-length environment variable');
      const val = env[name];
      if (val === undefined) throw new TokenError(`env var \${${name}} has no value`);
      out += val;
      i = end;
      continue;
    }
    if (c !== '%') {
      out += c;
      continue;
    }
    const t = s[i + 1];
    i += 1;
    if (t === '%') out += '%';
    else if (t === undefined) throw new TokenError('invalid format: a trailing %');
    else if (Object.hasOwn(values, t)) out += values[t];
    else throw new TokenError(`unknown key %${t}`);
  }
  return out;
}

/** tilde_expand(): `~` and `~/…` are the home folder; `~user` is not ours to look up. */
export function expandTilde(path: string, home: string): string {
  if (path !== '~' && !path.startsWith('~/')) {
    if (path.startsWith('~')) throw new TokenError(`cannot expand ${path}: only ~ and ~/ are supported`);
    return path;
  }
  const tail = path.slice(1).replace(/^\/+/, '');
  return `${home.endsWith('/') ? home : `${home}/`}${tail}`;
}
