// The last line of a run's stderr may be director's own: `__director_<token>__ <path>`, which
// the remote command prints when it left its temporary folder behind (the script wrote result
// files, or --keep-remote). This transform passes stderr through without that line and keeps
// the path. It holds back only bytes that could still be the start of the marker, so lines
// reach the terminal as they come.
import { Transform, type TransformCallback } from 'node:stream';

export function tailMarker(token: string): string {
  return `__director_${token}__ `;
}

export class TailMarker extends Transform {
  /** The path the marker named, once the stream has ended. */
  path: string | undefined;
  private held = Buffer.alloc(0);
  private readonly marker: Buffer;

  constructor(token: string) {
    super();
    this.marker = Buffer.from(tailMarker(token));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const data = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const at = data.indexOf(this.marker);
    const keep = at !== -1 ? at : data.length - partialPrefix(data, this.marker);
    if (keep > 0) this.push(data.subarray(0, keep));
    this.held = Buffer.from(data.subarray(keep));
    cb();
  }

  override _flush(cb: TransformCallback): void {
    const held = this.held;
    this.held = Buffer.alloc(0);
    if (held.subarray(0, this.marker.length).equals(this.marker)) {
      const nl = held.indexOf(10, this.marker.length);
      const line = held.subarray(this.marker.length, nl === -1 ? held.length : nl).toString('utf8');
      if (line.startsWith('/')) this.path = line;
      if (nl !== -1 && nl + 1 < held.length) this.push(held.subarray(nl + 1));
    } else if (held.length > 0) this.push(held);
    cb();
  }
}

/** Length of the longest end of `data` that is a beginning of `marker`. */
export function partialPrefix(data: Buffer, marker: Buffer): number {
  for (let n = Math.min(marker.length - 1, data.length); n > 0; n--) {
    if (data.subarray(data.length - n).equals(marker.subarray(0, n))) return n;
  }
  return 0;
}
