// Fetches what a script wrote under DIRECTOR_OUTPUT_DIR into <host>/files, over the
// connection's SFTP channel, keeping names and folders. Only plain files and folders are
// taken; a name that could lead outside the target folder is refused, never written.
import { mkdirSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import pLimit from 'p-limit';
import type { SFTPWrapper } from 'ssh2';
import { getFile, readdir } from '../ssh/sftp.js';
import type { FilesStats } from './types.js';

/** Files in flight per client on its one SFTP channel. */
const PER_CLIENT = 4;
const MAX_DEPTH = 64;

export function isSafeName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\\') && !name.includes('\0');
}

/** Is `path` inside `root` (both absolute)? */
export function isInside(root: string, path: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

export async function fetchTree(sftp: SFTPWrapper, remoteDir: string, localDir: string): Promise<FilesStats> {
  const stats: FilesStats = { count: 0, bytes: 0, skipped: [] };
  const root = resolve(localDir);
  const limit = pLimit(PER_CLIENT);
  const jobs: Promise<void>[] = [];

  const walk = async (remote: string, rel: string, depth: number): Promise<void> => {
    const entries = await readdir(sftp, remote);
    for (const e of entries) {
      const relName = rel === '' ? e.filename : `${rel}/${e.filename}`;
      const target = resolve(root, relName);
      if (!isSafeName(e.filename) || !isInside(root, target)) {
        stats.skipped.push(`${JSON.stringify(relName)}: unsafe name`);
      } else if (e.attrs.isDirectory()) {
        if (depth >= MAX_DEPTH) stats.skipped.push(`${relName}/: deeper than ${MAX_DEPTH} folders`);
        else {
          mkdirSync(target, { recursive: true });
          await walk(`${remote}/${e.filename}`, relName, depth + 1);
        }
      } else if (e.attrs.isFile()) {
        mkdirSync(root, { recursive: true });
        jobs.push(
          limit(async () => {
            await getFile(sftp, `${remote}/${e.filename}`, target);
            stats.count++;
            stats.bytes += e.attrs.size;
          }),
        );
      } else {
        stats.skipped.push(`${relName}: ${e.attrs.isSymbolicLink() ? 'symbolic link' : 'not a plain file'}`);
      }
    }
  };
  let walkError: unknown;
  await walk(remoteDir, '', 0).catch((e: unknown) => (walkError = e));
  // Every started fetch is awaited before reporting, so none fails unobserved.
  const settled = await Promise.allSettled(jobs);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (walkError !== undefined) throw walkError;
  if (failed) throw failed.reason;
  return stats;
}
