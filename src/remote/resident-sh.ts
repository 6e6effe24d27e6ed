// director shell's resident shell: one long-lived exec channel per client running a POSIX sh
// loop, so a typed line costs a fork of that sh and an exec of the login shell instead of a
// whole SSH session (sshd forks a session process and a login shell for every channel).
//
// The loop reads requests on its standard input: a line holding a fresh token, sh code, and
// the token's line again; it evals the code. director writes each request (requestText), so
// the code is built only from words quoted by remote-shell.ts. The line's own command runs in
// a subshell with stdin from /dev/null, so it can never read the requests (nor the tokens of
// later lines), and as `$SHELL -c <line>`: the user's login shell reads it as it reads
// `ssh host line` (exec's words). What comes back is framed on each stream by lines
// `<token> <word> [value]`: begin (stdout: `pid <pid>`, the login shell's pid, for the
// verified kill), then the command's bytes as they are, then `end` (stdout: the exit status).
// The token is not in the command's argv or environment, so its output cannot fake a frame.
import { envPrefix, quote } from '../remote-shell.js';
import { tokenHex, underSh } from './posix.js';

/** A fresh token for one line (or for the start): hex, so it is a plain sh word. */
export function residentToken(): string {
  return `__director_line_${tokenHex(12)}__`;
}

/**
 * The resident loop's command for sshd. It answers `<token> ready` on both streams once it
 * reads requests: whatever a chatty rc file printed at login comes before and is passed over.
 * It ends at the end of its input (director closed the channel's stdin).
 *
 * `L token env line` runs one line. SHLVL is unset so that bash reads ~/.bashrc for the line as
 * it does under sshd (started from a shell it would skip it); the DIRECTOR_* values are
 * exported by the sh, so every login shell family (csh's setenv included) sees them alike. The
 * token is a variable of the sh, not exported: gone at the exec of the login shell.
 */
export function residentCommand(startToken: string): string {
  return underSh(
    [
      "nl='\n'",
      'L() {',
      `  ( s=; read s </proc/self/stat 2>/dev/null; printf '%s pid %s\\n' "$1" "\${s%% *}"; printf '%s begin\\n' "$1" >&2; unset SHLVL; eval "$2"; exec "\${SHELL:-/bin/sh}" -c "$3" ) </dev/null`,
      `  s=$?; printf '%s end %s\\n' "$1" "$s"; printf '%s end\\n' "$1" >&2`,
      '}',
      `printf '%s ready\\n' ${startToken}; printf '%s ready\\n' ${startToken} >&2`,
      'while IFS= read -r t; do',
      '  r=',
      '  while IFS= read -r l; do [ "$l" = "$t" ] && break; r="$r$l$nl"; done',
      '  eval "$r"',
      'done',
    ].join('\n'),
  );
}

/** One line's request: the token alone on a line, the call of `L` with the line's words, the token again. */
export function requestText(token: string, env: Readonly<Record<string, string>>, command: string): string {
  const exported = Object.keys(env).length > 0 ? `export ${envPrefix(env)}` : ':';
  return `${token}\nL ${token} ${quote(exported)} ${quote(command)}\n${token}\n`;
}
