// One task's stdout or stderr on the director. Most tasks print little, and a run has tens of
// thousands of them: the bytes are held in memory up to SPILL_BYTES and written with one
// asynchronous call when the attempt is settled (the event loop never waits on the disk for
// them), and a task that printed nothing on a stream gets no file for it. A larger output
// spills to a file of its attempt as it comes. Only a current attempt's output takes the
// final name (`stdout`, `stderr`): an attempt that its lost client left behind while a retry
// runs elsewhere must not overwrite the retry's.
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';

const SPILL_BYTES = 1 << 20;

export class TaskSink extends Writable {
  bytes = 0;
  /** The first write the director's disk refused. */
  error: Error | undefined;
  private chunks: Buffer[] = [];
  private held = 0;
  private fd: number | undefined;
  private readonly spillPath: string;

  /** `dir`: the task's folder (made when something is written); `name`: stdout or stderr. */
  constructor(
    private readonly dir: string,
    name: string,
    attempt: number,
  ) {
    super();
    this.spillPath = join(dir, `.${name}.${attempt}`);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.bytes += chunk.length;
    if (this.error !== undefined) return cb();
    try {
      if (this.fd === undefined && this.held + chunk.length <= SPILL_BYTES) {
        this.chunks.push(chunk);
        this.held += chunk.length;
      } else {
        if (this.fd === undefined) {
          mkdirSync(this.dir, { recursive: true });
          this.fd = openSync(this.spillPath, 'w', 0o644);
          for (const c of this.chunks) writeAll(this.fd, c);
          this.chunks = [];
        }
        writeAll(this.fd, chunk);
      }
    } catch (e) {
      this.error = e as Error;
    }
    cb();
  }

  /**
   * Puts the output at `path`, or drops it (`path` undefined: a stale attempt's). Nothing
   * printed: no file, and an earlier attempt's file (`replaces`) is removed.
   */
  async settle(path: string | undefined, replaces: boolean): Promise<void> {
    try {
      if (this.fd !== undefined) {
        closeSync(this.fd);
        this.fd = undefined;
        if (path === undefined) rmSync(this.spillPath, { force: true });
        else renameSync(this.spillPath, path);
      } else if (path !== undefined && this.error === undefined) {
        if (this.held === 0) {
          if (replaces) await rm(path, { force: true });
        } else {
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks));
        }
      }
    } catch (e) {
      this.error ??= e as Error;
    }
    this.chunks = [];
  }
}

function writeAll(fd: number, b: Buffer): void {
  for (let at = 0; at < b.length; ) at += writeSync(fd, b, at, b.length - at);
}
