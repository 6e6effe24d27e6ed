// Reading local files for `data` on a worker thread: the main thread gets each file's size,
// then its bytes in chunks (a few in flight), then the md5 of exactly those bytes.
import { Worker } from 'node:worker_threads';
import type { ReaderReply, ReaderRequest } from './reader-protocol.js';

export class ReadError extends Error {
  constructor(readonly code: string) {
    super(`cannot read: ${code}`);
  }
}

/** Chunks of a file as they arrive, then its md5. */
export interface FileStream {
  size: number;
  mtimeMs: number;
  /** What the file was at open (local-removal.ts): its local copy goes only if it still is. */
  stamp: string;
  /** Next chunk, or undefined at the end. */
  next(): Promise<Buffer | undefined>;
  /** md5 and byte count, once next() has returned undefined; `changed` if it was written to meanwhile. */
  result(): Promise<ReadResult>;
}

export interface ReadResult {
  md5: string;
  bytes: number;
  changed: boolean;
}

const CHUNK = 1024 * 1024;
/** Chunks of one file read ahead of the SSH channel. */
const WINDOW = 2;

interface Pending {
  sized: (m: Extract<ReaderReply, { kind: 'size' }>) => void;
  failed: (e: ReadError) => void;
  chunks: Buffer[];
  waiting: ((c: Buffer | undefined) => void) | undefined;
  waitFail: ((e: ReadError) => void) | undefined;
  ended: ReadResult | undefined;
  error: ReadError | undefined;
  sizeKnown: boolean;
}

export class FileReader {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor() {
    this.worker = new Worker(new URL('./read-worker.js', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (m: ReaderReply) => this.onReply(m));
    this.worker.on('error', (e) => {
      for (const p of this.pending.values()) this.fail(p, new ReadError(`reader thread failed: ${e.message}`));
    });
  }

  private post(req: ReaderRequest): void {
    this.worker.postMessage(req);
  }

  private fail(p: Pending, e: ReadError): void {
    p.error = e;
    if (!p.sizeKnown) p.failed(e);
    p.waitFail?.(e);
    p.waiting = undefined;
    p.waitFail = undefined;
  }

  private onReply(m: ReaderReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    switch (m.kind) {
      case 'size':
        p.sizeKnown = true;
        p.sized(m);
        break;
      case 'chunk': {
        const data = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
        if (p.waiting) {
          const w = p.waiting;
          p.waiting = undefined;
          p.waitFail = undefined;
          w(data);
        } else p.chunks.push(data);
        break;
      }
      case 'end':
        p.ended = { md5: m.md5, bytes: m.bytes, changed: m.changed };
        this.pending.delete(m.id);
        if (p.waiting && p.chunks.length === 0) {
          const w = p.waiting;
          p.waiting = undefined;
          w(undefined);
        }
        break;
      case 'error':
        this.pending.delete(m.id);
        this.fail(p, new ReadError(m.code));
        break;
    }
  }

  /** Open a file; rejects with ReadError when it cannot be read. */
  open(path: string): Promise<FileStream> {
    const id = this.nextId++;
    return new Promise<FileStream>((resolve, reject) => {
      const p: Pending = {
        sized: (m) => resolve(stream(m.size, m.mtimeMs, m.stamp)),
        failed: reject,
        chunks: [],
        waiting: undefined,
        waitFail: undefined,
        ended: undefined,
        error: undefined,
        sizeKnown: false,
      };
      const stream = (size: number, mtimeMs: number, stamp: string): FileStream => ({
        size,
        mtimeMs,
        stamp,
        next: () => {
          const c = p.chunks.shift();
          if (c) {
            this.post({ kind: 'ack', id });
            return Promise.resolve(c);
          }
          if (p.error) return Promise.reject(p.error);
          if (p.ended) return Promise.resolve(undefined);
          return new Promise<Buffer | undefined>((ok, fail) => {
            p.waiting = (chunk) => {
              if (chunk) this.post({ kind: 'ack', id });
              ok(chunk);
            };
            p.waitFail = fail;
          });
        },
        result: () => (p.ended ? Promise.resolve(p.ended) : Promise.reject(p.error ?? new ReadError('read not finished'))),
      });
      this.pending.set(id, p);
      this.post({ kind: 'open', id, path, chunk: CHUNK, window: WINDOW });
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}
