// The family of a client's login shell, asked once per connection when it matters: the user's
// exec words are the login shell's own code, and csh reads a line `a; b & c` as one background
// job `a; b` beside `c`, so a marker in front of such a line cannot stop a csh before the
// user's code starts. Lines without `&` need no question (remote/kill.ts pidMarkCommand).
import type { Session } from '../ssh/session.js';
import { answers, answerToken, underSh } from './posix.js';

export type ShellFamily = 'posix' | 'csh';

const asked = new WeakMap<Session, Promise<ShellFamily>>();

/** csh and tcsh set variables with `setenv`; sh, bash, dash, zsh, ksh, ash and fish read `export`. */
export function familyOf(shellPath: string): ShellFamily {
  return /(^|\/)t?csh$/.test(shellPath.trim()) ? 'csh' : 'posix';
}

export function loginShellFamily(session: Session): Promise<ShellFamily> {
  let known = asked.get(session);
  if (known === undefined) {
    const token = answerToken();
    known = session
      .capture(underSh(`printf '%s %s\\n' ${token} "\${SHELL:-/bin/sh}"`))
      .then(({ stdout }) => familyOf(answers(stdout, token)[0] ?? ''), () => 'posix' as const);
    asked.set(session, known);
  }
  return known;
}

/** Whether the first line of exec's words could make csh run them before a marker in front. */
export function needsFamilyFirst(words: readonly string[]): boolean {
  return (words.join(' ').split('\n')[0] ?? '').includes('&');
}
