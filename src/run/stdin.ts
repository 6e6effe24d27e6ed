// Standard input for every client (pssh -I): read once, then fed to each client from a
// file. A regular file is read as it is; a pipe (or a FIFO given to --stdin) is first
// spooled to a temporary file, so memory does not grow with its size.
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../config/errors.js';
import type { LocalTemp } from './local-temp.js';

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
