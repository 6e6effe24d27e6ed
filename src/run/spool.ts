// The director's spools of one run, in a private folder removed when the run is over: the
// standard input for every client (pssh -I), the script snapshot, exec's output when it is
// not kept.
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../config/errors.js';

/** The folder is made on first use: most commands (exec with no input) never need one. */
export class LocalTemp {
  private made: string | undefined;

  get dir(): string {
    this.made ??= mkdtempSync(join(tmpdir(), 'director-run-')); // mode 0700
    return this.made;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  remove(): void {
    if (this.made !== undefined) rmSync(this.made, { recursive: true, force: true });
  }
}

// Standard input is read once, then fed to each client from a file. A regular file is read
// as it is; a pipe (or a FIFO given to --stdin) is first spooled to a temporary file, so
// memory does not grow with its size.
export interface StdinSource {
  /** A fresh stream of the whole input, one per client. */
  open(): Readable;
  bytes: number;
}

export interface StdinChoice {
  /** --stdin <file> ("-" = the director's stdin), false for --no-stdin, undefined when not given. */
  option: string | false | undefined;
  input: Readable & { isTTY?: boolean };
  temp: LocalTemp;
  signal?: AbortSignal;
}

export async function prepareStdin(c: StdinChoice): Promise<StdinSource | undefined> {
  if (c.option === false) return undefined;
  if (c.option === undefined && c.input.isTTY === true) return undefined;
  if (c.option !== undefined && c.option !== '-') {
    let st;
    try {
      st = statSync(c.option);
    } catch (e) {
      throw new UsageError(`--stdin ${c.option}: ${(e as Error).message}`);
    }
    if (st.isFile()) return st.size === 0 ? undefined : fromFile(c.option, st.size);
    return spool(createReadStream(c.option), c);
  }
  return spool(c.input, c);
}

/** Empty input (/dev/null, a closed pipe) leaves no file behind; anything else is spooled whole. */
async function spool(input: Readable, c: StdinChoice): Promise<StdinSource | undefined> {
  const first = await firstChunk(input, c.signal);
  if (first === undefined) return undefined;
  const file = c.temp.path('stdin');
  const out = createWriteStream(file, { mode: 0o600 });
  out.write(first);
  await (c.signal ? pipeline(input, out, { signal: c.signal }) : pipeline(input, out));
  return fromFile(file, statSync(file).size);
}

/** The first bytes of `input`, or undefined at its end; the rest stays in the stream. */
function firstChunk(input: Readable, signal: AbortSignal | undefined): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const done = (v: Buffer | undefined, e?: Error) => {
      input.off('readable', onReadable).off('end', onEnd).off('error', onError);
      signal?.removeEventListener('abort', onAbort);
      if (e) reject(e);
      else resolve(v);
    };
    const onReadable = () => {
      const chunk = input.read() as Buffer | string | null;
      if (chunk !== null) done(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    };
    const onEnd = () => done(undefined);
    const onError = (e: Error) => done(undefined, e);
    // As stream/promises' pipeline rejects on an abort.
    const onAbort = () => done(undefined, Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' }));
    if (signal?.aborted) return onAbort();
    input.on('readable', onReadable).once('end', onEnd).once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    onReadable();
  });
}

function fromFile(path: string, bytes: number): StdinSource {
  return { open: () => createReadStream(path), bytes };
}
