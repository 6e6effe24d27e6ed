// Everything `data` does at one client, over its one connection:
//   1. md5 the targets that already exist (one batched command);
//   2. make the folders of the rest (one `mkdir -p`: batches unpacking at once never race to
//      make one), then send them in batches, each one tar stream over one exec channel that unpacks the
//      files under temporary names and md5sums what it wrote (tar-batch.ts), a few batches
//      in flight at once;
//   3. compare each file's sums, rename the verified ones to their final names (atomic,
//      replacing), record them, and only then delete the local copies that did not change
//      since they were opened (local-removal.ts).
// Temporaries an earlier, killed run left in the project folder go first (leftovers.ts).
// A file that fails at any step leaves nothing at its final name and its local copy in place.
import { posix } from 'node:path';
import pLimit from 'p-limit';
import type { Session } from '../ssh/session.js';
import { HostError } from '../ssh/host-error.js';
import { localMd5 } from './local-md5.js';
import { remoteMd5 } from './remote-batch.js';
import { judgeBatch } from './batch-verdict.js';
import { RemoteFiles, type Move } from './remote-files.js';
import { batches, makeBatch, sendBatch } from './tar-batch.js';
import { CHANGED, recordThenRemoveLocal, stampNow, type CopyCount } from './local-removal.js';
import { removeLeftovers } from './leftovers.js';
import type { FailKind, FileJob, FileStatus, VerifiedFile } from './types.js';
import type { FileReader } from './file-reader.js';
import { trace } from '../trace.js';

/** Batches in flight on one connection (each holds one exec channel). */
export const BATCHES_IN_FLIGHT = 3;
/** Local md5s of files that already exist remotely, computed at once. */
const LOCAL_HASHES_IN_FLIGHT = 8;

export interface ClientTransferOptions {
  /** Reads and hashes local files on a worker thread. */
  reader: FileReader;
  /** The local path of a file of the data folder. */
  localPath: (rel: string) => string;
  keep: boolean;
  force: boolean;
  signal?: AbortSignal;
  onBytes?: (n: number) => void;
  onFile?: (s: FileStatus) => void;
  /** Files with copies on several clients: their local copy goes with the last one verified. */
  copies?: CopyCount;
  /** Called with verified files before their local copies go; must persist them. */
  record: (verified: VerifiedFile[]) => Promise<void>;
}

export interface ClientTransferResult {
  files: FileStatus[];
  /** Temporaries of earlier runs removed from the project folder (undefined: could not tell). */
  temporariesRemoved?: number;
  /** Set when the client failed as a whole (connection lost, no md5sum…). */
  error?: HostError;
}

/** Gives a file its final status; the first one given counts. */
type Report = (s: FileStatus) => void;

/** Send `jobs` (all under the remote folder `base`) to the client of `session`. */
export async function transferToClient(
  session: Session,
  base: string,
  jobs: readonly FileJob[],
  opts: ClientTransferOptions,
): Promise<ClientTransferResult> {
  const statuses = new Map<FileJob, FileStatus>();
  const report: Report = (s) => {
    if (statuses.has(s.job)) return;
    statuses.set(s.job, s);
    opts.onFile?.(s);
  };
  let fatal: HostError | undefined;
  let temporariesRemoved: number | undefined;
  const fail = (e: unknown): HostError => {
    if (e instanceof HostError) return e;
    if (session.isLost) return session.lostError();
    return new HostError('io', errorText(e));
  };

  try {
    trace(`${session.target.hostname}:${session.target.port} checking ${jobs.length} targets`);
    const files = new RemoteFiles(session);
    const [, existing, removed] = await Promise.all([
      files.prepare(),
      remoteMd5(session, jobs.map((j) => j.remotePath)),
      // Before any batch of this run starts: only an earlier run's temporaries are there.
      removeLeftovers(session, base, opts.signal),
    ]);
    temporariesRemoved = removed;
    trace(`${session.target.hostname}:${session.target.port} ${existing.size} targets exist`);

    const alreadyThere: VerifiedFile[] = [];
    const stamps: string[] = [];
    const forced = new Set<FileJob>();
    const hashLimit = pLimit(LOCAL_HASHES_IN_FLIGHT);
    // Only targets that exist are hashed locally (a first run of many files hashes none here).
    await Promise.all(
      jobs
        .filter((job) => existing.has(job.remotePath))
        .map((job) =>
          hashLimit(async () => {
            const there = existing.get(job.remotePath) as string;
            let mine: string;
            let stamp: string | undefined;
            try {
              // Stamped before the first byte is hashed, as the reader stamps what it sends.
              stamp = stampNow(opts.localPath(job.file.rel));
              mine = await localMd5(opts.localPath(job.file.rel));
            } catch (e) {
              report({ job, ok: false, kind: 'local-read', reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? errorText(e)}` });
              return;
            }
            if (mine === there) {
              alreadyThere.push({ job, ok: true, md5: mine, bytes: job.file.size, already: true, removedLocal: false, time: new Date().toISOString() });
              stamps.push(stamp ?? '');
            } else if (opts.force) forced.add(job);
            else {
              report({ job, ok: false, kind: 'exists-different', reason: `a different file is already at ${job.remotePath} (md5 ${there}); --force replaces it` });
            }
          }),
        ),
    );
    if (alreadyThere.length > 0) await recordThenRemoveLocal(alreadyThere, stamps, opts, report);

    // In the plan's order.
    const toSend = jobs.filter((job) => !existing.has(job.remotePath) || forced.has(job));
    await files.makeFolders(foldersOf(base, toSend));
    await pipeline(session, files, base, toSend, opts, report);
  } catch (e) {
    fatal = fail(e);
  }

  // Every job with no status yet failed with the client's error.
  const reason = fatal ?? (opts.signal?.aborted ? new HostError('interrupted', 'interrupted') : session.isLost ? session.lostError() : undefined);
  for (const job of jobs) {
    if (!statuses.has(job)) {
      const kind: FailKind = reason?.kind === 'interrupted' ? 'interrupted' : reason?.kind === 'unreachable' ? 'unreachable' : 'io';
      report({ job, ok: false, kind, reason: reason?.message ?? 'not sent' });
    }
  }
  return { files: jobs.map((j) => statuses.get(j) as FileStatus), temporariesRemoved, error: fatal };
}

async function pipeline(
  session: Session,
  files: RemoteFiles,
  base: string,
  jobs: readonly FileJob[],
  opts: ClientTransferOptions,
  report: Report,
): Promise<void> {
  const limit = pLimit(BATCHES_IN_FLIGHT);
  let fatal: unknown;
  await Promise.all(
    batches(jobs).map((group) =>
      limit(async () => {
        if (opts.signal?.aborted || session.isLost || fatal !== undefined) return;
        const batch = makeBatch(base, group);
        try {
          await oneBatch(session, files, base, batch, opts, report);
        } catch (e) {
          // A failed batch fails its own files; a lost connection stops the rest too.
          if (session.isLost || (e instanceof HostError && e.kind === 'interrupted')) fatal ??= e;
          const err = e instanceof HostError ? e : new HostError('io', errorText(e));
          for (const it of batch.items) {
            report({ job: it.job, ok: false, kind: session.isLost ? 'unreachable' : err.kind === 'interrupted' ? 'interrupted' : 'io', reason: session.isLost ? session.lostError().message : err.message });
          }
        }
      }),
    ),
  );
  if (fatal !== undefined) throw fatal;
}

async function oneBatch(
  session: Session,
  files: RemoteFiles,
  base: string,
  batch: ReturnType<typeof makeBatch>,
  opts: ClientTransferOptions,
  report: Report,
): Promise<void> {
  const { items } = batch;
  const who = `${session.target.hostname}:${session.target.port}`;
  trace(`${who} batch of ${items.length} starts`);
  const outcome = await sendBatch(session, base, batch, opts.reader, { localPath: opts.localPath, onBytes: opts.onBytes, signal: opts.signal });
  trace(`${who} batch of ${items.length} unpacked and summed`);
  const good: VerifiedFile[] = [];
  const stamps: string[] = [];
  const { verified, rejected } = judgeBatch(outcome, base, items);
  const discard: string[] = [];
  for (const r of rejected) {
    // A file changed while it was read stays local; the next run sends it whole.
    report({ job: r.it.job, ok: false, kind: r.kind, reason: r.kind === 'changed' ? `${r.reason} (kept locally; the next run sends it again)` : r.reason });
    if (r.tmp !== undefined) discard.push(r.tmp);
  }
  const moves = verified.map((v) => ({ move: { from: v.tmp, to: v.it.job.remotePath } as Move, it: v.it, sent: v.sent }));
  // One time for the batch (it verified as a whole), one string shared by its entries.
  const time = new Date().toISOString();
  const failedMoves = await files.renameAll(moves.map((m) => m.move)).catch((e: unknown) => {
    if (session.isLost) throw session.lostError();
    return new Map(moves.map((m) => [m.move, errorText(e)]));
  });
  for (const { move, it, sent } of moves) {
    const why = failedMoves.get(move);
    if (why === undefined) {
      good.push({ job: it.job, ok: true, md5: sent.md5, bytes: sent.bytes, already: false, removedLocal: false, time });
      stamps.push(sent.stamp);
    } else {
      report({ job: it.job, ok: false, kind: 'io', reason: `cannot rename into place: ${why}` });
      discard.push(move.from);
    }
  }
  await files.unlinkAll(discard);
  trace(`${who} batch of ${items.length} renamed`);
  if (good.length > 0) await recordThenRemoveLocal(good, stamps, opts, report);
  trace(`${who} batch of ${items.length} recorded, local copies removed`);
}

/** The folders below `base` that the files go into (`base` itself each batch makes). */
function foldersOf(base: string, jobs: readonly FileJob[]): string[] {
  const folders = new Set<string>();
  for (const job of jobs) {
    const dir = posix.dirname(job.remotePath);
    if (dir !== base && dir !== '.') folders.add(dir);
  }
  return [...folders];
}

function errorText(e: unknown): string {
  return (e as { message?: string } | undefined)?.message ?? String(e);
}
