// The file reader thread of `data`: reads local files and computes their md5 off the main
// thread, which is busy with SSH. Synchronous reads are right here: this thread does nothing
// else. Buffers go back to the main thread without a copy (transferred).
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { ReaderReply, ReaderRequest } from './reader-protocol.js';
import { stampOf } from './local-removal.js';

const port = parentPort;
if (!port) throw new Error('read-worker runs as a worker thread');

interface Open {
  fd: number;
  size: number;
  /** Taken before the first byte was read, compared at the end of the read. */
  stamp: string;
  position: number;
  hash: ReturnType<typeof createHash>;
  /** Chunks sent and not yet consumed by the main thread. */
  outstanding: number;
  window: number;
  chunk: number;
}

const files = new Map<number, Open>();
const reply = (msg: ReaderReply, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

function pump(id: number): void {
  const f = files.get(id);
  if (!f) return;
  try {
    while (f.outstanding < f.window && f.position < f.size) {
      const want = Math.min(f.chunk, f.size - f.position);
      const buf = Buffer.allocUnsafeSlow(want);
      const n = readSync(f.fd, buf, 0, want, f.position);
      if (n === 0) throw Object.assign(new Error('file shrank while it was being read'), { code: 'ESHRANK' });
      const data = n === want ? buf : buf.subarray(0, n);
      f.hash.update(data);
      f.position += n;
      f.outstanding++;
      reply({ id, kind: 'chunk', data }, [buf.buffer as ArrayBuffer]);
    }
    if (f.position >= f.size) {
      // Written to while it was read (a rewrite in place, an append): what was read may be
      // part old and part new bytes. An fstat of the same descriptor sees those changes.
      const changed = stampOf(fstatSync(f.fd, { bigint: true })) !== f.stamp;
      closeSync(f.fd);
      files.delete(id);
      reply({ id, kind: 'end', md5: f.hash.digest('hex'), bytes: f.position, changed });
    }
  } catch (e) {
    closeSync(f.fd);
    files.delete(id);
    reply({ id, kind: 'error', code: code(e) });
  }
}

port.on('message', (req: ReaderRequest) => {
  if (req.kind === 'ack') {
    const f = files.get(req.id);
    if (f) {
      f.outstanding--;
      pump(req.id);
    }
    return;
  }
  let fd: number;
  try {
    fd = openSync(req.path, 'r');
  } catch (e) {
    reply({ id: req.id, kind: 'error', code: code(e) });
    return;
  }
  const st = fstatSync(fd, { bigint: true });
  const size = Number(st.size);
  const stamp = stampOf(st);
  files.set(req.id, { fd, size, stamp, position: 0, hash: createHash('md5'), outstanding: 0, window: req.window, chunk: req.chunk });
  // The size is known before the first byte, for the tar header.
  reply({ id: req.id, kind: 'size', size, mtimeMs: Number(st.mtimeMs), stamp });
  pump(req.id);
});
