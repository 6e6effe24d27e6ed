// Numbered things several test processes could take at once (127.0.x networks, local-mode
// ports): each is claimed with a lock file holding the claimer's pid, released when this
// process exits, and taken over when the pid that holds it is gone.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAlive } from '../../src/process-tree.js';
import { atExit } from './at-exit.js';

export class Claims {
  private readonly mine = new Set<number>();
  private hooked = false;

  /** `dir`: the lock folder, one file per number. */
  constructor(readonly dir: string) {}

  /** True when this process holds `n` now (claimed before or just now). */
  claim(n: number): boolean {
    if (this.mine.has(n)) return true;
    if (!this.take(n, true)) return false;
    this.mine.add(n);
    if (!this.hooked) {
      this.hooked = true;
      atExit(() => [...this.mine].forEach((k) => this.release(k)));
    }
    return true;
  }

  release(n: number): void {
    this.mine.delete(n);
    const file = `${this.dir}/${n}`;
    try {
      if (Number(readFileSync(file, 'utf8')) === process.pid) rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  }

  held(n: number): boolean {
    return this.mine.has(n);
  }

  private take(n: number, retry: boolean): boolean {
    mkdirSync(this.dir, { recursive: true });
    const file = `${this.dir}/${n}`;
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch {
      let owner = 0;
      try {
        owner = Number(readFileSync(file, 'utf8'));
      } catch {
        /* released meanwhile */
      }
      if (owner === process.pid) return true;
      if (!retry || (owner > 0 && isAlive(owner))) return false;
      rmSync(file, { force: true });
      return this.take(n, false);
    }
  }
}
