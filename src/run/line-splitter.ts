// Cuts one client's output stream into whole lines, so live output gets one prefix per
// line however the bytes were chunked. Whole lines come out as one block per chunk (no
// object per line: a client printing millions of lines makes no garbage per line), each
// line ending in "\n" ("\r\n" becomes "\n"). Only a partial line is held, and never more
// than `maxLine` bytes of it: a longer line is passed on in pieces.

const LF = 0x0a;
export const MAX_LINE = 64 * 1024;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLine = MAX_LINE) {}

  /** The lines this chunk completes, as one block of "\n"-ended lines (undefined if none). */
  push(chunk: Buffer): Buffer | undefined {
    const out: Buffer[] = [];
    const lastLf = chunk.lastIndexOf(LF);
    let rest = chunk;
    if (lastLf !== -1) {
      out.push(...this.drain(), chunk.subarray(0, lastLf + 1));
      rest = chunk.subarray(lastLf + 1);
    }
    while (this.pendingBytes + rest.length > this.maxLine) {
      const room = this.maxLine - this.pendingBytes;
      out.push(...this.drain(), rest.subarray(0, room), NL);
      rest = rest.subarray(room);
    }
    if (rest.length > 0) {
      this.pending.push(rest);
      this.pendingBytes += rest.length;
    }
    return out.length === 0 ? undefined : dropCrBeforeLf(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
  }

  /** The last line when the stream ended without a newline (with a "\n" added). */
  end(): Buffer | undefined {
    if (this.pendingBytes === 0) return undefined;
    return dropCrBeforeLf(Buffer.concat([...this.drain(), NL]));
  }

  private drain(): Buffer[] {
    const parts = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    return parts;
  }
}

const NL = Buffer.from('\n');

/** "\r\n" → "\n"; copies only when there is one. */
function dropCrBeforeLf(block: Buffer): Buffer {
  let crlf = block.indexOf('\r\n');
  if (crlf === -1) return block;
  const parts: Buffer[] = [];
  let from = 0;
  while (crlf !== -1) {
    parts.push(block.subarray(from, crlf));
    from = crlf + 1;
    crlf = block.indexOf('\r\n', from);
  }
  parts.push(block.subarray(from));
  return Buffer.concat(parts);
}

/** Number of lines in a block (its "\n"s). */
export function countLines(block: Buffer): number {
  let n = 0;
  for (let i = block.indexOf(LF); i !== -1; i = block.indexOf(LF, i + 1)) n++;
  return n;
}

