// Temporary folders for tests, removed when the test process exits (pass or fail), and
// tiny file systems over them for the full-disk cases.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atExit } from './at-exit.js';

const made: string[] = [];
let hooked = false;

export function tempDir(prefix: string, base = tmpdir()): string {
  if (!hooked) {
    hooked = true;
    atExit(() => {
      for (const d of made) rmSync(d, { recursive: true, force: true });
    });
  }
  const dir = mkdtempSync(join(base, prefix));
  made.push(dir);
  return dir;
}

/** A tmpfs of `size` over `dir` (needs root, as the suite does); returns the unmount (also run at exit). */
export function tmpfsOver(dir: string, size: string): () => void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  let mounted = true;
  const undo = () => {
    if (mounted) execFileSync('umount', ['-l', dir]);
    mounted = false;
  };
  atExit(undo);
  return undo;
}

/** Fill the file system of `dir` to the last byte. */
export function fill(dir: string): void {
  execFileSync('sh', ['-c', 'dd if=/dev/zero of="$1"/filler bs=4k 2>/dev/null; true', 'sh', dir]);
  // Then page by page (a tmpfs counts pages): a byte written anywhere afterwards fails.
  for (let i = 0; i < 1000; i++) {
    try {
      writeFileSync(join(dir, `filler-${i}`), 'x');
    } catch {
      return;
    }
  }
}
