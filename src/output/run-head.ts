// --json carries the start of each client's output (the whole of it is in the files), so a
// program gets the common small answers without reading files and memory stays bounded.
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

export const JSON_OUTPUT_LIMIT = 64 * 1024;

export function outputHead(dir: string, limit = JSON_OUTPUT_LIMIT): { stdout: string; stderr: string; truncated: boolean } {
  const a = head(join(dir, 'stdout'), limit);
  const b = head(join(dir, 'stderr'), limit);
  return { stdout: a.text, stderr: b.text, truncated: a.truncated || b.truncated };
}

function head(file: string, limit: number): { text: string; truncated: boolean } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { text: '', truncated: false };
  }
  try {
    const buf = Buffer.alloc(limit + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return { text: buf.subarray(0, Math.min(n, limit)).toString('utf8'), truncated: n > limit };
  } finally {
    closeSync(fd);
  }
}
