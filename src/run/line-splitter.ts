// Cuts one client's output stream into whole lines, so live output gets one prefix per
// line however the bytes were chunked. Only a partial line is held, and never more than
// `maxLine` bytes of it: a longer line is passed on in pieces.

const LF = 0x0a;
const CR = 0x0d;
export const MAX_LINE = 64 * 1024;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLine = MAX_LINE) {}

  /** The lines completed by this chunk, without their `\n` or `\r\n`. */
  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    let from = 0;
    for (let nl = chunk.indexOf(LF, from); nl !== -1; nl = chunk.indexOf(LF, from)) {
      lines.push(stripCr(this.take(chunk.subarray(from, nl))));
      from = nl + 1;
    }
    let rest = chunk.subarray(from);
    while (this.pendingBytes + rest.length > this.maxLine) {
      const room = this.maxLine - this.pendingBytes;
      lines.push(this.take(rest.subarray(0, room)));
      rest = rest.subarray(room);
    }
    if (rest.length > 0) {
      this.pending.push(rest);
      this.pendingBytes += rest.length;
    }
    return lines;
  }

  /** The last line when the stream ended without a newline. */
  end(): Buffer | undefined {
    if (this.pendingBytes === 0) return undefined;
    return stripCr(this.take(Buffer.alloc(0)));
  }

  private take(tail: Buffer): Buffer {
    if (this.pendingBytes === 0) return tail;
    const line = Buffer.concat([...this.pending, tail]);
    this.pending = [];
    this.pendingBytes = 0;
    return line;
  }
}

function stripCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, -1) : line;
}
