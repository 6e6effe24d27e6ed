// One stream read once, written to several clients' channels: the copy of a batch to many
// clients. The source moves at the pace of the slowest live branch (it pauses until every
// branch that said "full" has drained); a branch that closes (its client failed or finished
// early) is dropped and no longer holds the others back. When no branch is left, `onAllGone`
// says so, so that the reading stops too.
import { PassThrough, type Readable } from 'node:stream';

/** Bytes a branch holds before it asks the source to wait. */
const BRANCH_BUFFER = 1024 * 1024;

export function fanOut(source: Readable, count: number, onAllGone: () => void): PassThrough[] {
  const branches = Array.from({ length: count }, () => new PassThrough({ highWaterMark: BRANCH_BUFFER }));
  const live = new Set(branches);
  /** Branches the source waits for. */
  const full = new Set<PassThrough>();
  const release = (b: PassThrough) => {
    if (!full.delete(b)) return;
    if (full.size === 0 && source.isPaused()) source.resume();
  };
  for (const b of branches) {
    b.on('drain', () => release(b));
    b.on('error', () => undefined);
    b.on('close', () => {
      if (!live.delete(b)) return;
      release(b);
      if (live.size === 0) onAllGone();
    });
  }
  source.on('data', (chunk: Buffer) => {
    for (const b of live) if (!b.write(chunk)) full.add(b);
    if (full.size > 0) source.pause();
  });
  source.on('end', () => {
    for (const b of live) b.end();
  });
  return branches;
}
