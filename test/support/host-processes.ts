// Processes on the test hosts while and after director works: when a process of interest
// started on a host and when it was gone (to time a kill from the host's side, not from what
// director says about it), and what is left afterwards on the hosts.
import { commandLine, describe, groupStartedAtMs, hostNamespace, processesIn, processesLeft, type TestHosts } from './proc.js';

export interface Sighting {
  /**
   * When the remote command of the earliest matching process started (epoch ms, from /proc,
   * 10 ms resolution): its process group's leader, the shell sshd started for the channel.
   */
  startedAt?: number;
  /** The first poll that found none left after some were seen (epoch ms). */
  goneAt?: number;
}

export interface HostWatch {
  /** Per host, what was seen so far. */
  readonly hosts: Sighting[];
  /** Resolves once every host has shown a matching process. */
  allSeen(ms?: number): Promise<void>;
  /** Resolves once every host's matching processes are gone (or after `ms`), and stops watching. */
  stop(ms?: number): Promise<Sighting[]>;
}

/** Polls every host of `c` for processes whose command line `matches`. */
export function watchHosts(c: TestHosts, matches: (cmdline: string) => boolean, everyMs = 25): HostWatch {
  const namespaces = c.hosts.map((_, i) => hostNamespace(c, i));
  const hosts: Sighting[] = namespaces.map(() => ({}));
  const poll = () => {
    namespaces.forEach((ns, i) => {
      const found = processesIn(ns).filter((pid) => matches(commandLine(pid) ?? ''));
      const s = hosts[i]!;
      for (const pid of found) {
        const at = groupStartedAtMs(pid);
        if (at !== undefined && (s.startedAt === undefined || at < s.startedAt)) s.startedAt = at;
      }
      if (found.length > 0) delete s.goneAt;
      else if (s.startedAt !== undefined) s.goneAt ??= Date.now();
    });
  };
  // unref: a test that fails before stop() must not keep the test process alive.
  const timer = setInterval(poll, everyMs).unref();
  const until = async (ok: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, everyMs));
    return ok();
  };
  return {
    hosts,
    async allSeen(ms = 20_000) {
      if (!(await until(() => hosts.every((s) => s.startedAt !== undefined), ms))) {
        throw new Error(`not seen on every host within ${ms} ms: ${JSON.stringify(hosts)}`);
      }
    },
    async stop(ms = 5000) {
      await until(() => hosts.every((s) => s.goneAt !== undefined), ms);
      clearInterval(timer);
      poll();
      return hosts;
    },
  };
}

/** Processes left on all hosts of `c` (those in `except` aside) besides their sshd listeners: how many, and which. */
export async function leftOnHosts(c: TestHosts, except: readonly number[] = []): Promise<{ count: number; which: string }> {
  let count = 0;
  const which: string[] = [];
  for (let i = 0; i < c.hosts.length; i++) {
    if (except.includes(i)) continue;
    const pids = await processesLeft(c, i);
    count += pids.length;
    if (pids.length > 0) which.push(`host ${i}: ${describe(pids)}`);
  }
  return { count, which: which.join('; ') };
}
