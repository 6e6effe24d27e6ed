// The supervisor director leaves on a client with every service: a POSIX sh script, written to
// the service's folder at each start and run there in a session of its own. It runs
// ./command under /bin/sh with its output appended to ./log, records the command's pid and
// start time (./child), its exit status (./exit) and, under `--restart on-failure`, restarts it
// with a back-off (1 s doubling to 60 s, back to 1 s after a run of a minute) and counts the
// restarts (./restarts). It polls the command once a second rather than blocking in `wait`,
// so that it can also rotate the log: past the size limit the log is copied to log.1 and
// truncated in place (the command keeps its file open in append mode, so it writes on at
// the new end; a line written during the copy may be lost, as with logrotate's copytruncate).
// A stop writes ./stop first and then signals the whole session: the supervisor dies of TERM
// with the rest and never restarts what is being stopped.
import { procLib } from './proc-sh.js';

/** The file name of the supervisor in the service's folder. */
export const SUPERVISOR_FILE = 'supervise.sh';

/** Lines the supervisor writes to the log start with a timestamp and this tag. */
export const SUPERVISOR_TAG = '[director]';

export function supervisorScript(): string {
  return [
    '# director: the supervisor of one service (written at each start; see src/services/supervisor.ts)',
    procLib(),
    'policy=no; limit=10485760',
    "while IFS='=' read -r k v; do case $k in restart) policy=$v;; log_limit) limit=$v;; esac; done < meta",
    `say() { printf '%s ${SUPERVISOR_TAG} %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >> log; }`,
    "size() { set -- $(ls -ln log 2>/dev/null); printf '%s\\n' \"${5:-0}\"; }",
    'rotate() { [ "$(size)" -gt "$limit" ] || return 0; cp log log.1 && : > log; }',
    'put() { printf \'%s\\n\' "$2" > "$1.new" && mv "$1.new" "$1"; }',
    'put pid "$$ $(ticks $$)"',
    'cmd=$(cat command)',
    'n=0; delay=1',
    'while :; do',
    '  rotate',
    '  began=$(date +%s)',
    '  /bin/sh -c "$cmd" < /dev/null >> log 2>&1 &',
    '  child=$!',
    '  put child "$child $(ticks $child || echo -) $began"',
    '  say "started (pid $child)"',
    '  k=0',
    '  while ticks "$child" > /dev/null; do sleep 1; k=$((k + 1)); [ $((k % 10)) -ne 0 ] || rotate; done',
    '  wait "$child"; status=$?',
    '  put exit "$status $child $(date +%s)"',
    '  [ ! -e stop ] || exit 0',
    '  if [ "$status" -eq 0 ] || [ "$policy" != on-failure ]; then say "exited with status $status"; exit 0; fi',
    '  [ $(($(date +%s) - began)) -lt 60 ] || delay=1',
    '  n=$((n + 1)); put restarts "$n"',
    '  say "exited with status $status; restart $n in ${delay}s"',
    '  sleep "$delay"',
    '  [ ! -e stop ] || exit 0',
    '  delay=$((delay * 2)); [ "$delay" -le 60 ] || delay=60',
    'done',
    '',
  ].join('\n');
}
