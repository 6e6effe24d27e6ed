// Stopping a remote command for good, and knowing it. A command that may have to be stopped
// (a time limit, Ctrl-C) starts with a marker that names its login shell's pid; the kill then
// runs on a channel of its own, under /bin/sh whatever the login shell: it collects that
// shell's whole process tree from /proc (and its process group, when the shell leads one —
// under OpenSSH it does, under dropbear it does not, so the tree is what counts), freezes it,
// kills it, and reports which of those processes are still alive afterwards. director says
// "killed" only when none is.
import { underSh } from './posix.js';

export const PID_MARKER = '__director_pid__';

/**
 * Prints `__director_pid__ <pid>` on stderr, <pid> being the login shell's: an external
 * /bin/sh reports its parent, so the text works the same in sh, bash, zsh, fish and tcsh.
 * With `stopIfCsh`, a csh-family login shell is killed on the spot instead (and says so), so
 * that POSIX-and-fish text after the marker never runs under csh; the caller runs the csh
 * form of the command instead.
 */
export function pidMarkCommand(stopIfCsh = false): string {
  // The login shell is the ancestor whose parent is the SSH server's session process: a
  // shell may run the marker from a subshell of its own (tcsh does when the line has a `&`).
  const find =
    'p=$PPID; while [ "$p" -gt 1 ]; do s=; read s < /proc/$p/stat 2>/dev/null || break; s=${s##*") "}; set -- $s; c=; ' +
    'read c < /proc/$2/comm 2>/dev/null; case $c in sshd*|dropbear*) break;; esac; p=$2; done; [ "$p" -gt 1 ] || p=$PPID';
  const say = `echo ${PID_MARKER} $p`;
  // The login shell's name goes with its pid: the connection then knows it (pidMarkIn). The
  // sniffer takes only [a-z0-9]+ names. (No `!` in this text: tcsh expands it even in quotes.)
  const named = 'c=; read c < /proc/$p/comm 2>/dev/null';
  const tail = stopIfCsh ? `case $c in *csh) ${say} csh >&2; kill -KILL $p;; *) ${say} shell=$c >&2;; esac` : `${say} shell=$c >&2`;
  return `/bin/sh -c '${find}; ${named}; ${tail}'`;
}

/**
 * The login shells whose own builtin can print the marker: there `$$` is the login shell's
 * pid in any subshell, and no /bin/sh has to be started to find it (a fork and an exec less
 * per command: on a kept connection that is about half of sshd's work for `true`). bash and
 * zsh are asked for their builtin by name (zsh's `command` runs the external printf); in the
 * others `command` skips a function of that name.
 */
const BUILTIN_MARK: Readonly<Record<string, string>> = {
  bash: 'builtin printf',
  zsh: 'builtin printf',
  dash: 'command printf',
  sh: 'command printf',
  ash: 'command printf',
  ksh: 'command printf',
  mksh: 'command printf',
};

/**
 * The marker for a login shell whose name the connection learned from an earlier marker
 * (`shell=<name>`): the shell's own printf where it has one, else the /bin/sh search.
 */
export function pidMarkIn(loginShell: string | undefined, stopIfCsh = false): string {
  const printf = loginShell === undefined ? undefined : BUILTIN_MARK[loginShell];
  return printf === undefined ? pidMarkCommand(stopIfCsh) : `${printf} '%s %s shell=%s\\n' ${PID_MARKER} $$ ${loginShell} >&2`;
}

/**
 * sh code: the pids of `root`'s process tree and, if `root` leads a process group, of that
 * group (detached children stay in it), zombies left out. Reads /proc through cat, which
 * goes on past processes that vanish meanwhile.
 */
function treeFunction(root: number): string {
  const awk = [
    '{ pid = $1; s = $0; sub(/.*\\) /, "", s); split(s, f, " "); if (f[1] != "Z") { par[pid] = f[2]; grp[pid] = f[3] } }',
    `END { r = "${root}"; if (!(r in par)) exit; n = 1; q[1] = r; seen[r] = 1;`,
    '  for (i = 1; i <= n; i++) for (p in par) if (par[p] == q[i] && !(p in seen)) { seen[p] = 1; q[++n] = p }',
    '  if (grp[r] == r) for (p in grp) if (grp[p] == r) seen[p] = 1;',
    '  for (p in seen) print p }',
  ].join('\n');
  return `tree() { cat /proc/[0-9]*/stat 2>/dev/null | awk '${awk}'; }`;
}

/** sh code: of the pids given, those still alive (not zombies). */
const ALIVE = `alive() { for p in "$@"; do s=; read s < /proc/$p/stat 2>/dev/null || continue; case "\${s##*") "}" in Z*) ;; *) printf '%s ' "$p";; esac; done; }`;

/**
 * sh code: freezes the processes that the sh function `collect` prints, collects again (what
 * forked meanwhile), kills them all and checks: afterwards `$left` holds those still alive.
 */
export function freezeKillCode(collect: string): string {
  return [
    ALIVE,
    `pids=$(${collect})`,
    // Frozen first, so nothing forks while the tree is collected again and killed.
    '[ -n "$pids" ] && kill -STOP $pids 2>/dev/null',
    `pids="$pids $(${collect})"`,
    '[ -n "$pids" ] && kill -KILL $pids 2>/dev/null',
    'i=0; left=$(alive $pids)',
    'while [ -n "$left" ] && [ $i -lt 40 ]; do kill -KILL $left 2>/dev/null; sleep 0.05 2>/dev/null || sleep 1; i=$((i + 1)); left=$(alive $pids); done',
  ].join('\n');
}

/** The kill, under /bin/sh: prints `<token> left <pid…>` (nothing after `left` when all are gone). */
export function killTreeCommand(root: number, token: string): string {
  const code = [treeFunction(root), freezeKillCode('tree'), `printf '%s left %s\\n' ${token} "$left"`].join('\n');
  return underSh(code);
}

/** The pids the kill reports alive, or undefined when it gave no report (it did not run). */
export function parseKillReport(stdout: string, token: string): number[] | undefined {
  for (const line of stdout.split('\n')) {
    const at = line.indexOf(`${token} left`);
    if (at === -1) continue;
    return line
      .slice(at + token.length + 5)
      .trim()
      .split(/\s+/)
      .filter((w) => /^\d+$/.test(w))
      .map(Number)
      .filter((pid, i, all) => all.indexOf(pid) === i);
  }
  return undefined;
}
