// Temporary folders for tests, removed when the test process exits (pass or fail).
import { mkdtempSync, rmSync } from 'node:fs';
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
