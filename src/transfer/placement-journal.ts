// The journal of a project's placement record while `data` runs: verified copies are appended
// (one JSON line each, fsync'd, read back) instead of rewriting placement.json whole for every
// group of them, which for a hundred thousand files cost a 20 MB string per write and hundreds
// of MB of garbage over a run. At the end of the run the journal is folded into
// placement.json and removed; readers (data --list, run, the next run) fold it in themselves,
// so the record is placement.json plus its journal whenever one is there.
//
// A crash mid-append leaves a torn last line, never acknowledged (its local copies were not
// deleted), which readers skip. A failed append is cut back off (ftruncate) so the next one
// starts on a line boundary; if even that fails, the journal is marked broken and the record
// is written whole instead (the recorder does that).
import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../config/errors.js';
import { PRIVATE_FILE_MODE, syncFolder } from '../private-file.js';
import type { PlacedFile } from './placement-record.js';

export const JOURNAL_NAME = 'placement.journal';

/** Entries of the journal at `file`, oldest first; [] when there is none. A torn last line is skipped. */
export function readJournal(file: string): PlacedFile[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const lines = text.split('\n');
  // The part after the last newline is a line still being written (or torn by a crash).
  lines.pop();
  return lines.map((line, i) => {
    try {
      return JSON.parse(line) as PlacedFile;
    } catch {
      throw new UsageError(`${file}:${i + 1}: not a director placement journal line`);
    }
  });
}

/** Appends to one journal; every append is durable before it returns. */
export class JournalWriter {
  private fd: number | undefined;
  /** Bytes acknowledged so far: what a failed append is cut back to. */
  private length = 0;
  /** A failed append could not be cut back off: nothing more may be appended. */
  broken = false;

  constructor(readonly file: string) {}

  /** Append `entries` durably (written, fsync'd, read back); throws, appending nothing, if any step fails. */
  append(entries: readonly PlacedFile[]): void {
    if (this.broken) throw new Error(`cannot write ${this.file}: an earlier append failed`);
    const bytes = Buffer.from(entries.map((f) => `${JSON.stringify(f)}\n`).join(''), 'utf8');
    try {
      const fd = this.open();
      for (let at = 0; at < bytes.length; ) {
        const n = writeSync(fd, bytes, at, bytes.length - at, this.length + at);
        if (n <= 0) throw new Error(`short write (${at} of ${bytes.length} bytes)`);
        at += n;
      }
      fsyncSync(fd);
      const back = Buffer.allocUnsafe(bytes.length);
      if (readSync(fd, back, 0, bytes.length, this.length) !== bytes.length || !back.equals(bytes)) {
        throw new Error('the bytes read back differ from those written');
      }
      this.length += bytes.length;
    } catch (e) {
      this.cutBack();
      throw new Error(`cannot write ${this.file}: ${(e as Error).message}`);
    }
  }

  /** Close and remove the journal (once its entries are in placement.json). */
  remove(): void {
    this.close();
    try {
      unlinkSync(this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    syncFolder(dirname(this.file));
    this.length = 0;
    this.broken = false;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    // Not O_APPEND: Linux appends at the end even for a positional write, and writes go at `length`.
    const fd = openSync(this.file, constants.O_RDWR | constants.O_CREAT, PRIVATE_FILE_MODE);
    try {
      // An earlier run's journal (killed before its fold): appends go after its whole lines.
      const size = fstatSync(fd).size;
      this.length = size === 0 ? 0 : wholeLines(fd, size);
      if (this.length !== size) ftruncateSync(fd, this.length);
      fsyncSync(fd);
      syncFolder(dirname(this.file));
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    this.fd = fd;
    return fd;
  }

  private cutBack(): void {
    try {
      if (this.fd === undefined) return;
      ftruncateSync(this.fd, this.length);
      fsyncSync(this.fd);
    } catch {
      this.broken = true;
    }
  }
}

/** Length of the file up to and with its last newline (a torn tail after it is dropped). */
function wholeLines(fd: number, size: number): number {
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - buf.length);
    const n = readSync(fd, buf, 0, end - start, start);
    const nl = buf.subarray(0, n).lastIndexOf(10);
    if (nl >= 0) return start + nl + 1;
    end = start;
  }
  return 0;
}
