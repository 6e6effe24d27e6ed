// A batch of files to one client as one tar stream over one exec channel. The remote side
// extracts them under temporary names, then md5sums exactly those files (their names travel
// inside the tar as a NUL-separated list, never through the shell) and prints the sums.
// So a batch costs one round trip for upload and verification together. A batch that does
// not finish (Ctrl-C, a failed send) removes what it wrote, so no temporary is left behind.
// How files are cut into batches and what their temporaries are called is decided here too.
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { quote } from '../remote-shell.js';
import type { Session } from '../ssh/session.js';
import { HostError } from '../ssh/host-error.js';
import { nulList, parseMd5sumZ } from './md5sum-output.js';
import { MD5SUM_LIST } from './remote-batch.js';
import { unpackFailure, type UnpackFailure } from './unpack-failure.js';
import type { FileJob } from './types.js';
import type { FileReader } from './file-reader.js';
import { Coalesce } from './stream-tools.js';
import { trace } from '../trace.js';
import { afterMark, markCode } from '../remote/framed.js';
import { answerToken, underSh } from '../remote/posix.js';
import { feed, plainHeader, type BatchItem, type EntryHeader, type PackState } from './tar-pack.js';
import { fanOut } from './fanout.js';

export type { BatchItem, Sent } from './tar-pack.js';

/**
 * A batch closes at this many files or bytes: large enough that one round trip (and one
 * set of remote processes: sh, tar, xargs, md5sum) covers many files, small enough that early
 * batches verify while later ones are still on the wire. 8 MiB batches measured ~5% slower
 * here than 24 MiB ones (more process spawns on the client side of the link).
 */
const BATCH_FILES = 256;
const BATCH_BYTES = 24 * 1024 * 1024;
/** tar emits 512-byte headers and paddings; writing each as its own SSH packet costs a syscall. */
const COALESCE = 64 * 1024;

export interface Batch {
  /** Names the batch's temporaries and its list of them. */
  tag: string;
  items: readonly BatchItem[];
}

export interface BatchOutcome extends PackState {
  /** md5 the client computed from what it wrote, by tempRel. */
  remote: Map<string, string>;
  /** Set when the remote unpack failed (a full disk…): why each unverified file is missing. */
  failure?: UnpackFailure;
  /** The remote command's exit status (OWNER_FAILED: the files were written, chown failed). */
  code: number | null;
  stderr: string;
}

/**
 * One batch of `jobs` (all under the remote folder `base`), each file with its temporary name.
 * Made when the batch starts, not for all batches at once: names for a hundred thousand
 * files would otherwise sit in memory for the whole run.
 */
export function makeBatch(base: string, jobs: readonly FileJob[]): Batch {
  const tag = batchTag(jobs.map((job) => job.remotePath));
  return { tag, items: jobs.map((job, n) => ({ job, tempRel: tempPath(relativeTo(base, job.remotePath), tag, n) })) };
}

/** Group jobs into batches by count and bytes, in order. */
export function batches<T extends { file: { size: number } }>(jobs: readonly T[], maxFiles = BATCH_FILES, maxBytes = BATCH_BYTES): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const job of jobs) {
    if (cur.length > 0 && (cur.length >= maxFiles || bytes + job.file.size > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(job);
    bytes += job.file.size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * `sub/.<batch>-<n>.director-tmp` for the n-th file of a batch, `sub/<name>`: in the same folder,
 * so the rename is atomic. The name does not grow with the file's (a 255-byte name keeps a
 * temporary name the file system accepts). The batch tag is 64 bits of a hash of the batch's
 * final paths, so a rerun of the same batch after a crash reuses (and so replaces) the crash's
 * temporaries. Anyone can compute a tag, so scan never sends a file named like a temporary
 * (TEMPORARY_NAME): no data file can be overwritten by another's unpack.
 */
export function tempPath(finalPath: string, batch: string, n: number): string {
  const dir = posix.dirname(finalPath);
  return `${dir === '.' ? '' : `${dir}/`}.${batch}-${n}.director-tmp`;
}

export function batchTag(finalPaths: readonly string[]): string {
  return createHash('sha256').update(finalPaths.join('\0')).digest('hex').slice(0, 16);
}

function relativeTo(base: string, path: string): string {
  return base === '.' ? path : path.slice(base.length + 1);
}

/** How long removing a stopped batch's temporaries may take (a client that hangs is left). */
const CLEANUP_MS = 3000;

/** The batch command's status when tar wrote the files but `--owner`'s chown failed. */
export const OWNER_FAILED = 90;

export interface UnpackOptions {
  /** Give each file exactly its entry's mode, whatever the client's umask (GNU tar -p; busybox always does). */
  exactMode?: boolean;
  /** Keep the entry's mtime (default); false: the time of writing (tar -m). */
  keepMtime?: boolean;
  /** `user[:group]` for chown of every file written (root only). */
  owner?: string;
}

/**
 * The remote command, under /bin/sh: no user text in it but quoted words. GNU tar gets
 * `-B -b 256` (it reads the pipe in 128 KiB records instead of 10 KiB ones: fewer syscalls on
 * the client); busybox tar knows neither. The files are summed even when tar fails (a full
 * disk): those written whole still verify, and tar's status and messages say what happened to
 * the others. The sums follow a mark, so a login banner is not read as one.
 */
export function batchCommand(base: string, listName: string, token: string, o: UnpackOptions = {}): string {
  const b = quote(base);
  const l = quote(listName);
  const gnu = ['-x', '-B', '-b', '256', '-f', '-', '--no-same-owner', ...(o.exactMode ? ['-p'] : []), ...(o.keepMtime === false ? ['-m'] : [])];
  const busybox = ['-x', '-f', '-', ...(o.keepMtime === false ? ['-m'] : [])];
  const chown = o.owner === undefined ? '' : `if [ $t -eq 0 ] && [ -f ${l} ]; then xargs -0 -r chown -- ${quote(o.owner)} < ${l} || t=${OWNER_FAILED}; fi\n`;
  return underSh(
    `{ cd -- ${b} 2>/dev/null || { mkdir -p -- ${b} && cd -- ${b}; }; } || exit 1\n` +
      `if tar --version 2>/dev/null | grep -q GNU; then tar ${gnu.join(' ')}; else tar ${busybox.join(' ')}; fi\n` +
      `t=$?\n${chown}${markCode(token)}\n[ -f ${l} ] && { ${MD5SUM_LIST}; } < ${l} 2>/dev/null\nrm -f -- ${l}\nexit $t`,
  );
}

export interface SendOptions {
  localPath: (rel: string) => string;
  onBytes?: (n: number) => void;
  signal?: AbortSignal;
  header?: EntryHeader;
  unpack?: UnpackOptions;
}

/** One batch to one client (data): its outcome, or a HostError for the batch as a whole. */
export async function sendBatch(session: Session, base: string, batch: Batch, reader: FileReader, opts: SendOptions): Promise<BatchOutcome> {
  const [only] = await sendBatchToMany([session], base, batch, reader, opts);
  if (only instanceof Error) throw only;
  return only as BatchOutcome;
}

/**
 * One batch to every session in `sessions`: each file is read once, into one tar stream
 * written to every client's channel (fanout.ts), so N clients cost one read and one md5 of
 * each file on the director. Each client unpacks under the same temporary names and sums
 * what it wrote. A client that fails drops out of the stream without stopping the others;
 * its result is a HostError, the others' their outcome.
 */
export async function sendBatchToMany(
  sessions: readonly Session[],
  base: string,
  batch: Batch,
  reader: FileReader,
  opts: SendOptions,
): Promise<Array<BatchOutcome | HostError>> {
  const { items } = batch;
  // Named by the batch's tag, as its temporaries are: a rerun after a crash sends the same
  // batch again, so its list replaces (and then removes) the one the crash left.
  const list = nulList(items.map((it) => it.tempRel));
  const listName = `.director-batch-${batch.tag}.list`;
  const pack = tar.pack();
  const state: PackState = { sent: new Map(), unreadable: new Map() };
  // When no client reads any more (each one's command ended), feeding stops waiting.
  const stop = new AbortController();
  // And if feeding fails (a file shrank under us), the remote commands are stopped: their tar
  // would otherwise wait for the rest of a stream that never comes.
  const cancel = new AbortController();
  pack.on('error', () => undefined);
  const open = (it: BatchItem) => reader.open(opts.localPath(it.job.file.rel));
  const feeding = feed(pack, items, { name: listName, body: list }, state, open, { header: opts.header ?? plainHeader, onBytes: opts.onBytes, stop: stop.signal }).catch(
    (e: unknown) => {
      cancel.abort();
      pack.destroy(e as Error);
      throw e;
    },
  );
  // tar-stream's pack is a streamx Readable; its pipe() feeds Node writables.
  const source = new Coalesce(COALESCE);
  (pack as unknown as Readable).pipe(source);
  const branches = fanOut(source, sessions.length, () => stop.abort());
  const signal = opts.signal ? AbortSignal.any([opts.signal, cancel.signal]) : cancel.signal;
  // One listener per client's channel: a group of 16 is not a leak.
  setMaxListeners(0, signal);
  const runs = sessions.map((session, i) => {
    const token = answerToken();
    const branch = branches[i] as Readable & { destroy(): void };
    return session
      .capture(batchCommand(base, listName, token, opts.unpack), { stdin: branch, signal })
      .then((v) => ({ ...v, token }))
      .finally(() => branch.destroy());
  });
  void feeding.then(() => trace(`batch of ${items.length} fed to ${sessions.length}`), () => undefined);
  const [fed, ...ran] = await Promise.allSettled([feeding, ...runs]);
  return Promise.all(
    sessions.map(async (session, i): Promise<BatchOutcome | HostError> => {
      const r = ran[i] as PromiseSettledResult<Awaited<(typeof runs)[number]>>;
      if (r.status === 'rejected') return r.reason instanceof HostError ? r.reason : new HostError('io', String((r.reason as Error)?.message ?? r.reason));
      const { result, stdout, stderr, token } = r.value;
      // Stopped by Ctrl-C/SIGTERM: say so (not "the remote side stopped reading"), and take
      // back the temporaries the killed tar wrote.
      if (opts.signal?.aborted && (result.interrupted || fed.status === 'rejected')) {
        await removeTemporaries(session, base, items, listName);
        return new HostError('interrupted', 'interrupted');
      }
      const failure = result.code !== 0 ? unpackFailure(stderr, String(result.code ?? result.signal)) : undefined;
      // Feeding failed first (a file shrank under us; the remote commands were then stopped),
      // or the remote side ended without a word: the batch failed here, not at the client.
      if (fed.status === 'rejected' && (failure === undefined || result.interrupted)) {
        await removeTemporaries(session, base, items, listName);
        return new HostError('io', `sending a batch failed: ${(fed.reason as Error).message}`);
      }
      return { ...state, remote: parseMd5sumZ(afterMark(stdout, token) ?? ''), failure, code: result.code, stderr };
    }),
  );
}

/** Best effort, on a connection that is still up: `rm -f` the batch's temporaries and list. */
export async function removeTemporaries(session: Session, base: string, items: readonly BatchItem[], listName?: string): Promise<void> {
  if (session.isLost) return;
  const names = nulList([...items.map((it) => it.tempRel), ...(listName === undefined ? [] : [listName])]);
  await session.capture(underSh(`cd -- ${quote(base)} 2>/dev/null && xargs -0 -r rm -f --`), { stdin: names, timeoutMs: CLEANUP_MS }).catch(() => undefined);
}
