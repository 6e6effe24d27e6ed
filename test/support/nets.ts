// Which 127.0.<net>.x networks a test process may put its clusters on. Several test
// processes run at once (the suite's shards, a developer's second run), and two clusters on
// one address and port would answer each other's tests: each net is claimed with a lock file
// holding the claimer's pid, released at exit, and taken over when that pid is gone.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAlive } from '../../src/process-tree.js';
import { atExit } from './at-exit.js';

const LOCKS = '/var/tmp/director-test-nets';
/** 127.0.1.x is `director sandbox up`'s; 127.0.200.x and above are left to fixed test addresses (bastion-net's 213/214). */
const FIRST = 2;
const LAST = 199;

/** `count` consecutive free nets, claimed for this process; the first is returned. */
export function claimNets(count: number): number {
  mkdirSync(LOCKS, { recursive: true });
  for (let base = FIRST; base + count - 1 <= LAST; base++) {
    const taken: number[] = [];
    for (let n = base; n < base + count && claim(n); n++) taken.push(n);
    if (taken.length === count) {
      atExit(() => taken.forEach(release));
      return base;
    }
    taken.forEach(release);
  }
  throw new Error(`no ${count} free 127.0.x networks for a test cluster (locks in ${LOCKS})`);
}

function claim(net: number, retry = true): boolean {
  const file = `${LOCKS}/${net}`;
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
    if (owner === process.pid || !retry) return false;
    if (owner > 0 && isAlive(owner)) return false;
    rmSync(file, { force: true });
    return claim(net, false);
  }
}

function release(net: number): void {
  const file = `${LOCKS}/${net}`;
  try {
    if (Number(readFileSync(file, 'utf8')) === process.pid) rmSync(file, { force: true });
  } catch {
    /* already gone */
  }
}
