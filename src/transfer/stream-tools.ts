// Small stream tools of the tar batches: fewer, larger SSH writes; waits that end when the
// remote side does; tar entries whose errors arrive through their callbacks only.
import { Transform, type TransformCallback } from 'node:stream';

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
export function unlessStopped<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
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
export function quiet<T extends { on(event: 'error', f: () => void): unknown }>(entry: T): T {
  entry.on('error', () => undefined);
  return entry;
}
