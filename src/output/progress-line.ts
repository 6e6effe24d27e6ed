// data's live line, fitted to the terminal: every field when there is room, and the least
// useful ones shortened or dropped first when there is not (a zero checksum count, then the
// speed, then the byte counts), so files done and the time left stay in sight at 70 columns.
import { formatBytes } from './format.js';

export interface ProgressFigures {
  files: number;
  totalFiles: number;
  /** Files that failed, checksum mismatches included. */
  failed: number;
  checksum: number;
  bytes: number;
  totalBytes: number;
  /** Since the start. */
  elapsedMs: number;
}

const SEP = ' | ';

/** `ETA 45s`, `ETA 3m20s`, `ETA 2h05m`; `verifying` once every byte is out. */
export function remainingText(f: ProgressFigures): string {
  if (f.bytes >= f.totalBytes) return 'verifying';
  const rate = f.bytes / Math.max(0.001, f.elapsedMs / 1000);
  if (rate <= 0) return 'ETA …';
  const s = Math.ceil((f.totalBytes - f.bytes) / rate);
  if (s < 60) return `ETA ${s}s`;
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `ETA ${Math.floor(s / 60)}m${two(s % 60)}s`;
  return `ETA ${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`;
}

/** The line for a terminal `width` columns wide: at most width − 1 characters (no wrap). */
export function progressLine(f: ProgressFigures, width: number): string {
  const room = Math.max(1, width - 1);
  const other = f.failed - f.checksum;
  const speed = `${formatBytes(Math.round(f.bytes / Math.max(0.001, f.elapsedMs / 1000)))}/s`;
  const eta = remainingText(f);
  const long = {
    files: `Transferred ${f.files}/${f.totalFiles} files`,
    checksum: `${f.checksum} files failed checksum`,
    failed: other > 0 ? `${other} other failures` : undefined,
    bytes: `${formatBytes(f.bytes)} of ${formatBytes(f.totalBytes)}`,
  };
  const short = {
    files: `${f.files}/${f.totalFiles} files`,
    checksum: f.checksum > 0 ? `${f.checksum} bad md5` : undefined,
    failed: other > 0 ? `${other} failed` : undefined,
  };
  const tiers: Array<Array<string | undefined>> = [
    [long.files, long.checksum, long.failed, long.bytes, speed, eta],
    [long.files, f.checksum > 0 ? long.checksum : undefined, long.failed, long.bytes, speed, eta],
    [short.files, short.checksum, short.failed, long.bytes, speed, eta],
    [short.files, short.checksum, short.failed, long.bytes, eta],
    [short.files, short.checksum, short.failed, eta],
  ];
  let line = '';
  for (const tier of tiers) {
    line = tier.filter((x): x is string => x !== undefined).join(SEP);
    if (line.length <= room) return line;
  }
  return `${line.slice(0, room - 1)}…`;
}
