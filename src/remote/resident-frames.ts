// The frames of the resident shell's two streams (resident-sh.ts), pure: the bytes of the
// current line, byte for byte (a last line without its newline, any byte but the token's
// text), its marks (`<token> <word> [value]` lines), and the bytes that belong to no line: a
// background process of an earlier line writing after its line ended ("stray"). The
// splitter is pure; FrameReader feeds it a stream with backpressure.
import { Writable } from 'node:stream';

export type FramePiece =
  | { kind: 'data'; bytes: Buffer }
  | { kind: 'stray'; bytes: Buffer }
  | { kind: 'mark'; word: string; value: string };

/** A mark line is short; a longer "line" after the token is not one of ours. */
const MARK_LINE_MAX = 64;
const LF = 0x0a;

export class FrameSplitter {
  private held: Buffer = Buffer.alloc(0);
  /** `<token> ` of the frame awaited or open, undefined between lines. */
  private needle: Buffer | undefined;
  private inside = false;

  /** The next frame's token: its begin mark is looked for from now on. */
  expect(token: string): void {
    this.needle = Buffer.from(`${token} `);
    this.inside = false;
  }

  /** No frame any more (the line was given up): what comes is stray. */
  forget(): void {
    this.needle = undefined;
    this.inside = false;
  }

  push(chunk: Buffer): FramePiece[] {
    const out: FramePiece[] = [];
    let buf = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    this.held = Buffer.alloc(0);
    while (buf.length > 0) {
      const needle = this.needle;
      if (needle === undefined) {
        out.push({ kind: 'stray', bytes: buf });
        break;
      }
      const at = buf.indexOf(needle);
      if (at === -1) {
        // The token may be cut between chunks: keep what could be its start (only that, so
        // a line's output shows as it comes).
        const keep = tokenStartAtEnd(buf, needle);
        this.emit(out, buf.subarray(0, buf.length - keep));
        this.held = Buffer.from(buf.subarray(buf.length - keep));
        break;
      }
      const nl = buf.indexOf(LF, at + needle.length);
      if (nl === -1 && buf.length - at <= needle.length + MARK_LINE_MAX) {
        this.emit(out, buf.subarray(0, at));
        this.held = Buffer.from(buf.subarray(at));
        break;
      }
      if (nl === -1 || nl - at > needle.length + MARK_LINE_MAX) {
        // Not a mark: pass the token's first byte on and look again after it.
        this.emit(out, buf.subarray(0, at + 1));
        buf = buf.subarray(at + 1);
        continue;
      }
      this.emit(out, buf.subarray(0, at));
      const [word = '', ...rest] = buf.subarray(at + needle.length, nl).toString('latin1').split(' ');
      out.push({ kind: 'mark', word, value: rest.join(' ') });
      buf = buf.subarray(nl + 1);
      if (word === 'end' || word === 'ready') this.forget();
      else this.inside = true;
    }
    return out;
  }

  /** The stream ended: what was held back as a possible start of a mark. */
  flush(): FramePiece[] {
    const out: FramePiece[] = [];
    this.emit(out, this.held);
    this.held = Buffer.alloc(0);
    return out;
  }

  private emit(out: FramePiece[], bytes: Buffer): void {
    if (bytes.length > 0) out.push({ kind: this.inside ? 'data' : 'stray', bytes: Buffer.from(bytes) });
  }
}

/** One stream of the channel: each chunk cut into frame pieces, the next chunk read once they are taken. */
export class FrameReader extends Writable {
  constructor(
    private readonly frames: FrameSplitter,
    private readonly take: (p: FramePiece) => Promise<void> | void,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.takeAll(this.frames.push(chunk), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.takeAll(this.frames.flush(), cb);
  }

  private takeAll(pieces: FramePiece[], cb: () => void): void {
    const next = (i: number): void => {
      for (; i < pieces.length; i++) {
        const held = this.take(pieces[i] as FramePiece);
        if (held) {
          void held.then(() => next(i + 1));
          return;
        }
      }
      cb();
    };
    next(0);
  }
}

/** The length of the longest end of `buf` that begins `needle` (shorter than needle). */
function tokenStartAtEnd(buf: Buffer, needle: Buffer): number {
  for (let k = Math.min(buf.length, needle.length - 1); k > 0; k--) {
    if (buf.subarray(buf.length - k).equals(needle.subarray(0, k))) return k;
  }
  return 0;
}
