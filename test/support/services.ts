// Services that director leaves on test hosts outlive their SSH sessions, and their sshd too
// (that is their point): they are found in each host's mount namespace, by a marker in their
// command line, and whatever a test leaves is killed when the test process exits.
import { atExit } from './at-exit.js';
import { commandLine, hostNamespace, processesIn, type TestHosts } from './proc.js';

const watched = new Set<string>();

/** Kill every process left in these hosts' namespaces when the test process exits (pass or fail). */
export function reapAtExit(c: TestHosts): void {
  const namespaces = c.hosts.map((_, i) => hostNamespace(c, i));
  if (watched.size === 0) {
    atExit(() => {
      for (const ns of watched) {
        for (const pid of processesIn(ns)) {
          // Only what runs as a service (its supervisor or what it started), never a listener.
          if (!/supervise\.sh|director-svc|echo-(node|python|perl)/.test(commandLine(pid) ?? '')) continue;
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
    });
  }
  for (const ns of namespaces) watched.add(ns);
}

/** Processes in host `i`'s namespace whose command line contains `marker`. */
export function onHost(c: TestHosts, i: number, marker: string, ns = hostNamespace(c, i)): number[] {
  return processesIn(ns).filter((pid) => (commandLine(pid) ?? '').includes(marker));
}

/** Per host, the processes whose command line contains `marker`. */
export function onHosts(c: TestHosts, marker: string, namespaces = c.hosts.map((_, i) => hostNamespace(c, i))): number[][] {
  return namespaces.map((ns, i) => onHost(c, i, marker, ns));
}

/** The marker every test service carries in its command line, so the reaper and the counts find it. */
export function marked(name: string): string {
  return `director-svc-${name}-${process.pid}`;
}

/**
 * A node service that listens on DIRECTOR_SERVICE_PORT at the host's own address (the test
 * hosts share one network) and prints a heartbeat every 100 ms; `marker` names it in the
 * process table. The words of `service start … -- <words>`.
 */
export function heartbeat(marker: string): string[] {
  const js =
    'const h = process.env.DIRECTOR_HOST.replace(/^.*@/, "").replace(/:[0-9]+$/, "");' +
    'require("net").createServer().listen(+process.env.DIRECTOR_SERVICE_PORT, h);' +
    'setInterval(() => console.log("beat", process.env.DIRECTOR_HOST_INDEX, process.env.DIRECTOR_SERVICE, Date.now()), 100)';
  return ['exec', 'node', '-e', `'${js}'`, marker];
}
