// What a client's facts about a service mean, pure: running (with pid, uptime, memory, CPU and
// its ports), restarting (between two runs under --restart on-failure), stopped (by a stop,
// or it exited 0), crashed (with its exit status when the supervisor saw it) or unknown.
import { constants } from 'node:os';
import type { ClientFacts, ProcFacts, ServiceFacts } from './facts.js';

export type ServiceState = 'running' | 'restarting' | 'stopped' | 'crashed' | 'unknown';

export type PortState = 'listening' | 'not-listening' | 'taken';

export interface ServiceStatus {
  name: string;
  state: ServiceState;
  /** Why, when the state alone does not say it: "supervisor gone", "exited 0"… */
  note?: string;
  /** The command's pid while it runs. */
  pid?: number;
  supervisorPid?: number;
  uptimeS?: number;
  rssBytes?: number;
  /** CPU time over time alive since the command started, as ps counts %CPU. */
  cpuPercent?: number;
  /** Processes of the command (it and its descendants). */
  processes?: number;
  restarts: number;
  restart: string;
  /** The last exit the supervisor recorded for the current command, when there is one. */
  exit?: { status: number; signal?: string };
  /** `taken`: something else listens on the port, not the service. */
  ports: Array<{ port: number; state: PortState }>;
  lastLogLine?: string;
  command?: string;
  /** meta words worth showing (interpreter, bind, how it was detached). */
  meta: Record<string, string>;
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name.replace(/^SIG/, '')]));

/** sh reports a command killed by signal n as 128 + n. */
export function exitSignal(status: number): string | undefined {
  return status > 128 && status < 128 + 65 ? SIGNAL_NAMES.get(status - 128) : undefined;
}

/** The processes of `root` and its descendants among `procs`. */
function treeOf(root: number, procs: readonly ProcFacts[]): ProcFacts[] {
  const out = procs.filter((p) => p.pid === root);
  for (let i = 0; i < out.length; i++) out.push(...procs.filter((p) => p.ppid === out[i]!.pid && !out.includes(p)));
  return out;
}

export function judgeService(s: ServiceFacts, sys: Pick<ClientFacts, 'uptimeS' | 'hz' | 'pageSize'>): ServiceStatus {
  const restart = s.meta['restart'] ?? 'no';
  const base: ServiceStatus = {
    name: s.name,
    state: 'unknown',
    restarts: s.restarts,
    restart,
    ports: portStates(s),
    meta: pick(s.meta, ['interpreter', 'bind', 'detached_by', 'ports']),
    ...(s.supervisorPid !== undefined ? { supervisorPid: s.supervisorPid } : {}),
    ...(s.lastLogLine !== undefined ? { lastLogLine: s.lastLogLine } : {}),
    ...(s.command !== undefined ? { command: s.command } : {}),
  };
  const child = s.child;
  const running = child && s.procs.find((p) => p.pid === child.pid && (child.startTicks === undefined || p.startTicks === child.startTicks));
  const lastExit = child && s.exit && s.exit.pid === child.pid ? withSignal(s.exit.status) : undefined;
  const exit = lastExit ? { exit: lastExit } : {};

  if (running) {
    const tree = treeOf(running.pid, s.procs);
    const ageS = Math.max(0, sys.uptimeS - running.startTicks / sys.hz);
    const cpuS = tree.reduce((n, p) => n + p.cpuTicks, 0) / sys.hz;
    return {
      ...base,
      state: 'running',
      ...(s.supervisor === 'live' ? {} : { note: 'its supervisor is gone' }),
      pid: running.pid,
      uptimeS: Math.round(ageS),
      rssBytes: tree.reduce((n, p) => n + p.rssPages, 0) * sys.pageSize,
      cpuPercent: ageS > 0 ? Math.round((cpuS / ageS) * 1000) / 10 : 0,
      processes: tree.length,
    };
  }
  switch (s.supervisor) {
    case 'live':
      if (restart === 'on-failure' && lastExit) return { ...base, ...exit, state: 'restarting' };
      if (lastExit) return { ...base, ...exit, ...ended(lastExit.status) };
      return { ...base, note: 'the command has just ended' };
    case 'orphans':
      return { ...base, note: `its supervisor is gone; ${s.procs.length} of its processes remain` };
    case 'gone':
    case 'reused':
      if (s.stopRequested) return { ...base, ...exit, state: 'stopped' };
      if (lastExit) return { ...base, ...exit, ...ended(lastExit.status) };
      return { ...base, state: 'crashed', note: 'its supervisor was killed; exit status unknown' };
    case 'none':
      return { ...base, ...(s.stopRequested ? { state: 'stopped' } : { note: 'no supervisor recorded (a start that did not finish?)' }) };
  }
}

function ended(status: number): Pick<ServiceStatus, 'state' | 'note'> {
  return status === 0 ? { state: 'stopped', note: 'exited 0' } : { state: 'crashed' };
}

function withSignal(status: number): { status: number; signal?: string } {
  const signal = exitSignal(status);
  return signal === undefined ? { status } : { status, signal };
}

function portStates(s: ServiceFacts): ServiceStatus['ports'] {
  const ports = (s.meta['ports'] ?? '').split(',').filter((p) => /^\d+$/.test(p)).map(Number);
  return ports.map((port) => {
    const seen = s.listening.find((l) => l.port === port);
    return { port, state: seen === undefined ? 'not-listening' : seen.ours ? 'listening' : 'taken' };
  });
}

function pick(from: Record<string, string>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => from[k] !== undefined).map((k) => [k, from[k] as string]));
}
