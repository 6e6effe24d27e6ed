// A private folder on the director for one run's spools (stdin, the script snapshot, exec's
// output when it is not kept), removed when the run is over.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class LocalTemp {
  readonly dir: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'director-run-')); // mode 0700
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
