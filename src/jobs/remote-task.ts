// What a jobs run puts on a client, as shell text built from words quoted by remote-shell.ts.
// Once per client (one channel): a temporary folder with the map script (sent on the
// channel's standard input), the task launcher `t`, one output folder per slot, and the
// client's core count. Then per task one channel whose command is the same few words,
// `exec /bin/sh <tmp>/t`, read alike by every login shell and costing no base64 decoding;
// what differs between tasks travels as a header on the channel's standard input:
//   <n>\n<n lines of sh: i=<id> a=<attempt> s=<slot> f=<file> or x=<cmd>; set -- <args…>>
// which the launcher reads with the shell's own `read` (byte by byte on a pipe, so the rest
// of standard input is left whole for the task).
//
// The launcher is the process sshd's login shell exec'd into, so its pid, printed first as
// the pid marker (remote/kill.ts), is the one the verified tree kill starts from.
import { envPrefix, quote } from '../remote-shell.js';
import { PID_MARKER } from '../remote/kill.js';
import { answers, underSh } from '../remote/posix.js';
import { tailMarker } from '../run/tail-marker.js';

/** Channels of a client's tasks never exceed this (Session's EXEC_CHANNELS): output folders 1…8. */
export const MAX_SLOTS = 8;

export interface LauncherInput {
  kind: 'map' | 'jobs';
  /** DIRECTOR_HOST, DIRECTOR_HOST_INDEX… (run/remote-command.ts runEnv). */
  env: Record<string, string>;
  /** Where tasks run (the project folder); absent = the login home. */
  workDir?: string;
  /** map: /bin/sh for a script without a shebang; absent = exec'd by its shebang. */
  interpreter?: string;
  /** Marks the stderr line that says the task left files in its DIRECTOR_OUTPUT_DIR. */
  token: string;
}

/** The launcher `<tmp>/t`, in POSIX sh. */
export function launcherScript(v: LauncherInput): string {
  const run =
    v.kind === 'jobs' ? '/bin/sh -c "$x" sh "$@"' : v.interpreter !== undefined ? `${quote(v.interpreter)} "$d/script" "$@"` : '"$d/script" "$@"';
  return [
    `echo "${PID_MARKER} $$" >&2`,
    'd=${0%/*}',
    'IFS= read -r n || exit 125',
    'c=',
    'while [ "$n" -gt 0 ]; do IFS= read -r l || exit 125; c="$c$l',
    '"; n=$((n - 1)); done',
    'eval "$c"',
    `export ${envPrefix(v.env)} DIRECTOR_TASK_ID="$i" DIRECTOR_TASK_ATTEMPT="$a" DIRECTOR_OUTPUT_DIR="$d/o/$s"`,
    ...(v.kind === 'map' ? ['export DIRECTOR_FILE="$f"'] : []),
    ...(v.workDir !== undefined ? [`cd -- ${quote(v.workDir)} || exit 125`] : []),
    run,
    'r=$?',
    // Anything left in the output folder? (globs only: no process per task)
    'for e in "$DIRECTOR_OUTPUT_DIR"/* "$DIRECTOR_OUTPUT_DIR"/.[!.]* "$DIRECTOR_OUTPUT_DIR"/..?*; do',
    `  if [ -e "$e" ] || [ -L "$e" ]; then printf '%s%s\\n' ${quote(tailMarker(v.token))} "$DIRECTOR_OUTPUT_DIR" >&2; break; fi`,
    'done',
    'exit $r',
    '',
  ].join('\n');
}

/**
 * The client's set-up, under /bin/sh: prints `<token> <cores> <tmp>`. With `script`, the
 * channel's standard input is the map script.
 */
export function setupCommand(v: { runId: string; launcher: string; script: boolean; workDir?: string; token: string }): string {
  const slots = Array.from({ length: MAX_SLOTS }, (_, i) => `"$d/o/${i + 1}"`).join(' ');
  return underSh(
    [
      'umask 077',
      `d=$(mktemp -d "\${TMPDIR:-/tmp}"/${quote(`director-jobs.${v.runId}.XXXXXXXXXX`)}) || exit 1`,
      ...(v.script ? ['cat > "$d/script" && chmod 700 "$d/script" || exit 1'] : []),
      `printf %s ${quote(Buffer.from(v.launcher).toString('base64'))} | base64 -d > "$d/t" || exit 1`,
      `mkdir -- "$d/o" ${slots} || exit 1`,
      ...(v.workDir !== undefined ? [`mkdir -p -- ${quote(v.workDir)} || exit 1`] : []),
      'n=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null || grep -c ^processor /proc/cpuinfo 2>/dev/null) || n=1',
      `printf '%s %s %s\\n' ${v.token} "$n" "$d"`,
    ].join('\n'),
  );
}

/** The set-up's answer: the client's cores and its temporary folder. */
export function parseSetup(stdout: string, token: string): { cores: number; dir: string } | undefined {
  const line = answers(stdout, token)[0];
  if (line === undefined) return undefined;
  const at = line.indexOf(' ');
  const cores = Number(line.slice(0, at));
  const dir = line.slice(at + 1);
  if (!Number.isInteger(cores) || !dir.startsWith('/') || dir.includes('\0')) return undefined;
  return { cores: Math.max(1, cores), dir };
}

/**
 * One task's header on standard input: `vars` (i, a, s and f or x) and the positional
 * parameters, as sh assignments, preceded by their number of lines.
 */
export function taskHeader(vars: Record<string, string>, args: readonly string[]): string {
  const code = `${Object.entries(vars)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join('\n')}\nset --${args.map((a) => ` ${quote(a)}`).join('')}\n`;
  const lines = code.split('\n').length - 1;
  return `${lines}\n${code}`;
}

/** Empties a slot's output folder for the next task. */
export function clearSlotCommand(dir: string): string {
  return underSh(`rm -rf -- ${quote(dir)} && mkdir -- ${quote(dir)}`);
}
