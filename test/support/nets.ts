// Which 127.0.<net>.x networks a test process may put its clusters on. Several test
// processes run at once (the suite's files side by side, a developer's second run), and two
// clusters on one address and port would answer each other's tests: each net is claimed
// (claims.ts) for the life of the process.
import { Claims } from './claims.js';

const nets = new Claims('/var/tmp/director-test-nets');
/** 127.0.1.x is `director sandbox up`'s; 127.0.200.x and above are left to fixed test addresses (bastion-net's 213/214). */
const FIRST = 2;
const LAST = 199;

/** `count` consecutive free nets, claimed for this process; the first is returned. */
export function claimNets(count: number): number {
  for (let base = FIRST; base + count - 1 <= LAST; base++) {
    // Nets this process already holds belong to its earlier clusters, which may still run.
    if (nets.held(base)) continue;
    const taken: number[] = [];
    for (let n = base; n < base + count && !nets.held(n) && nets.claim(n); n++) taken.push(n);
    if (taken.length === count) return base;
    taken.forEach((n) => nets.release(n));
  }
  throw new Error(`no ${count} free 127.0.x networks for a test cluster (locks in ${nets.dir})`);
}
