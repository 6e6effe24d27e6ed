// Starting a service on a client, under /bin/sh whatever the login shell. One start at a time
// per service (a symbolic link `lock` names its holder: creating it is atomic); a service that
// runs already is left alone (or, with replace, stopped first); then the service's files are
// written, the supervisor is started in a session of its own, detached from the SSH session,
// and the start waits until the supervisor has recorded itself and the command. A command
// that dies at once is reported with its exit status and its last words.
//
// Detaching needs setsid(2), which POSIX sh cannot call: `setsid` (util-linux, busybox), else
// perl's POSIX::setsid (perl-base is on every Debian), python3's os.setsid, or node's
// spawn({ detached: true }), whichever the client has first.
import { envPrefix, quote } from '../remote-shell.js';
import { answerToken } from '../remote/posix.js';
import { serviceDir, type RestartPolicy } from './names.js';
import { procLib } from './proc-sh.js';
import { stopFunction } from './stop-script.js';
import { SUPERVISOR_FILE, SUPERVISOR_TAG, supervisorScript } from './supervisor.js';

export interface StartPlan {
  name: string;
  /** sh code for /bin/sh; undefined: the command, ports and policy recorded on the client (restart). */
  command?: string;
  restart: RestartPolicy;
  logLimit: number;
  /** Stop a running instance first. */
  replace: boolean;
  /** The grace of that stop, in seconds. */
  graceS: number;
  /** DIRECTOR_* for the command. */
  env: Record<string, string>;
  /** Words recorded in ./meta (ports, bind, interpreter…): plain words only. */
  meta: Record<string, string>;
  /** More files for the service's folder (a program the command runs). */
  files?: Record<string, string>;
}

/** How long a start waits for the supervisor to record itself, and then watches the command. */
const HANDSHAKE_S = 5;
const SETTLE_TENTHS = 3;

/** Sets `$how` to the first way of detaching the client has, or to nothing. */
const HOW = 'how=; for w in setsid perl python3 node; do if command -v $w >/dev/null 2>&1; then how=$w; break; fi; done';

/** Starts ./supervise.sh in a session of its own, the way `$how` says. */
const LAUNCH = [
  'launch() {',
  '  case $how in',
  '  setsid) setsid /bin/sh ./supervise.sh </dev/null >/dev/null 2>launch.err & ;;',
  "  perl) perl -e 'use POSIX (); POSIX::setsid() or die \"setsid: $!\\n\"; exec @ARGV or die \"exec: $!\\n\"' /bin/sh ./supervise.sh </dev/null >/dev/null 2>launch.err & ;;",
  "  python3) python3 -c 'import os, sys; os.setsid(); os.execv(sys.argv[1], sys.argv[1:])' /bin/sh ./supervise.sh </dev/null >/dev/null 2>launch.err & ;;",
  "  node) node -e 'require(\"child_process\").spawn(process.argv[1], process.argv.slice(2), { detached: true, stdio: \"ignore\" }).unref()' /bin/sh ./supervise.sh </dev/null >/dev/null 2>launch.err ;;",
  '  esac',
  '}',
].join('\n');

const META_WORD = /^[A-Za-z0-9_.:,@%+/-]*$/;

function writeFile(name: string, content: string): string {
  const b64 = Buffer.from(content, 'utf8').toString('base64');
  return `printf %s ${b64} | base64 -d > ${quote(`${name}.new`)} && mv ${quote(`${name}.new`)} ${quote(name)} || exit 1`;
}

function metaText(plan: StartPlan): string {
  const meta: Record<string, string> = { ...plan.meta, restart: plan.restart, log_limit: String(plan.logLimit) };
  for (const [k, v] of Object.entries(meta)) {
    if (!/^[a-z_]+$/.test(k) || !META_WORD.test(v)) throw new Error(`bad service meta ${k}=${JSON.stringify(v)}`);
  }
  return Object.entries(meta).map(([k, v]) => `${k}=${v}\n`).join('');
}

/**
 * The start goes to the client's /bin/sh on standard input, not in the command line: with the
 * programs it writes it is tens of KB, and dropbear drops a connection whose command is over
 * 9000 bytes (MAX_CMD_LEN). Every login shell reads this one line alike.
 */
export const SH_FROM_STDIN = 'exec /bin/sh -s';

export interface StartScript {
  command: string;
  /** The script itself, for the command's standard input. */
  stdin: string;
  token: string;
}

export function startScript(plan: StartPlan): StartScript {
  const token = answerToken();
  const say = (...words: string[]) => `printf '%s %s\\n' ${token} "${words.join(' ')}"`;
  const b64Of = (sh: string) => `$(${sh} 2>/dev/null | base64 | tr -d '\\n')`;
  // A restart (no command given) keeps the recorded command, ports and policy.
  const restart = plan.command === undefined;
  const files: Record<string, string> = { ...(plan.files ?? {}), [SUPERVISOR_FILE]: supervisorScript() };
  if (!restart) Object.assign(files, { command: plan.command, meta: metaText(plan) });
  const env = Object.keys(plan.env).length > 0 ? `export ${envPrefix(plan.env)}` : ':';
  const code = [
    procLib(),
    stopFunction(),
    LAUNCH,
    HOW,
    `[ -n "$how" ] || { ${say('nodetach')}; exit 0; }`,
    'umask 077',
    `d=${quote(serviceDir(plan.name))}`,
    `mkdir -p "$d" && cd "$d" || { ${say('fail', 'cannot create the folder')}; exit 0; }`,
    // One start at a time: the link names its holder (pid and start ticks); a dead holder's is taken over.
    'me="$$:$(ticks $$)"',
    'if ! ln -s "$me" lock 2>/dev/null; then',
    '  o=$(readlink lock 2>/dev/null); op=${o%%:*}',
    `  if [ -n "$op" ] && [ "$(ticks "$op")" = "\${o#*:}" ]; then ${say('busy', '$op')}; exit 0; fi`,
    `  rm -f lock; ln -s "$me" lock 2>/dev/null || { ${say('busy', '-')}; exit 0; }`,
    'fi',
    "trap 'rm -f lock' EXIT",
    'supervisor',
    'case $sup in live|orphans)',
    ...(plan.replace
      ? [`  stop_service ${plan.graceS}`, `  if [ -n "$left" ]; then ${say('stopfail', '$left')}; exit 0; fi`, '  replaced=$P;;']
      : [`  C=; read -r C _ 2>/dev/null < child; ${say('already', '$P', '${C:--}')}; exit 0;;`]),
    'esac',
    ...(restart
      ? [
          `[ -s command ] && [ -f meta ] || { ${say('nocommand')}; exit 0; }`,
          "grep -v '^detached_by=' meta > meta.new; mv meta.new meta",
          "ports=$(sed -n 's/^ports=//p' meta); [ -z \"$ports\" ] || export DIRECTOR_SERVICE_PORT=\"$ports\"",
        ]
      : []),
    ...Object.entries(files).map(([name, content]) => writeFile(name, content)),
    `rm -f stop exit child pid launch.err; printf '0\\n' > restarts`,
    env,
    'launch',
    `printf 'detached_by=%s\\n' "$how" >> meta`,
    `i=0; while [ ! -s child ] && [ $i -lt $((${HANDSHAKE_S} * naps_per_s)) ]; do nap; i=$((i + 1)); done`,
    `[ -s child ] || { ${say('nostart', b64Of('head -c 2000 launch.err'))}; exit 0; }`,
    `i=0; while [ $i -lt $((${SETTLE_TENTHS} * naps_per_s / 10 + 1)) ]; do nap; i=$((i + 1)); done`,
    'supervisor; C=; read -r C _ < child',
    `if ticks "$C" >/dev/null; then ${say('started', '$P', '$C', '$how', '${replaced:--}')}; exit 0; fi`,
    // It died at once: the supervisor records how within its poll of a second.
    'i=0; while [ ! -s exit ] && [ $i -lt $((2 * naps_per_s)) ]; do nap; i=$((i + 1)); done',
    'st=; read -r st _ 2>/dev/null < exit',
    say('exited', '${st:--}', b64Of(`grep -v -F ' ${SUPERVISOR_TAG} ' log | tail -n 3`)),
  ].join('\n');
  return { command: SH_FROM_STDIN, stdin: `${code}\n`, token };
}

export type StartAnswer =
  | { outcome: 'started'; supervisorPid: number; pid: number; detachedBy: string; replacedPid?: number }
  | { outcome: 'already-running'; supervisorPid: number; pid?: number }
  | { outcome: 'busy'; holder?: number }
  | { outcome: 'exited'; status?: number; lastLines: string }
  | { outcome: 'stop-failed'; left: number[] }
  | { outcome: 'no-command' }
  | { outcome: 'no-detach' }
  | { outcome: 'no-start'; why: string }
  | { outcome: 'failed'; why: string };

const num = (w: string | undefined) => (w !== undefined && /^\d+$/.test(w) ? Number(w) : undefined);
const unb64 = (w: string | undefined) => Buffer.from(w ?? '', 'base64').toString('utf8').trimEnd();

/** The start's answer from its answer words, or undefined when it gave none (it did not run). */
export function parseStartWords(words: readonly string[]): StartAnswer | undefined {
  const [what, a, b, c, d] = words;
  switch (what) {
    case 'started': {
      const supervisorPid = num(a);
      const pid = num(b);
      if (supervisorPid === undefined || pid === undefined) return undefined;
      const replacedPid = num(d);
      return { outcome: 'started', supervisorPid, pid, detachedBy: c ?? '?', ...(replacedPid !== undefined ? { replacedPid } : {}) };
    }
    case 'already': {
      const supervisorPid = num(a);
      if (supervisorPid === undefined) return undefined;
      const pid = num(b);
      return { outcome: 'already-running', supervisorPid, ...(pid !== undefined ? { pid } : {}) };
    }
    case 'busy': {
      const holder = num(a);
      return { outcome: 'busy', ...(holder !== undefined ? { holder } : {}) };
    }
    case 'exited': {
      const status = num(a);
      return { outcome: 'exited', ...(status !== undefined ? { status } : {}), lastLines: unb64(b) };
    }
    case 'stopfail':
      return { outcome: 'stop-failed', left: words.slice(1).map(num).filter((n): n is number => n !== undefined) };
    case 'nocommand':
      return { outcome: 'no-command' };
    case 'nodetach':
      return { outcome: 'no-detach' };
    case 'nostart':
      return { outcome: 'no-start', why: unb64(a) };
    case 'fail':
      return { outcome: 'failed', why: words.slice(1).join(' ') };
    default:
      return undefined;
  }
}
