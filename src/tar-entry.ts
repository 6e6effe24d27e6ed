// Writing the entries of a tar stream a client sent (run's result files, gather) to local
// files: with backpressure, an md5 of the bytes on the way, and the stream moving on whatever
// happens to one file. tar-stream's entry bodies are streamx readables; a body cut short (the
// stream ended mid-entry) errs, and that error must have a listener or it crashes the process.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';

/** The part of an entry body's API used here. */
export type Body = Pick<Readable, 'on' | 'pause' | 'resume'>;

export interface EntryWrite {
  /** Resolves when the file is closed (whatever happened), so it can be removed safely. */
  closed: Promise<void>;
}

/**
 * Writes one entry to `target`; a write that fails (a full disk) keeps reading the entry to
 * its end, so the stream moves on, and reports the failure once both the entry and the file
 * are done. `exclusive`: the file must not exist yet (a temporary), created 0600.
 */
export function writeEntry(body: Body, target: string, opts: { exclusive?: boolean }, then: (e: unknown, md5: string, bytes: number) => void): EntryWrite {
  const out = createWriteStream(target, opts.exclusive ? { flags: 'wx', mode: 0o600 } : {});
  const closed = new Promise<void>((ok) => out.on('close', ok));
  const hash = createHash('md5');
  let bytes = 0;
  let failed: unknown;
  let open = 2;
  const one = () => {
    if (--open === 0) then(failed, hash.digest('hex'), bytes);
  };
  out.on('error', (e) => {
    failed ??= e;
    body.resume();
  });
  out.on('close', one);
  body.on('error', (e: unknown) => {
    failed ??= e;
    out.destroy();
  });
  body.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
    if (failed !== undefined) return;
    if (!out.write(chunk)) {
      body.pause();
      out.once('drain', () => body.resume());
    }
  });
  body.on('end', () => {
    out.end();
    one();
  });
  return { closed };
}

/** Reads an entry's body to its end (tar-stream moves on only then). */
export function drain(body: Body, then: () => void): void {
  body.on('end', then);
  body.on('error', () => undefined);
  body.resume();
}
