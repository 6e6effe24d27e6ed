// One client's stdout or stderr on its way out of the SSH channel: into its file, through
// an md5 (for --fold and summary.json), and cut into lines for live output. Each chunk is
// let go only when the file and the terminal took it, so a fast client waits for them
// instead of piling up in memory.
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { LineSplitter } from './line-splitter.js';
import type { StreamStats } from './types.js';

/** How long to wait, after the command ended, for the last bytes of a stream. */
const DRAIN_BACKSTOP_MS = 15_000;

export type LinesSink = (block: Buffer) => void | Promise<void>;

export class StreamCapture extends Writable {
  private readonly hash = createHash('md5');
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
    this.hash.update(chunk);
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
        if (!this.file || this.fileError) {
          this.file?.destroy();
          return cb();
        }
        this.file.end(() => cb());
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
    return { bytes: this.bytes, md5: this.hash.digest('hex'), ...(this.fileError ? { error: this.fileError } : {}) };
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
