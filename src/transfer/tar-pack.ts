// The director side of a tar batch: local files read once (on the reader thread, which hashes
// exactly the bytes it hands over) and written into one tar stream. Whoever reads the stream
// (one client, or several through fanout.ts) gets the same bytes, so the md5s computed here
// are what every client must find.
import tar from 'tar-stream';
import type { FileJob } from './types.js';
import { ReadError, type FileStream, type ReadResult } from './file-reader.js';
import { quiet, unlessStopped } from './stream-tools.js';

/** Files up to this size are opened ahead of the stream, several at once. */
const SMALL = 1024 * 1024;
/** Files being read ahead of the tar stream, per batch. */
const READ_AHEAD = 16;

export interface BatchItem {
  job: FileJob;
  /** Path of the temporary file relative to the batch's base folder. */
  tempRel: string;
}

/** md5 of the bytes sent, whether the file changed while it was read, its stamp at open. */
export type Sent = ReadResult & { stamp: string };

/** The mode and mtime a file's tar entry carries (what the client's tar gives the file). */
export type EntryHeader = (item: BatchItem, file: FileStream) => { mode: number; mtime: Date };

/** data's entries: 0644 (the client's umask applies), the local mtime. */
export const plainHeader: EntryHeader = (_item, file) => ({ mode: 0o644, mtime: new Date(file.mtimeMs) });

export interface PackState {
  sent: Map<BatchItem, Sent>;
  /** Items whose local file could not be read (nothing was sent for them). */
  unreadable: Map<BatchItem, string>;
}

/**
 * Write the list entry, then every readable file, into `pack`, and finalize it. Rejects when
 * a file fails mid-read (it shrank) or `stop` aborts (nobody reads the stream any more).
 */
export async function feed(
  pack: tar.Pack,
  items: readonly BatchItem[],
  list: { name: string; body: Buffer },
  state: PackState,
  open: (it: BatchItem) => Promise<FileStream>,
  opts: { header: EntryHeader; onBytes?: (n: number) => void; stop: AbortSignal },
): Promise<void> {
  const until = <T>(p: Promise<T>) => unlessStopped(p, opts.stop);
  // The list goes first: on a client whose disk fills up mid-batch it is already there, so
  // the files written whole before that still verify.
  await until(new Promise<void>((ok, fail) => quiet(pack.entry({ name: list.name, size: list.body.length, mode: 0o600 }, list.body, (e) => (e ? fail(e) : ok())))));
  // Small files are opened ahead, so the reader thread works while the channel sends.
  const ahead = new Map<BatchItem, Promise<FileStream>>();
  let next = 0;
  const readAhead = () => {
    while (next < items.length && ahead.size < READ_AHEAD) {
      const it = items[next] as BatchItem;
      if (it.job.file.size > SMALL && ahead.size > 0) break;
      next++;
      const p = open(it);
      p.catch(() => undefined);
      ahead.set(it, p);
    }
  };
  for (const item of items) {
    readAhead();
    const opening = ahead.get(item) ?? open(item);
    ahead.delete(item);
    let file: FileStream;
    try {
      file = await until(opening);
    } catch (e) {
      if (e instanceof ReadError) {
        state.unreadable.set(item, e.message);
        continue;
      }
      throw e;
    }
    const { mode, mtime } = opts.header(item, file);
    let entry!: ReturnType<tar.Pack['entry']>;
    const done = new Promise<void>((ok, fail) => {
      entry = quiet(pack.entry({ name: item.tempRel, size: file.size, mode, mtime, type: 'file', uid: 0, gid: 0 }, (e) => (e ? fail(e) : ok())));
    });
    // Awaited below, unless feeding stops first: then its rejection must not go unhandled.
    done.catch(() => undefined);
    for (;;) {
      const chunk = await until(file.next());
      if (chunk === undefined) break;
      opts.onBytes?.(chunk.length);
      if (!entry.write(chunk)) await until(new Promise<void>((ok) => entry.once('drain', ok)));
    }
    (entry as unknown as { end(): void }).end();
    await until(done);
    state.sent.set(item, { ...(await file.result()), stamp: file.stamp });
  }
  pack.finalize();
}
