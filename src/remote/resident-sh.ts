// director shell's resident shell: one long-lived exec channel per client running a loop that
// reads lines, so a typed line costs the client a fork instead of a whole SSH session (sshd
// forks a session process and a login shell for every channel).
//
// The loop runs in the user's login shell when that is a POSIX shell (bash, zsh, dash, ash,
// mksh), started once the way sshd starts it, rc files and all; a line then runs in a
// subshell of it, by eval: a fork, no exec of a new shell. Under fish, tcsh or another shell
// the loop runs in /bin/sh and a line is `$SHELL -c <line>`, as `ssh host line` runs it.
// (Measured with bash: 1.6 ms of CPU per line that way, 0.6 ms by eval.)
//
// The loop reads requests on its standard input: a line holding a fresh token, sh code that
// sets the line's environment and words, and the token's line again. director writes each
// request (requestText), so the code is built only from words quoted by remote-shell.ts. The
// line runs with stdin from /dev/null, so it can never read the requests (nor the tokens of
// later lines). What comes back is framed on each stream by lines `<token> <word> [value]`:
// begin (stdout: `pid <pid>`, the line's subshell, for the verified kill), then the command's
// bytes as they are, then `end` (stdout: the exit status). The token is neither in the line's
// argv nor its environment, and the loop's variables are unset before the line runs, so its
// output cannot fake a frame.
import { envPrefix, quote } from '../remote-shell.js';
import { tokenHex, underSh } from './posix.js';

/** A fresh token for one line (or for the start): hex, so it is a plain sh word. */
export function residentToken(): string {
  return `__director_line_${tokenHex(12)}__`;
}

/**
 * Login shells that read the loop as sh code (the loop then runs in them, lines by eval). Not
 * ksh93: it may run `( … )` without a fork, and the line's pid would be the loop's.
 */
const POSIX_SHELLS = ['sh', 'bash', 'dash', 'ash', 'zsh', 'mksh'];

/**
 * The resident loop's command for sshd. Its first line of input is a start token (startText),
 * which it answers with `<token> ready` on both streams: whatever a chatty rc file printed at
 * login comes before and is passed over. (The token comes on stdin, not in the command: bash
 * shows its -c string to the lines, as BASH_EXECUTION_STRING.) It ends at the end of its
 * input (director closed the channel's stdin).
 *
 * SHLVL is unset before a login shell starts (the resident one, or each line's under fish or
 * tcsh) so that bash reads ~/.bashrc as it does under sshd (started from a shell it would skip
 * it). The DIRECTOR_* values are exported by the shell, so every login shell family (csh's
 * setenv included) sees them alike.
 */
export function residentCommand(): string {
  const loop = [
    // Options an rc file set (errexit, nounset, xtrace) are not the loop's: a failing line must not end it.
    'set +e +u +x +v',
    "__director_nl='\n'",
    'IFS= read -r __director_t',
    `printf '%s ready\\n' "$__director_t"; printf '%s ready\\n' "$__director_t" >&2`,
    'while IFS= read -r __director_t; do',
    '  __director_r=',
    '  while IFS= read -r __director_l; do [ "$__director_l" = "$__director_t" ] && break; __director_r="$__director_r$__director_l$__director_nl"; done',
    // A request that did not read as sh runs this instead: never the previous line again.
    `  __director_e=:; __director_c='echo "director: the resident shell could not read this line" >&2; exit 2'`,
    '  eval "$__director_r"',
    '  (',
    '    __director_p=${BASHPID-}',
    '    [ -n "$__director_p" ] || { read __director_p </proc/self/stat; __director_p=${__director_p%% *}; } 2>/dev/null',
    `    printf '%s pid %s\\n' "$__director_t" "$__director_p"; printf '%s begin\\n' "$__director_t" >&2`,
    '    eval "$__director_e"',
    '    if [ -n "${__director_exec-}" ]; then unset SHLVL; exec "${SHELL:-/bin/sh}" -c "$__director_c"; fi',
    '    unset __director_t __director_r __director_l __director_e __director_p __director_nl __director_exec __director_s',
    '    eval "$__director_c"',
    '  ) </dev/null',
    `  __director_s=$?; printf '%s end %s\\n' "$__director_t" "$__director_s"; printf '%s end\\n' "$__director_t" >&2`,
    'done',
  ].join('\n');
  return underSh(
    [
      `__director_loop=${quote(loop)}`,
      `case \${SHELL##*/} in ${POSIX_SHELLS.join('|')}) unset SHLVL; exec "$SHELL" -c "$__director_loop" ;; esac`,
      '__director_exec=1',
      'eval "$__director_loop"',
    ].join('\n'),
  );
}

/** The first line of the loop's input: the token it answers `ready` with. */
export function startText(token: string): string {
  return `${token}\n`;
}

/** One line's request: the token alone on a line, the line's environment and words as sh assignments, the token again. */
export function requestText(token: string, env: Readonly<Record<string, string>>, command: string): string {
  const exported = Object.keys(env).length > 0 ? `export ${envPrefix(env)}` : ':';
  return `${token}\n__director_e=${quote(exported)} __director_c=${quote(command)}\n${token}\n`;
}
