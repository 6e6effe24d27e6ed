// A batch of files to one client as one tar stream over one exec channel. The remote side
// extracts them under temporary names, then md5sums exactly those files (their names travel
// inside the tar as a NUL-separated list, never through the shell) and prints the sums.
// So a batch costs one round trip for upload and verification together.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream';
import tar from 'tar-stream';
import { quote } from '../remote-shell.js';
import type { Session } from '../ssh/session.js';
import { HostError } from '../ssh/host-error.js';
import { nulList, parseMd5sumZ } from './md5sum-output.js';
import type { FileJob } from './client-transfer.js';
import { trace } from '../trace.js';

const READ_CHUNK = 256 * 1024;
/** Files up to this size are read whole in one call, which costs far less than open/read/close. */
const WHOLE_FILE = 1024 * 1024;
/** Small files being read ahead of the tar stream, per batch. */
const READ_AHEAD = 16;
/** tar emits 512-byte headers and paddings; writing each as its own SSH packet costs a syscall. */
const COALESCE = 64 * 1024;

export interface BatchItem {
  job: FileJob;
  /** Path of the temporary file relative to the batch's base folder. */
  tempRel: string;
}

export interface BatchOutcome {
  /** md5 of the bytes sent, per item that was sent. */
  sent: Map<BatchItem, { md5: string; bytes: number }>;
  /** Items whose local file could not be read (nothing was sent for them). */
  unreadable: Map<BatchItem, string>;
  /** md5 the client computed from what it wrote, by tempRel. */
  remote: Map<string, string>;
}

/** The remote command: no user text in it but the quoted base folder. */
export function batchCommand(base: string, listName: string): string {
  const b = quote(base);
  const l = quote(listName);
  return (
    `mkdir -p -- ${b} && cd -- ${b} && tar -x -f - --no-same-owner && ` +
    `{ xargs -0 -r md5sum -z -- < ${l} 2>/dev/null; rm -f -- ${l}; }`
  );
}

export async function sendBatch(
  session: Session,
  base: string,
  items: readonly BatchItem[],
  opts: { onBytes?: (n: number) => void; signal?: AbortSignal },
): Promise<BatchOutcome> {
  const listName = `.director-batch-${randomBytes(6).toString('hex')}.list`;
  const pack = tar.pack();
  const sent = new Map<BatchItem, { md5: string; bytes: number }>();
  const unreadable = new Map<BatchItem, string>();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const collect = (into: Buffer[]) =>
    new Writable({
      write(chunk: Buffer, _e, cb) {
        into.push(chunk);
        cb();
      },
    });

  // If the remote command ends first (connection lost, tar died), feeding must stop waiting
  // for a reader that is gone.
  const stop = new AbortController();
  // And if feeding fails (a file shrank under us), the remote command is stopped: its tar
  // would otherwise wait for the rest of a stream that never comes.
  const cancel = new AbortController();
  pack.on('error', () => undefined);
  const feeding = feed(pack, items, listName, sent, unreadable, opts.onBytes, stop.signal).catch((e: unknown) => {
    cancel.abort();
    pack.destroy(e as Error);
    throw e;
  });
  // tar-stream's pack is a streamx Readable; its pipe() feeds Node writables.
  const stdin = new Coalesce(COALESCE);
  (pack as unknown as Readable).pipe(stdin);
  const running = session.exec(batchCommand(base, listName), {
    stdin,
    stdout: collect(out),
    stderr: collect(err),
    signal: opts.signal ? AbortSignal.any([opts.signal, cancel.signal]) : cancel.signal,
  });
  void feeding.then(() => trace(`batch of ${items.length} fed`), () => undefined);
  void running.finally(() => stop.abort()).catch(() => undefined);
  const [fed, ran] = await Promise.allSettled([feeding, running]);
  if (ran.status === 'rejected') throw ran.reason;
  if (fed.status === 'rejected') throw new HostError('io', `sending a batch failed: ${(fed.reason as Error).message}`);
  const remote = parseMd5sumZ(Buffer.concat(out));
  const result = ran.value;
  if (remote.size === 0 && sent.size > 0 && result.code !== 0) {
    if (result.interrupted) throw new HostError('interrupted', 'interrupted');
    const why = Buffer.concat(err).toString('utf8').trim().split('\n').pop() || `exit status ${result.code ?? result.signal}`;
    throw new HostError('io', `the client could not unpack a batch: ${why}`);
  }
  return { sent, unreadable, remote };
}

/** Write every readable file into the tar, hashing exactly the bytes written. */
async function feed(
  pack: tar.Pack,
  items: readonly BatchItem[],
  listName: string,
  sent: Map<BatchItem, { md5: string; bytes: number }>,
  unreadable: Map<BatchItem, string>,
  onBytes: ((n: number) => void) | undefined,
  stop: AbortSignal,
): Promise<void> {
  const until = <T>(p: Promise<T>) => unlessStopped(p, stop);
  const names: string[] = [];
  // Small files are read ahead, several at once: one at a time, each read waits a full
  // trip through libuv's thread pool.
  const ahead = new Map<BatchItem, Promise<Buffer>>();
  let next = 0;
  const readAhead = () => {
    while (next < items.length && ahead.size < READ_AHEAD) {
      const it = items[next++] as BatchItem;
      if (it.job.file.size <= WHOLE_FILE) {
        const p = readWhole(it.job.file.abs);
        p.catch(() => undefined);
        ahead.set(it, p);
      }
    }
  };
  for (const item of items) {
    readAhead();
    const pending = ahead.get(item);
    if (pending) {
      ahead.delete(item);
      let data: Buffer;
      try {
        data = await pending;
      } catch (e) {
        unreadable.set(item, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        continue;
      }
      await until(
        new Promise<void>((ok, fail) =>
          quiet(pack.entry({ name: item.tempRel, size: data.length, mode: 0o644, mtime: new Date(item.job.file.mtimeMs), type: 'file' }, data, (e) => (e ? fail(e) : ok()))),
        ),
      );
      sent.set(item, { md5: createHash('md5').update(data).digest('hex'), bytes: data.length });
      names.push(item.tempRel);
      onBytes?.(data.length);
      continue;
    }
    let fh;
    try {
      fh = await open(item.job.file.abs, 'r');
    } catch (e) {
      unreadable.set(item, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      continue;
    }
    try {
      const st = await fh.stat();
      const hash = createHash('md5');
      let entry!: ReturnType<tar.Pack['entry']>;
      const done = new Promise<void>((ok, fail) => {
        entry = quiet(pack.entry({ name: item.tempRel, size: st.size, mode: 0o644, mtime: st.mtime, type: 'file' }, (e) => (e ? fail(e) : ok())));
      });
      // Awaited below, unless feeding stops first: then its rejection must not go unhandled.
      done.catch(() => undefined);
      let position = 0;
      while (position < st.size) {
        // The tar stream keeps what it is given, so every chunk is a buffer of its own.
        const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, st.size - position));
        const { bytesRead } = await fh.read(buf, 0, buf.length, position);
        if (bytesRead === 0) throw new Error(`${item.job.file.rel} shrank while it was being sent`);
        const chunk = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
        hash.update(chunk);
        position += bytesRead;
        if (!entry.write(chunk)) await until(new Promise<void>((ok) => entry.once('drain', ok)));
        onBytes?.(bytesRead);
      }
      (entry as unknown as { end(): void }).end();
      await until(done);
      sent.set(item, { md5: hash.digest('hex'), bytes: position });
      names.push(item.tempRel);
    } finally {
      await fh.close().catch(() => undefined);
    }
  }
  const list = nulList(names);
  await until(new Promise<void>((ok, fail) => quiet(pack.entry({ name: listName, size: list.length, mode: 0o600 }, list, (e) => (e ? fail(e) : ok())))));
  pack.finalize();
}

function readWhole(path: string): Promise<Buffer> {
  // The callback form skips a promise hop per step of open/stat/read/close.
  return new Promise((ok, fail) => readFile(path, (e, data) => (e ? fail(e) : ok(data))));
}

/** Joins small chunks into writes of about `size` bytes; passes big chunks straight on. */
export class Coalesce extends Transform {
  private parts: Buffer[] = [];
  private length = 0;

  constructor(private readonly size: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.parts.push(chunk);
    this.length += chunk.length;
    if (this.length >= this.size) this.emitParts();
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.emitParts();
    cb();
  }

  private emitParts(): void {
    if (this.length === 0) return;
    this.push(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.length));
    this.parts = [];
    this.length = 0;
  }
}

/** `p`, or a rejection as soon as `signal` aborts. */
function unlessStopped<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('the remote side stopped reading'));
  return new Promise<T>((ok, fail) => {
    const onAbort = () => fail(new Error('the remote side stopped reading'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        ok(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        fail(e);
      },
    );
  });
}

/** An entry's failure reaches us through its callback; an 'error' event with no listener would crash. */
function quiet<T extends { on(event: 'error', f: () => void): unknown }>(entry: T): T {
  entry.on('error', () => undefined);
  return entry;
}
