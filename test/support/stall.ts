// A client that stops answering without closing anything: its per-connection sshd
// (`sshd: root@notty`, the process that carries the session) is stopped with SIGSTOP while a
// command runs. The kernel still acknowledges TCP, so director sees a connection that is open
// and silent, the way a hung host or a frozen VM looks.
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestCluster } from './cluster.js';
import { atExit } from './at-exit.js';
import { hostNamespace, hostProcessesMatching, processesIn, commandLine } from './proc.js';
import { waitUntil } from './wait.js';

export interface Stall {
  /** Epoch ms when the session's sshd was stopped. */
  at: number;
  pids: number[];
  /** SIGCONT: the sshd goes on and notices its connection is gone. */
  resume(): void;
}

/**
 * Once a process whose command line contains `marker` runs on `host`, stop that host's
 * per-connection sshd. `marker` is something only the command of the case runs.
 */
export async function stallWhenRunning(c: TestCluster, host: number, marker: string, ms = 20_000): Promise<Stall> {
  await waitForRunning(c, host, marker, ms);
  // sshd's session process takes the name root@notty on its own schedule: under load (CI)
  // the command was seen running before the name was there.
  let pids: number[] = [];
  await waitUntil(() => (pids = hostProcessesMatching(hostNamespace(c, host), /^sshd: root@notty$/)).length > 0, 5000, `sshd: root@notty on host ${host}`, 1);
  return stopAll(pids);
}

/**
 * Stops the per-connection sshd as soon as it exists (the first process in the host's
 * namespace besides its listener): the key exchange and login never complete.
 */
export async function stallInLogin(c: TestCluster, host: number, ms = 20_000): Promise<Stall> {
  const ns = hostNamespace(c, host);
  const listener = new Set([c.cluster.pid(host) ?? 0]);
  let pids: number[] = [];
  await waitUntil(() => (pids = processesIn(ns, listener)).length > 0, ms, `a connection to host ${host}`, 1);
  return stopAll(pids);
}

/** Stops every process of `host` besides its listener: each connection's sshd and what it runs. */
export function stallSessions(c: TestCluster, host: number): Stall {
  const pids = processesIn(hostNamespace(c, host), new Set([c.cluster.pid(host) ?? 0]));
  if (pids.length === 0) throw new Error(`no connection to host ${host}`);
  return stopAll(pids);
}

/** Waits until a process whose command line contains `marker` runs on `host`. */
export function waitForRunning(c: TestCluster, host: number, marker: string, ms = 20_000): Promise<void> {
  const ns = hostNamespace(c, host);
  return waitUntil(() => processesIn(ns).some((pid) => (commandLine(pid) ?? '').includes(marker)), ms, `${marker} running on host ${host}`, 2);
}

function stopAll(pids: number[]): Stall {
  const resume = () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* gone */
      }
    }
  };
  atExit(resume);
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  return { at: Date.now(), pids, resume };
}

/**
 * Makes every command on `host` start with a distinctive sleep (root's .bashrc, which bash
 * reads for ssh commands), so a quick command (mkdir, a data batch) is still running when the
 * test stops the sshd. Returns the sleep's command line and the way to take it out again.
 */
export function slowStart(c: TestCluster, host: number): { marker: string; undo(): void } {
  const marker = `sleep 2.${String(process.pid).padStart(6, '0')}`;
  const rc = join(c.hosts[host]!.home, '.bashrc');
  writeFileSync(rc, `${marker}\n`);
  const undo = () => rmSync(rc, { force: true });
  atExit(undo);
  return { marker, undo };
}
