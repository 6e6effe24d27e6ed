// summary.json of a run, written whole to summary.json.tmp and renamed, so a reader never
// sees half of it. The clients' output may fill the disk it shares, and the summary is the
// one file that must still fit there: so its room is taken when the run starts (the
// temporary file, about the summary's size) and the summary is written over it in place at
// the end, which needs no free space, then cut to its length. If that still fails, the
// room is given back and the summary tried once more from nothing; if that fails too, the
// caller is told why and no temporary file is left.
import { closeSync, ftruncateSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SUMMARY_FILE, SUMMARY_TEMP, summaryDocument, writeFailure } from './layout.js';
import type { RunOutcome } from './types.js';

// Room kept beyond the run's first summary, for what the end adds: per client its times,
// md5s and a reason; for the run, whatever a client's skipped entries bring (a longer
// summary is still tried, without the guarantee).
const SPARE_PER_CLIENT = 1024;
const SPARE = 16 * 1024;

const summaryText = (o: RunOutcome) => `${JSON.stringify(summaryDocument(o), null, 2)}\n`;

export class SummaryFile {
  private readonly temp: string;
  private readonly file: string;
  private reserved = false;

  /** `first`: the run as it starts, whose summary sizes the room to keep. */
  constructor(dir: string, first: RunOutcome) {
    this.temp = join(dir, SUMMARY_TEMP);
    this.file = join(dir, SUMMARY_FILE);
    const room = Buffer.byteLength(summaryText(first)) + SPARE + SPARE_PER_CLIENT * first.hosts.length;
    try {
      writeAll(this.temp, 'w', Buffer.alloc(room, ' '));
      this.reserved = true;
    } catch {
      // Already no room: the end tries without it, and says why if that fails.
      this.discard();
    }
  }

  /** Writes summary.json; returns why it could not be written (then nothing of it is left). */
  write(o: RunOutcome): string | undefined {
    const bytes = Buffer.from(summaryText(o));
    if (this.reserved) {
      try {
        writeAll(this.temp, 'r+', bytes);
        return this.rename();
      } catch {
        this.discard(); // its room given back may be what a write from nothing needs
      }
    }
    try {
      writeAll(this.temp, 'w', bytes);
      return this.rename();
    } catch (e) {
      this.discard();
      return writeFailure(e);
    }
  }

  /** Gives the room back without a summary (the run did not get to write one). */
  discard(): void {
    this.reserved = false;
    try {
      rmSync(this.temp, { force: true });
    } catch {
      /* nothing more to do: the caller reports the write that failed */
    }
  }

  private rename(): undefined {
    renameSync(this.temp, this.file);
    this.reserved = false;
    return undefined;
  }
}

/** Writes `bytes` at the start of `file` (opened with `flags`) and cuts the file there. */
function writeAll(file: string, flags: 'w' | 'r+', bytes: Buffer): void {
  const fd = openSync(file, flags);
  try {
    for (let at = 0; at < bytes.length; ) {
      const n = writeSync(fd, bytes, at, bytes.length - at, at);
      if (n <= 0) throw new Error(`short write (${at} of ${bytes.length} bytes)`);
      at += n;
    }
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}
