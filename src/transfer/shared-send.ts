// The batches of one group of clients that need the same files (rendezvous.ts): each batch is
// read once and streamed to every member still connected (tar-batch.ts sendBatchToMany), a
// few batches in flight; each member picks up its own outcome of each batch and finishes it
// (verify, rename) at its own pace.
import pLimit from 'p-limit';
import type { Session } from '../ssh/session.js';
import { HostError } from '../ssh/host-error.js';
import type { FileReader } from './file-reader.js';
import { batches, makeBatch, sendBatchToMany, type Batch, type BatchOutcome, type SendOptions } from './tar-batch.js';
import type { FileJob } from './types.js';

/** Batches in flight for a group (each holds one exec channel on every member). */
const BATCHES_IN_FLIGHT = 3;

type Outcome = BatchOutcome | HostError;

export class SharedSend {
  readonly batches: Batch[];
  private readonly outcomes = new Map<Session, Array<Promise<Outcome>>>();

  constructor(
    readonly members: readonly Session[],
    base: string,
    jobs: readonly FileJob[],
    reader: FileReader,
    opts: SendOptions,
  ) {
    this.batches = batches(jobs).map((group) => makeBatch(base, group));
    const settle = new Map<Session, Array<(o: Outcome) => void>>();
    for (const m of members) {
      const resolvers: Array<(o: Outcome) => void> = [];
      this.outcomes.set(m, this.batches.map(() => new Promise<Outcome>((ok) => resolvers.push(ok))));
      settle.set(m, resolvers);
    }
    const limit = pLimit(BATCHES_IN_FLIGHT);
    this.batches.forEach((batch, k) =>
      void limit(async () => {
        // A member whose connection went (or Ctrl-C) is not sent to again.
        const live = members.filter((m) => !m.isLost);
        for (const m of members) if (m.isLost) settle.get(m)?.[k]?.(m.lostError());
        if (opts.signal?.aborted) {
          for (const m of live) settle.get(m)?.[k]?.(new HostError('interrupted', 'interrupted'));
          return;
        }
        if (live.length === 0) return;
        const results = await sendBatchToMany(live, base, batch, reader, opts).catch((e: unknown) => live.map(() => new HostError('io', (e as Error).message)));
        live.forEach((m, i) => settle.get(m)?.[k]?.(results[i] as Outcome));
      }),
    );
  }

  /** What member `m` made of batch `k`. */
  outcome(m: Session, k: number): Promise<Outcome> {
    const p = this.outcomes.get(m)?.[k];
    if (p === undefined) throw new Error('not a member of this group');
    return p;
  }
}
