// The start of a stream director reads from a client (a tar stream, a list of sums) is marked
// by a line `<token>\n` that director's own command prints first: whatever a chatty rc file
// printed on login before it is dropped, and a stream whose mark never comes is known to be
// something else (the command did not run), not read as data.
import { Transform, type TransformCallback } from 'node:stream';

/** How much may come before the mark: a banner, not a stream. */
const PREAMBLE_LIMIT = 64 * 1024;

/** The sh code that prints the mark; put it right before the command whose output is read. */
export function markCode(token: string): string {
  return `printf '%s\\n' ${token}`;
}

/** Passes on what follows `<token>\n`; `preamble` holds what came before it. */
export class AfterMark extends Transform {
  /** Text before the mark (an rc file's banner), kept for messages. */
  preamble = '';
  /** Whether the mark was seen. */
  marked = false;
  private held: Buffer = Buffer.alloc(0);
  private readonly mark: Buffer;

  constructor(token: string) {
    super();
    this.mark = Buffer.from(`${token}\n`);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.marked) return cb(null, chunk);
    this.held = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    const at = this.held.indexOf(this.mark);
    if (at !== -1) {
      this.marked = true;
      this.preamble = this.held.subarray(0, at).toString('utf8');
      const rest = this.held.subarray(at + this.mark.length);
      this.held = Buffer.alloc(0);
      return cb(null, rest.length > 0 ? rest : undefined);
    }
    if (this.held.length > PREAMBLE_LIMIT) return cb(new Error(`no start mark in the first ${PREAMBLE_LIMIT} bytes: ${printable(this.held)}`));
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (!this.marked) this.preamble = this.held.toString('utf8');
    cb();
  }
}

/** The text after the `<token>\n` mark of a captured output, or undefined when there is no mark. */
export function afterMark(stdout: string, token: string): string | undefined {
  const at = stdout.indexOf(`${token}\n`);
  return at === -1 ? undefined : stdout.slice(at + token.length + 1);
}

function printable(b: Buffer): string {
  const text = b.subarray(0, 120).toString('utf8').replace(/[^\x20-\x7e]+/g, ' ').trim();
  return JSON.stringify(text);
}
