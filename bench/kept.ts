// Warm fan-out: director through a keeper against parallel-ssh cold (curve25519) and
// parallel-ssh over OpenSSH's ControlMaster/ControlPersist (warm: the fair anchor); director
// shell's line latency; the keeper's CPU per command per client and its memory; and the floor
// under all of them, measured: what the servers spend on each channel (sshd forks a session
// process and execs the login shell for every command).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { processTree } from '../src/process-tree.js';
import type { Cluster } from '../src/sandbox/cluster.js';
import type { Fleet } from '../src/ssh/fleet.js';
import type { Session } from '../src/ssh/session.js';
import type { SessionPool } from '../src/ssh/session-pool.js';
import type { PeerConfig } from './cluster-config.js';
import { measure, median, type Sample } from './measure.js';

export interface KeptContext {
  director: string;
  /** The global options that reach the cluster (same for connect and the commands). */
  args: string[];
  /** The keeper's private runtime folder for this run. */
  env: NodeJS.ProcessEnv;
}

/** utime + stime of a process, in seconds. */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/**
 * CPU seconds the hosts' sshds have spent: every process under each listener, with what its
 * reaped children spent (cutime, cstime): a channel's session process and login shell end
 * within the line, and their time lands in the connection's sshd when it reaps them.
 */
function serverSeconds(cluster: Cluster): number {
  let total = 0;
  for (const h of cluster.hosts) {
    const root = cluster.pid(h.index);
    if (root === undefined) continue;
    for (const pid of processTree(root)) {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
      } catch {
        /* ended meanwhile: its time is in its parent's cutime now */
      }
    }
  }
  return total;
}

export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Starts a keeper for the context; its pid. */
export function connectKeeper(k: KeptContext, extra: string[] = []): number {
  const out = execFileSync(k.director, [...k.args, ...extra, 'connect', '--persist', '30m'], { encoding: 'utf8', env: k.env });
  const pid = Number(/keeper pid (\d+)/.exec(out)?.[1]);
  if (!(pid > 0)) throw new Error(`connect said: ${out}`);
  return pid;
}

export function disconnectKeeper(k: KeptContext): void {
  execFileSync(k.director, [...k.args, 'disconnect'], { encoding: 'utf8', env: k.env });
}

/** An ssh_config on curve25519 whose connections stay behind a master (ControlMaster auto, ControlPersist yes). */
export function controlMasterConfig(peer: PeerConfig, dir: string): { config: string; close: () => void } {
  const config = join(dir, 'ssh_config_controlmaster');
  writeFileSync(config, `Host *\n  ControlMaster auto\n  ControlPath ${dir}/cm-%C\n  ControlPersist yes\n${readFileSync(peer.sshConfigCurve, 'utf8')}`);
  const close = () => {
    for (const a of peer.aliases) {
      try {
        execFileSync('ssh', ['-F', config, '-O', 'exit', a], { stdio: 'ignore' });
      } catch {
        /* no master for it */
      }
    }
  };
  return { config, close };
}

export function warmContenders(k: KeptContext, peer: PeerConfig, cm: string, n: number): Array<{ name: string; run: () => Promise<Sample> }> {
  const pssh = (cfg: string) => () => measure('parallel-ssh', ['-h', peer.hostsFile, '-p', String(n), '-t', '0', '-x', `-F ${cfg}`, 'true']);
  return [
    { name: 'director exec (keeper, warm)', run: () => measure(k.director, [...k.args, '-p', String(n), 'exec', '--', 'true'], { env: k.env }) },
    { name: 'parallel-ssh (curve25519, cold)', run: pssh(peer.sshConfigCurve) },
    { name: 'parallel-ssh (ControlMaster warm)', run: pssh(cm) },
  ];
}

export interface LineLatency {
  /** Seconds from a line sent to its summary line printed, one per line. */
  latencies: number[];
  /** CPU of the shell process per line. */
  shellCpuPerLine: number;
  /** CPU the servers (every host's sshd and what it ran) spent per line. */
  serverCpuPerLine: number;
  peakMb: number;
  failures: number;
}

/** `director shell` on the cluster: `lines` lines of `true`, each timed from send to its summary. */
export async function shellLines(k: KeptContext, cluster: Cluster, n: number, lines: number, only?: string): Promise<LineLatency> {
  const args = [...k.args, '-p', String(n), ...(only ? ['-H', only] : []), 'shell'];
  const child = spawn(k.director, args, { env: { ...k.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  const until = async (test: () => boolean) => {
    const deadline = Date.now() + 60_000;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`shell bench: no answer; stderr: ${err.slice(-500)}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  await until(() => /connected to \d+ of \d+/.test(err));
  const summaries = () => (out.match(/^\d+ ok, \d+ failed/gm) ?? []).length;
  const latencies: number[] = [];
  const cpu0 = cpuSeconds(child.pid!);
  const server0 = serverSeconds(cluster);
  for (let i = 0; i < lines; i++) {
    const before = summaries();
    const t = performance.now();
    child.stdin.write('true\n');
    await until(() => summaries() > before);
    latencies.push((performance.now() - t) / 1000);
  }
  const shellCpu = cpuSeconds(child.pid!) - cpu0;
  const server = serverSeconds(cluster) - server0;
  const peakMb = memoryMb(child.pid!).peak;
  const failures = (out.match(/^\d+ ok, [1-9]\d* failed/gm) ?? []).length;
  child.stdin.end();
  await new Promise((r) => child.on('close', r));
  return { latencies, shellCpuPerLine: shellCpu / lines, serverCpuPerLine: server / lines, peakMb, failures };
}

export function latencyRow(scenario: string, tool: string, l: LineLatency) {
  return { scenario, tool, wall: median(l.latencies), cpu: l.shellCpuPerLine, rssMb: l.peakMb, failures: l.failures };
}

/** Warm fan-out through a keeper vs the peers, with the keeper's CPU per command per client. */
export function keeperCpuNote(n: number, cpuS: number, commands: number): string {
  return `keeper: ${((cpuS / (commands * n)) * 1000).toFixed(2)} ms of CPU per command per client over ${commands} warm \`exec -- true\` on ${n} clients (target ≤ 1 ms).`;
}

/**
 * The servers' floor, measured on kept connections (no handshakes, no director start-up):
 * server CPU per channel for a bare `true` (sshd forks a session, execs the login shell) and
 * for exec's own command (the pid marker in front, for the verified kill: the login shell's own
 * printf once the connection knows the shell, a /bin/sh before that and under fish or tcsh).
 */
export async function channelFloor(cluster: Cluster, fleet: Fleet, pool: SessionPool, rounds: number): Promise<string> {
  await fleet.run(async () => undefined);
  const perChannel = async (work: (s: Session) => Promise<unknown>) => {
    const s0 = serverSeconds(cluster);
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) await fleet.run(work);
    return { cpuMs: ((serverSeconds(cluster) - s0) * 1000) / (rounds * cluster.hosts.length), wallMs: (performance.now() - t0) / rounds };
  };
  const bare = await perChannel((s) => s.exec('true'));
  const marked = await perChannel((s) => s.exec('true', { signal: new AbortController().signal }));
  pool.close();
  const n = cluster.hosts.length;
  return (
    `sshd per channel (kept connections, ${rounds} rounds on ${n} clients): ${bare.cpuMs.toFixed(2)} ms of server CPU for a bare \`true\` ` +
    `(a fork for the session, an exec of the login shell), ${marked.cpuMs.toFixed(2)} ms with exec's pid marker in front (for the verified kill; the login shell's printf once the connection knows the shell); ` +
    `${n} bare channels took ${bare.wallMs.toFixed(0)} ms a round. On ${cpus().length} cores shared with the servers, ${n} clients cannot answer in less than ` +
    `~${((bare.cpuMs * n) / cpus().length).toFixed(0)} ms (bare) or ~${((marked.cpuMs * n) / cpus().length).toFixed(0)} ms (exec's command).`
  );
}
