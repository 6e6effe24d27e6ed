// One client's stdout or stderr on its way out of the SSH channel: into its file, through
// an md5 (for --fold and summary.json), and cut into lines for live output. Each chunk is
// let go only when the file and the terminal took it, so a fast client waits for them
// instead of piling up in memory.
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import type { StreamStats } from './types.js';

/** How long to wait, after the command ended, for the last bytes of a stream. */
const DRAIN_BACKSTOP_MS = 15_000;

export type LinesSink = (block: Buffer) => void | Promise<void>;

/** The md5 of no bytes: most commands' stderr, and every stream of `true`. */
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

export class StreamCapture extends Writable {
  /** Made at the first byte: a hash object costs ~7 µs, three per client per command. */
  private hash: Hash | undefined;
  private bytes = 0;
  private readonly file: WriteStream | undefined;
  private fileError: Error | undefined;
  private readonly splitter: LineSplitter | undefined;
  private piped = false;
  private unpiped = false;
  private onUnpipe: (() => void) | undefined;

  constructor(
    file: string | undefined,
    private readonly onLines?: LinesSink,
  ) {
    super();
    if (file !== undefined) {
      this.file = createWriteStream(file);
      this.file.on('error', (e) => (this.fileError ??= e));
    }
    if (onLines) this.splitter = new LineSplitter();
    // Session pipes the channel in with {end: false}; 'unpipe' tells us the channel's stream ended.
    this.on('pipe', () => (this.piped = true));
    this.on('unpipe', () => {
      this.unpiped = true;
      this.onUnpipe?.();
    });
    // Only a write after the backstop below could fail here; the bytes are already counted as lost.
    this.on('error', () => undefined);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.bytes += chunk.length;
    (this.hash ??= createHash('md5')).update(chunk);
    const waits: Promise<unknown>[] = [];
    if (this.file && !this.fileError && !this.file.write(chunk)) waits.push(drained(this.file));
    if (this.splitter && this.onLines) {
      const block = this.splitter.push(chunk);
      const held = block ? this.onLines(block) : undefined;
      if (held) waits.push(held);
    }
    if (waits.length === 0) cb();
    else Promise.all(waits).then(() => cb(), () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    const last = this.splitter?.end();
    const held = last !== undefined && this.onLines ? this.onLines(last) : undefined;
    Promise.resolve(held)
      .catch(() => undefined)
      .then(() => {
        // A failed write may have destroyed the file before its 'error' event came: its own error is the reason.
        if (this.file?.errored) this.fileError ??= this.file.errored;
        if (!this.file || this.fileError) {
          this.file?.destroy();
          return cb();
        }
        // A write's failure may come only now (the last bytes were buffered): end hands it over
        // before the 'error' event would ("write after destroyed" then stands for that error).
        const file = this.file;
        file.end((e?: Error | null) => {
          if (e) this.fileError ??= file.errored ?? e;
          cb();
        });
      });
  }

  /** Wait for the channel's stream to end, flush everything, and report. */
  async close(): Promise<StreamStats & { error?: Error }> {
    if (this.piped && !this.unpiped) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, DRAIN_BACKSTOP_MS);
        this.onUnpipe = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    await new Promise<void>((resolve) => this.end(() => resolve()));
    return { bytes: this.bytes, md5: this.hash?.digest('hex') ?? EMPTY_MD5, error: this.fileError };
  }
}

/** Resolves on the file's next 'drain' (or its failure), leaving no listener behind. */
function drained(file: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      file.off('drain', done);
      file.off('error', done);
      resolve();
    };
    file.on('drain', done);
    file.on('error', done);
  });
}

// Cuts one client's output stream into whole lines, so live output gets one prefix per
// line however the bytes were chunked. Whole lines come out as one block per chunk (no
// object per line: a client printing millions of lines makes no garbage per line), each
// line ending in "\n" ("\r\n" becomes "\n"). Only a partial line is held, and never more
// than `maxLine` bytes of it: a longer line is passed on in pieces.

const LF = 0x0a;
const MAX_LIVE_LINE = 64 * 1024;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLine = MAX_LIVE_LINE) {}

  /** The lines this chunk completes, as one block of "\n"-ended lines (undefined if none). */
  push(chunk: Buffer): Buffer | undefined {
    const out: Buffer[] = [];
    const lastLf = chunk.lastIndexOf(LF);
    let rest = chunk;
    if (lastLf !== -1) {
      out.push(...this.drain(), chunk.subarray(0, lastLf + 1));
      rest = chunk.subarray(lastLf + 1);
    }
    while (this.pendingBytes + rest.length > this.maxLine) {
      const room = this.maxLine - this.pendingBytes;
      out.push(...this.drain(), rest.subarray(0, room), NL);
      rest = rest.subarray(room);
    }
    if (rest.length > 0) {
      this.pending.push(rest);
      this.pendingBytes += rest.length;
    }
    return out.length === 0 ? undefined : dropCrBeforeLf(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
  }

  /** The last line when the stream ended without a newline (with a "\n" added). */
  end(): Buffer | undefined {
    if (this.pendingBytes === 0) return undefined;
    return dropCrBeforeLf(Buffer.concat([...this.drain(), NL]));
  }

  private drain(): Buffer[] {
    const parts = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    return parts;
  }
}

const NL = Buffer.from('\n');

/** "\r\n" → "\n"; copies only when there is one. */
function dropCrBeforeLf(block: Buffer): Buffer {
  let crlf = block.indexOf('\r\n');
  if (crlf === -1) return block;
  const parts: Buffer[] = [];
  let from = 0;
  while (crlf !== -1) {
    parts.push(block.subarray(from, crlf));
    from = crlf + 1;
    crlf = block.indexOf('\r\n', from);
  }
  parts.push(block.subarray(from));
  return Buffer.concat(parts);
}

/** Number of lines in a block (its "\n"s). */
export function countLines(block: Buffer): number {
  let n = 0;
  for (let i = block.indexOf(LF); i !== -1; i = block.indexOf(LF, i + 1)) n++;
  return n;
}
