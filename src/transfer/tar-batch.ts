// A batch of files to one client as one tar stream over one exec channel. The remote side
// extracts them under temporary names, then md5sums exactly those files (their names travel
// inside the tar as a NUL-separated list, never through the shell) and prints the sums.
// So a batch costs one round trip for upload and verification together. A batch that does
// not finish (Ctrl-C, a failed send) removes what it wrote, so no temporary is left behind.
// How files are cut into batches and what their temporaries are called is decided here too.
import { createHash } from 'node:crypto';
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
import { ReadError, type FileReader, type FileStream, type ReadResult } from './file-reader.js';
import { Coalesce, quiet, unlessStopped } from './stream-tools.js';
import { trace } from '../trace.js';
import { afterMark, markCode } from '../remote/framed.js';
import { answerToken, underSh } from '../remote/posix.js';

/**
 * A batch closes at this many files or bytes: large enough that one round trip (and one
 * set of remote processes: sh, tar, xargs, md5sum) covers many files, small enough that early
 * batches verify while later ones are still on the wire. 8 MiB batches measured ~5% slower
 * here than 24 MiB ones (more process spawns on the client side of the link).
 */
const BATCH_FILES = 256;
const BATCH_BYTES = 24 * 1024 * 1024;
/** Files up to this size are opened ahead of the stream, several at once. */
const SMALL = 1024 * 1024;
/** Files being read ahead of the tar stream, per batch. */
const READ_AHEAD = 16;
/** tar emits 512-byte headers and paddings; writing each as its own SSH packet costs a syscall. */
const COALESCE = 64 * 1024;

export interface BatchItem {
  job: FileJob;
  /** Path of the temporary file relative to the batch's base folder. */
  tempRel: string;
}

export interface Batch {
  /** Names the batch's temporaries and its list of them. */
  tag: string;
  items: readonly BatchItem[];
}

/** md5 of the bytes sent, whether the file changed while it was read, its stamp at open. */
export type Sent = ReadResult & { stamp: string };

export interface BatchOutcome {
  /** Per item that was sent. */
  sent: Map<BatchItem, Sent>;
  /** Items whose local file could not be read (nothing was sent for them). */
  unreadable: Map<BatchItem, string>;
  /** md5 the client computed from what it wrote, by tempRel. */
  remote: Map<string, string>;
  /** Set when the remote unpack failed (a full disk…): why each unverified file is missing. */
  failure?: UnpackFailure;
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

/**
 * The remote command, under /bin/sh: no user text in it but the quoted base folder. GNU tar
 * gets `-B -b 256` (it reads the pipe in 128 KiB records instead of 10 KiB ones: fewer
 * syscalls on the client); busybox tar knows neither. The files are summed even when tar
 * fails (a full disk): those written whole still verify, and tar's status and messages say
 * what happened to the others. The sums follow a mark, so a login banner is not read as one.
 */
export function batchCommand(base: string, listName: string, token: string): string {
  const b = quote(base);
  const l = quote(listName);
  return underSh(
    `{ cd -- ${b} 2>/dev/null || { mkdir -p -- ${b} && cd -- ${b}; }; } || exit 1\n` +
      'if tar --version 2>/dev/null | grep -q GNU; then tar -x -B -b 256 -f - --no-same-owner; else tar -x -f -; fi\n' +
      `t=$?\n${markCode(token)}\n[ -f ${l} ] && { ${MD5SUM_LIST}; } < ${l} 2>/dev/null\nrm -f -- ${l}\nexit $t`,
  );
}

export async function sendBatch(
  session: Session,
  base: string,
  batch: Batch,
  reader: FileReader,
  opts: { localPath: (rel: string) => string; onBytes?: (n: number) => void; signal?: AbortSignal },
): Promise<BatchOutcome> {
  const { items } = batch;
  // Named by the batch's tag, as its temporaries are: a rerun after a crash sends the same
  // batch again, so its list replaces (and then removes) the one the crash left.
  const list = nulList(items.map((it) => it.tempRel));
  const listName = `.director-batch-${batch.tag}.list`;
  const pack = tar.pack();
  const sent = new Map<BatchItem, Sent>();
  const unreadable = new Map<BatchItem, string>();

  // If the remote command ends first (connection lost, tar died), feeding must stop waiting
  // for a reader that is gone.
  const stop = new AbortController();
  // And if feeding fails (a file shrank under us), the remote command is stopped: its tar
  // would otherwise wait for the rest of a stream that never comes.
  const cancel = new AbortController();
  pack.on('error', () => undefined);
  const open = (it: BatchItem) => reader.open(opts.localPath(it.job.file.rel));
  const feeding = feed(pack, items, { name: listName, body: list }, sent, unreadable, open, opts.onBytes, stop.signal).catch((e: unknown) => {
    cancel.abort();
    pack.destroy(e as Error);
    throw e;
  });
  // tar-stream's pack is a streamx Readable; its pipe() feeds Node writables.
  const stdin = new Coalesce(COALESCE);
  (pack as unknown as Readable).pipe(stdin);
  const token = answerToken();
  const running = session.capture(batchCommand(base, listName, token), {
    stdin,
    signal: opts.signal ? AbortSignal.any([opts.signal, cancel.signal]) : cancel.signal,
  });
  void feeding.then(() => trace(`batch of ${items.length} fed`), () => undefined);
  void running.finally(() => stop.abort()).catch(() => undefined);
  const [fed, ran] = await Promise.allSettled([feeding, running]);
  if (ran.status === 'rejected') throw ran.reason;
  const { result, stdout, stderr } = ran.value;
  // Stopped by Ctrl-C/SIGTERM: say so (not "the remote side stopped reading"), and take back
  // the temporaries the killed tar wrote.
  if (opts.signal?.aborted && (result.interrupted || fed.status === 'rejected')) {
    await removeTemporaries(session, base, items, listName);
    throw new HostError('interrupted', 'interrupted');
  }
  const failure = result.code !== 0 ? unpackFailure(stderr, String(result.code ?? result.signal)) : undefined;
  // Feeding failed first (a file shrank under us; its remote command was then stopped), or
  // the remote side ended without a word: the batch failed here, not at the client.
  if (fed.status === 'rejected' && (failure === undefined || result.interrupted)) {
    await removeTemporaries(session, base, items, listName);
    throw new HostError('io', `sending a batch failed: ${(fed.reason as Error).message}`);
  }
  return { sent, unreadable, remote: parseMd5sumZ(afterMark(stdout, token) ?? ''), failure };
}

/** Best effort, on a connection that is still up: `rm -f` the batch's temporaries and list. */
async function removeTemporaries(session: Session, base: string, items: readonly BatchItem[], listName: string): Promise<void> {
  if (session.isLost) return;
  const names = nulList([...items.map((it) => it.tempRel), listName]);
  await session.capture(underSh(`cd -- ${quote(base)} 2>/dev/null && xargs -0 -r rm -f --`), { stdin: names, timeoutMs: CLEANUP_MS }).catch(() => undefined);
}

/** Write every readable file into the tar; the reader hashes exactly the bytes it hands over. */
async function feed(
  pack: tar.Pack,
  items: readonly BatchItem[],
  list: { name: string; body: Buffer },
  sent: Map<BatchItem, Sent>,
  unreadable: Map<BatchItem, string>,
  open: (it: BatchItem) => Promise<FileStream>,
  onBytes: ((n: number) => void) | undefined,
  stop: AbortSignal,
): Promise<void> {
  const until = <T>(p: Promise<T>) => unlessStopped(p, stop);
  // The list goes first: on a client whose disk fills up mid-batch it is already there, so
  // the files written whole before that still verify.
  await until(new Promise<void>((ok, fail) => quiet(pack.entry({ name: list.name, size: list.body.length, mode: 0o600 }, list.body, (e) => (e ? fail(e) : ok())))));
  // Small files are opened ahead, so the reader thread works while the channel sends.
  const ahead = new Map<BatchItem, Promise<FileStream>>();
  let next = 0;
  const readAhead = () => {
    while (next < items.length && ahead.size < READ_AHEAD) {
      const it = items[next] as BatchItem;
      if (it.job.file.size > SMALL && ahead.size > 0) break;
      next++;
      const p = open(it);
      p.catch(() => undefined);
      ahead.set(it, p);
    }
  };
  for (const item of items) {
    readAhead();
    const opening = ahead.get(item) ?? open(item);
    ahead.delete(item);
    let file: FileStream;
    try {
      file = await until(opening);
    } catch (e) {
      if (e instanceof ReadError) {
        unreadable.set(item, e.message);
        continue;
      }
      throw e;
    }
    let entry!: ReturnType<tar.Pack['entry']>;
    const done = new Promise<void>((ok, fail) => {
      entry = quiet(pack.entry({ name: item.tempRel, size: file.size, mode: 0o644, mtime: new Date(file.mtimeMs), type: 'file' }, (e) => (e ? fail(e) : ok())));
    });
    // Awaited below, unless feeding stops first: then its rejection must not go unhandled.
    done.catch(() => undefined);
    for (;;) {
      const chunk = await until(file.next());
      if (chunk === undefined) break;
      onBytes?.(chunk.length);
      if (!entry.write(chunk)) await until(new Promise<void>((ok) => entry.once('drain', ok)));
    }
    (entry as unknown as { end(): void }).end();
    await until(done);
    sent.set(item, { ...(await file.result()), stamp: file.stamp });
  }
  pack.finalize();
}
