// The sh functions every service script on a client starts with: which processes belong to a
// service, read from /proc. A service's supervisor leads a session of its own, so its
// processes are those of that session or its process group, and their descendants; a pid is
// only taken for the supervisor while its start time (ticks since boot, /proc/<pid>/stat) is
// the recorded one, so a reused pid is never mistaken for it. POSIX sh and awk only: they run
// under dash, busybox ash, bash alike.

/** `ticks PID`: the process's start time in clock ticks; fails when it is gone or a zombie. */
const TICKS = `ticks() { s=; read -r s 2>/dev/null < /proc/$1/stat || return 1; s=\${s##*") "}; set -- $s; case $1 in Z|X|x) return 1;; esac; printf '%s\\n' "\${20}"; }`;

/**
 * `procs P`: one line per process of the service whose supervisor has pid P:
 * `pid ppid utime stime starttime rss` (stat fields 1, 4, 14, 15, 22, 24), zombies left out.
 */
function procsFunction(): string {
  const awk = [
    '{ pid = $1; s = $0; sub(/.*\\) /, "", s); split(s, f, " "); if (f[1] == "Z" || f[1] == "X") next;',
    '  par[pid] = f[2]; info[pid] = f[2] " " f[12] " " f[13] " " f[20] " " f[22]; if (f[3] == P || f[4] == P) seen[pid] = 1 }',
    'END { more = 1; while (more) { more = 0; for (p in par) if (!(p in seen) && (par[p] in seen)) { seen[p] = 1; more = 1 } }',
    '  for (p in seen) print p, info[p] }',
  ].join('\n');
  return `procs() { cat /proc/[0-9]*/stat 2>/dev/null | awk -v P="$1" '${awk}'; }`;
}

/** `members P`: the pids of `procs P`, on one line. */
const MEMBERS = `members() { procs "$1" | awk '{ printf "%s ", $1 }'; }`;

/** `nap`: a short wait, 0.05 s where sleep takes fractions (GNU, busybox), else 1 s; `$naps_per_s` says which. */
const NAP = 'if sleep 0.01 2>/dev/null; then nap() { sleep 0.05; }; naps_per_s=20; else nap() { sleep 1; }; naps_per_s=1; fi';

/**
 * `supervisor`: reads ./pid (`pid ticks`) into $P and decides in `$sup` whether it names this service's
 * supervisor: `live` (that very process runs), `orphans` (it is gone, processes of its
 * session are left), `gone` (nothing left), `reused` (the pid now names another process), `none`.
 */
const SUPERVISOR = [
  'supervisor() {',
  '  P=; PT=; read -r P PT _ 2>/dev/null < pid',
  '  case $P in ""|*[!0-9]*) sup=none; return;; esac',
  '  now=$(ticks "$P")',
  '  if [ -n "$now" ]; then if [ "$now" = "$PT" ]; then sup=live; else sup=reused; fi',
  '  elif [ -n "$(members "$P")" ]; then sup=orphans',
  '  else sup=gone; fi',
  '}',
].join('\n');

/** `centis`: sets `$c` to the time since boot in hundredths of a second (Linux prints two decimals). */
const CENTIS = 'centis() { u=; read -r u _ < /proc/uptime; c=${u%.*}${u#*.}; }';

/** All of the above, to put first in a service script. */
export function procLib(): string {
  return [TICKS, procsFunction(), MEMBERS, NAP, CENTIS, SUPERVISOR].join('\n');
}
