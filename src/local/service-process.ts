// Who a service process is: how it is launched, and how to recognise one from its pid
// (/proc/<pid>/cmdline), so that we never signal a process that is not ours.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isAlive } from '../process-tree.js';

export const SERVICE_MODULE = fileURLToPath(new URL('./service-main.js', import.meta.url));
const MODULE_SUFFIX = '/local/service-main.js';

/** Exit codes a service uses when it cannot start, read by the supervisor. */
export const SERVICE_EXIT = { inUse: 3, denied: 4, failed: 5 } as const;

export function serviceArgs(port: number, opts: { log?: boolean } = {}): string[] {
  return [SERVICE_MODULE, String(port), ...(opts.log ? ['--log'] : [])];
}

/** Is this argv (as in /proc/<pid>/cmdline) a director service on `port`? Pure. */
export function isServiceArgv(argv: readonly string[], port: number): boolean {
  const at = argv.findIndex((a) => a.endsWith(MODULE_SUFFIX));
  return at > 0 && argv[at + 1] === String(port);
}

export function readArgv(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
  } catch {
    return undefined;
  }
}

/** The pid is alive and is our service on that port — not a recycled pid. */
export function isOurService(pid: number, port: number): boolean {
  if (!Number.isInteger(pid) || pid <= 1 || !isAlive(pid)) return false;
  const argv = readArgv(pid);
  return argv !== undefined && isServiceArgv(argv, port);
}

export { isAlive };
