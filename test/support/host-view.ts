// A test host as it sees itself. Each isolated host has its own mount namespace, so a tmpfs
// or a fake binary mounted there for one test is seen by that host only. The director-side
// `c.hosts[i].home` is the folder bound over the login home and misses such mounts;
// hostPath (proc.ts) resolves a path inside the host's namespace.
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, posix } from 'node:path';
import type { TestCluster } from './cluster.js';
import { hostIsIsolated, hostPath } from './proc.js';
import { inHost, type RemoteReader } from './reliability.js';

/** The login home as the hosts see it (their own home is bound over it). */
const LOGIN_HOME = userInfo().homedir;

/** A project's folder in a host's own view (data's default remote root). */
export function projectPathInHost(project: string): string {
  return posix.join(LOGIN_HOME, 'director/data', project);
}

/** The project folder as host `i` sees it (a tmpfs mounted over it included), read from here. */
export function hostProjectDir(c: TestCluster, host: number, project: string): string {
  return hostPath(c, host, projectPathInHost(project));
}

/** A ledger reader that sees what each host sees, mounts included. */
export function hostViewReader(c: TestCluster, project: string): RemoteReader {
  return (host, rel) => {
    const file = join(hostProjectDir(c, host, project), rel);
    return existsSync(file) ? readFileSync(file) : undefined;
  };
}

/** director's temporaries (`.<tag>-<n>.director-tmp`, `.director-batch-<tag>.list`) in a host's project folder. */
export function hostTemporaries(c: TestCluster, host: number, project: string): string[] {
  const dir = hostProjectDir(c, host, project);
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((n) => /\.director-tmp$|\.director-batch-[^/]*\.list$/.test(n)).sort();
}

/** Refuse to mount anything unless the host really has a namespace of its own. */
function assertIsolated(c: TestCluster, host: number): void {
  if (!hostIsIsolated(c, host)) throw new Error('the test hosts share this machine\'s mount namespace: refusing to mount over it');
}

/** A tmpfs of `size` (e.g. "1m") over a folder of one host; returns how to take it away again. */
export function tmpfsInHost(c: TestCluster, host: number, path: string, size: string): () => void {
  assertIsolated(c, host);
  inHost(c, host, ['mkdir', '-p', path]);
  inHost(c, host, ['mount', '-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path]);
  return once(() => inHost(c, host, ['umount', path]));
}

/**
 * Replace a binary (e.g. /usr/bin/md5sum) on one host only with a shell script. The real one
 * stays callable in the script as `$REAL` (a copy in the host's /tmp). Returns the undo.
 */
export function fakeBinaryInHost(c: TestCluster, host: number, target: string, script: string): () => void {
  assertIsolated(c, host);
  const name = posix.basename(target);
  const tmp = c.hosts[host]!.tmp;
  copyFileSync(target, join(tmp, `real-${name}`));
  chmodSync(join(tmp, `real-${name}`), 0o755);
  writeFileSync(join(tmp, `fake-${name}`), `#!/bin/sh\nREAL=/tmp/real-${name}\n${script}\n`, { mode: 0o755 });
  inHost(c, host, ['mount', '--bind', `/tmp/fake-${name}`, target]);
  return once(() => inHost(c, host, ['umount', target]));
}

/** An undo that may be called again (in a `finally` after the test's own call). */
function once(undo: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    undo();
  };
}
