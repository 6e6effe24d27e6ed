// The director's spools of one run, in a private folder removed when the run is over: the
// standard input for every client (pssh -I), the script snapshot, exec's output when it is
// not kept.
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../config/errors.js';

export class LocalTemp {
  readonly dir: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'director-run-')); // mode 0700
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
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

async function spool(input: Readable, c: StdinChoice): Promise<StdinSource | undefined> {
  const file = c.temp.path('stdin');
  const out = createWriteStream(file, { mode: 0o600 });
  await (c.signal ? pipeline(input, out, { signal: c.signal }) : pipeline(input, out));
  const size = statSync(file).size;
  return size === 0 ? undefined : fromFile(file, size);
}

function fromFile(path: string, bytes: number): StdinSource {
  return { open: () => createReadStream(path), bytes };
}
