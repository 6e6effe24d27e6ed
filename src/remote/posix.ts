// director's own remote code runs under /bin/sh, whatever the user's login shell. sshd hands
// every command to the login shell (`$SHELL -c command`), and bash, dash, zsh, ash, fish and
// tcsh read the same text differently: fish exits 0 on a parse error, tcsh has no `$( )`, no
// `fi`, and reads `2>` as a file name. So the command sent is a one-liner that every one of
// them reads the same way: `exec /bin/sh -c '…'`, whose single-quoted part holds no `'`, `\`,
// `!` or newline (the characters fish, tcsh or csh would still act on there), and which
// decodes the real code from base64.
//
// What director reads back is framed: a line `<token> <word>` with a token fresh for each
// command, so text an rc file prints on login (a banner in .bashrc) is passed over, and a
// command that never ran (its answer line is missing) is told apart from one that did.
import { takeRandom } from '../random-pool.js';
import { quote } from '../remote-shell.js';

/** The command text for sshd: runs `code` (POSIX sh) under /bin/sh on any login shell. */
export function underSh(code: string): string {
  const b64 = Buffer.from(code, 'utf8').toString('base64');
  return `exec /bin/sh -c 'eval "$(printf %s ${b64} | base64 -d)"'`;
}

/**
 * Runs the sh script at the absolute `path` under /bin/sh on any login shell. A path of plain
 * characters reads alike in every shell as it is, so the command needs no base64 decoding
 * (the cheap form, for commands sent thousands of times); any other goes through underSh.
 */
export function shScriptCommand(path: string): string {
  return /^\/[A-Za-z0-9_./-]+$/.test(path) ? `exec /bin/sh ${path}` : underSh(`exec /bin/sh ${quote(path)}`);
}

/** A fresh token for one command's answer lines. */
export function answerToken(): string {
  return `__director_${tokenHex(8)}__`;
}

/**
 * `bytes` random bytes as hex, never handed out twice. Tokens are made per client and per
 * command (or shell line): from a pool (random-pool.ts), not a randomBytes call each.
 */
export function tokenHex(bytes: number): string {
  return takeRandom(bytes).toString('hex');
}

/** `printf` of an answer line: `<token> <word>`; `word` must be a plain word. */
export function answer(token: string, word: string): string {
  return `printf '%s %s\\n' ${token} ${word}`;
}

/** The words of the answer lines in `stdout`, in order; everything else is passed over. */
export function answers(stdout: string, token: string): string[] {
  const out: string[] = [];
  for (const line of stdout.split('\n')) {
    const at = line.indexOf(`${token} `);
    if (at !== -1) out.push(line.slice(at + token.length + 1).trim());
  }
  return out;
}

/**
 * Why director's own command did not run at all on a client, from what came back: the shell
 * could not start /bin/sh or base64, or exited before the code did.
 */
export function didNotRun(code: number | null, stderr: string): string {
  const last = stderr.trim().split('\n').filter((l) => l.trim() !== '').pop();
  const missing = /base64: (?:not found|command not found)|base64: No such file/i.test(stderr)
    ? 'the client has no base64 (coreutils or busybox)'
    : /\/bin\/sh: (?:not found|No such file)/i.test(stderr)
      ? 'the client has no /bin/sh'
      : undefined;
  return `director's command did not run on the client${missing ? `: ${missing}` : last ? `: ${last}` : ` (exit status ${code ?? 'none'})`}`;
}
