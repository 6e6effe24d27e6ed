// What a client tells about its services, read in one command under /bin/sh: for each
// service folder, the supervisor's verdict (proc-sh.ts), the recorded files, the processes
// of its session with their CPU ticks, start ticks and resident pages, which of its ports
// something listens on (/proc/net/tcp and tcp6, and whether the listening socket is one of
// the service's own open files), and the last line of its log. Only facts come back; what
// they mean (running, crashed…) is decided by state.ts, pure.
import { quote } from '../remote-shell.js';
import { answerToken, underSh } from '../remote/posix.js';
import { SERVICES_DIR, checkServiceName } from './names.js';
import { procLib } from './proc-sh.js';

export interface ProcFacts {
  pid: number;
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  startTicks: number;
  rssPages: number;
}

export interface ServiceFacts {
  name: string;
  /** proc-sh.ts's verdict on ./pid. */
  supervisor: 'live' | 'orphans' | 'gone' | 'reused' | 'none';
  supervisorPid?: number;
  /** ./child: the command's pid, its start ticks and the epoch second it was started. */
  child?: { pid: number; startTicks?: number; startedAt?: number };
  /** ./exit: the last exit status the supervisor saw, and whose. */
  exit?: { status: number; pid: number; at?: number };
  restarts: number;
  stopRequested: boolean;
  meta: Record<string, string>;
  command?: string;
  procs: ProcFacts[];
  /** Ports of the service something listens on; `ours` when a socket of the service's own. */
  listening: Array<{ port: number; ours: boolean }>;
  lastLogLine?: string;
}

export interface ClientFacts {
  /** Seconds since boot, clock ticks per second, bytes per page, epoch seconds: when read. */
  uptimeS: number;
  hz: number;
  pageSize: number;
  now: number;
  services: ServiceFacts[];
}

export interface FactsScript {
  command: string;
  token: string;
}

/** Facts about service `name`, or about every service when none is named. */
export function factsScript(name?: string): FactsScript {
  const token = answerToken();
  const t = token;
  const listenAwk =
    'BEGIN { n = split(ports, a, ","); for (i = 1; i <= n; i++) want[sprintf("%04X", a[i])] = a[i]; m = split(socks, b, " "); for (i = 1; i <= m; i++) mine[b[i]] = 1 }\n' +
    '($1 in want) { print want[$1], (($2 in mine) ? "ours" : "other") }';
  const code = [
    procLib(),
    'facts() {',
    `  printf '%s svc %s\\n' ${t} "$1"`,
    '  supervisor',
    `  printf '%s sup %s %s\\n' ${t} "$sup" "\${P:--}"`,
    `  for f in child exit restarts; do v=; read -r v 2>/dev/null < $f; printf '%s %s %s\\n' ${t} "$f" "\${v:--}"; done`,
    `  [ ! -e stop ] || printf '%s stopreq\\n' ${t}`,
    `  [ ! -f meta ] || while IFS= read -r line; do printf '%s meta %s\\n' ${t} "$line"; done < meta`,
    `  printf '%s cmd %s\\n' ${t} "$(base64 < command 2>/dev/null | tr -d '\\n')"`,
    '  case $sup in live|orphans) mem=$(members "$P");; *) mem=;; esac',
    `  [ -z "$mem" ] || procs "$P" | while read -r line; do printf '%s proc %s\\n' ${t} "$line"; done`,
    "  ports=; [ ! -f meta ] || ports=$(sed -n 's/^ports=//p' meta)",
    '  if [ -n "$ports" ]; then',
    "    socks=$(for p in $mem; do ls -l /proc/$p/fd 2>/dev/null; done | sed -n 's/.*socket:\\[\\([0-9]*\\)\\].*/\\1/p' | tr '\\n' ' ')",
    `    printf '%s\\n' "$tcp" | awk -v ports="$ports" -v socks="$socks" '${listenAwk}' | while read -r port who; do printf '%s listen %s %s\\n' ${t} "$port" "$who"; done`,
    '  fi',
    `  printf '%s log %s\\n' ${t} "$(tail -c 4096 log 2>/dev/null | tail -n 1 | base64 | tr -d '\\n')"`,
    '}',
    `cd ${quote(SERVICES_DIR)} 2>/dev/null || { printf '%s none\\n' ${t}; exit 0; }`,
    'up=; read -r up _ < /proc/uptime',
    'hz=$(getconf CLK_TCK 2>/dev/null) || hz=; pg=$(getconf PAGESIZE 2>/dev/null) || pg=',
    `printf '%s sys %s %s %s %s\\n' ${t} "\${up:-0}" "\${hz:-100}" "\${pg:-4096}" "$(date +%s)"`,
    'tcp=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk \'$4 == "0A" { n = split($2, a, ":"); print a[n], $10 }\')',
    name === undefined
      ? 'for d in *; do [ -d "$d" ] && [ -f "$d/meta" ] || continue; (cd "$d" && facts "$d"); done'
      : `[ ! -d ${quote(checkServiceName(name))} ] || (cd ${quote(name)} && facts ${quote(name)})`,
    `printf '%s end\\n' ${t}`,
  ].join('\n');
  return { command: underSh(code), token };
}

const num = (w: string | undefined): number | undefined => (w !== undefined && /^\d+$/.test(w) ? Number(w) : undefined);

/** The facts in a client's answer lines (posix.ts `answers`); undefined when the answer is cut short. */
export function parseFacts(lines: readonly string[]): ClientFacts | undefined {
  const out: ClientFacts = { uptimeS: 0, hz: 100, pageSize: 4096, now: 0, services: [] };
  let svc: ServiceFacts | undefined;
  let ended = false;
  for (const line of lines) {
    const [kind = '', ...w] = line.split(' ');
    // No services folder at all: no services.
    if (kind === 'none') return out;
    if (kind === 'end') ended = true;
    else if (kind === 'sys') {
      out.uptimeS = Number(w[0]) || 0;
      out.hz = num(w[1]) ?? 100;
      out.pageSize = num(w[2]) ?? 4096;
      out.now = num(w[3]) ?? 0;
    } else if (kind === 'svc' && w[0] !== undefined) {
      svc = { name: w[0], supervisor: 'none', restarts: 0, stopRequested: false, meta: {}, procs: [], listening: [] };
      out.services.push(svc);
    } else if (svc !== undefined) readServiceLine(svc, kind, w);
  }
  return ended ? out : undefined;
}

function readServiceLine(svc: ServiceFacts, kind: string, w: string[]): void {
  switch (kind) {
    case 'sup': {
      const v = w[0];
      if (v === 'live' || v === 'orphans' || v === 'gone' || v === 'reused' || v === 'none') svc.supervisor = v;
      const pid = num(w[1]);
      if (pid !== undefined) svc.supervisorPid = pid;
      return;
    }
    case 'child': {
      const pid = num(w[0]);
      if (pid !== undefined) svc.child = { pid, ...defined({ startTicks: num(w[1]), startedAt: num(w[2]) }) };
      return;
    }
    case 'exit': {
      const status = num(w[0]);
      const pid = num(w[1]);
      if (status !== undefined && pid !== undefined) svc.exit = { status, pid, ...defined({ at: num(w[2]) }) };
      return;
    }
    case 'restarts':
      svc.restarts = num(w[0]) ?? 0;
      return;
    case 'stopreq':
      svc.stopRequested = true;
      return;
    case 'meta': {
      const text = w.join(' ');
      const eq = text.indexOf('=');
      if (eq > 0) svc.meta[text.slice(0, eq)] = text.slice(eq + 1);
      return;
    }
    case 'cmd':
      if (w[0]) svc.command = Buffer.from(w[0], 'base64').toString('utf8');
      return;
    case 'proc': {
      const [pid, ppid, ut, st, start, rss] = w.map(num);
      if (pid === undefined || ppid === undefined) return;
      svc.procs.push({ pid, ppid, cpuTicks: (ut ?? 0) + (st ?? 0), startTicks: start ?? 0, rssPages: rss ?? 0 });
      return;
    }
    case 'listen': {
      const port = num(w[0]);
      if (port === undefined) return;
      const ours = w[1] === 'ours';
      const known = svc.listening.find((l) => l.port === port);
      if (known) known.ours ||= ours;
      else svc.listening.push({ port, ours });
      return;
    }
    case 'log':
      if (w[0]) svc.lastLogLine = Buffer.from(w[0], 'base64').toString('utf8').replace(/\n$/, '');
      return;
  }
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
