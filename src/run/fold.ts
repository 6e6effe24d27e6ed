// --fold: clients whose output and status are identical become one group (clush -b).
// Equality is by a digest computed while streaming, so no output is held to compare.
import type { HostRun } from './types.js';

export interface FoldGroup<T> {
  /** Members in the order given (clients.conf order); the first one's files are shown. */
  members: T[];
  digest: string;
}

export function foldGroups<T extends { digest: string }>(items: readonly T[]): FoldGroup<T>[] {
  const byDigest = new Map<string, FoldGroup<T>>();
  for (const item of items) {
    const group = byDigest.get(item.digest);
    if (group) group.members.push(item);
    else byDigest.set(item.digest, { digest: item.digest, members: [item] });
  }
  return [...byDigest.values()];
}

/** The fold key of one client: both streams' md5 and how it ended (compared, never shown: not hashed again). */
export function hostDigest(h: Pick<HostRun, 'stdout' | 'stderr' | 'state' | 'code' | 'signal' | 'error'>): string {
  return [h.stdout.md5, h.stderr.md5, h.state, h.code ?? '', h.signal ?? '', h.error?.kind ?? '', h.error?.message ?? ''].join('\0');
}
