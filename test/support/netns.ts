// A host that does not answer: a network namespace behind a veth pair whose far end is down.
// Packets to it go into the veth and are dropped; a catch-all `unreachable` route for its
// /30 (with a worse metric than the connected route) makes sure nothing ever leaves the
// machine even if the connected route went away.
import { execFileSync } from 'node:child_process';
import { atExit } from './at-exit.js';

export interface DeadHost {
  address: string;
  cleanup(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function netnsSupported(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function deadHost(): DeadHost {
  const id = process.pid % 200;
  const ns = `dirtest-off-${process.pid}`;
  const here = `vdo${process.pid % 100000}a`;
  const there = `vdo${process.pid % 100000}b`;
  const subnet = `10.254.${id}`;
  const address = `${subnet}.2`;
  const cleanup = () => {
    for (const args of [
      ['route', 'del', 'unreachable', `${subnet}.0/30`, 'metric', '4000'],
      ['link', 'del', here],
      ['netns', 'del', ns],
    ]) {
      try {
        ip(...args);
      } catch {
        /* already gone */
      }
    }
  };
  cleanup();
  try {
    ip('route', 'add', 'unreachable', `${subnet}.0/30`, 'metric', '4000');
    ip('netns', 'add', ns);
    ip('link', 'add', here, 'type', 'veth', 'peer', 'name', there);
    ip('link', 'set', there, 'netns', ns);
    ip('addr', 'add', `${subnet}.1/30`, 'dev', here);
    ip('link', 'set', here, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${address}/30`, 'dev', there);
    // The far end stays down: the host exists but answers nothing.
    ip('netns', 'exec', ns, 'ip', 'link', 'set', there, 'down');
  } catch (e) {
    cleanup();
    throw e;
  }
  atExit(cleanup);
  return { address, cleanup };
}
