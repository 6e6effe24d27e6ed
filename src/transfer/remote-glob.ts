// gather's remote path: the user's words, with the glob characters they meant (`*`, `?`,
// `[…]`) left for the client's /bin/sh to expand and everything else quoted, so `$(…)`,
// quotes, spaces and `;` are only ever characters of a name. A backslash makes the next
// character literal (`\*` is a star in a name). The word always starts with `./` (from the
// home, or from `/` for an absolute path), so no expansion can look like an option, and a
// path with `..` is refused (it would name something outside what the user wrote).
import { UsageError } from '../config/errors.js';
import { quote } from '../remote-shell.js';
import { remotePath } from './remote-path.js';

export interface RemoteGlob {
  /** Expanded from `/` (else from the login's home). */
  absolute: boolean;
  /** sh text of one word that expands to the matching paths, each starting with `./`. */
  word: string;
}

/** Bracket contents left unquoted: characters with no meaning to sh inside `[…]`. */
const PLAIN_IN_BRACKET = /^[A-Za-z0-9._+,@:%=-]$/;

export function remoteGlob(pattern: string): RemoteGlob {
  if (pattern === '') throw new UsageError('gather: the remote path is empty');
  if (pattern.includes('\0')) throw new UsageError('gather: a remote path cannot contain NUL');
  const path = remotePath(pattern);
  if (path.split('/').includes('..')) throw new UsageError(`gather: ${JSON.stringify(pattern)}: ".." is not allowed; name the path itself`);
  const absolute = path.startsWith('/');
  const body = absolute ? path.replace(/^\/+/, '') : path;
  if (body === '') throw new UsageError('gather: refusing to gather the whole file system ("/")');
  return { absolute, word: `./${globText(body)}` };
}

/** Literal runs quoted, glob characters bare. */
export function globText(s: string): string {
  let out = '';
  let literal = '';
  const flush = () => {
    if (literal !== '') out += quote(literal);
    literal = '';
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && i + 1 < s.length) {
      literal += s[++i];
    } else if (c === '*' || c === '?') {
      flush();
      out += c;
    } else if (c === '[') {
      const end = bracketEnd(s, i);
      if (end === -1) {
        literal += c;
        continue;
      }
      flush();
      out += bracket(s.slice(i + 1, end));
      i = end;
    } else literal += c;
  }
  flush();
  return out;
}

/** Index of the `]` closing the bracket expression opened at `open`, or -1. */
function bracketEnd(s: string, open: number): number {
  let j = open + 1;
  if (s[j] === '!') j++;
  if (s[j] === ']') j++;
  const end = s.indexOf(']', j);
  // A bracket expression never spans a `/` (sh would not read it as one).
  return end === -1 || s.slice(open, end).includes('/') ? -1 : end;
}

function bracket(inner: string): string {
  let out = '[';
  let i = 0;
  if (inner.startsWith('!')) {
    out += '!';
    i = 1;
  }
  for (; i < inner.length; i++) {
    const c = inner[i] as string;
    out += PLAIN_IN_BRACKET.test(c) ? c : c === "'" ? `"'"` : `'${c}'`;
  }
  return `${out}]`;
}
