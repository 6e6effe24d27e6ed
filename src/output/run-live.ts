// Live output: every line of every client as it arrives, one prefix a line.
// stdout lines `host: line` go to stdout; stderr lines `host! line` go to stderr.
import type { Client } from '../config/client.js';
import { countLines } from '../run/capture.js';
import type { StreamName } from '../run/types.js';
import type { Printer } from './printer.js';

const LF = 0x0a;

/**
 * Writes run output to a terminal or pipe without letting it pile up in memory: a write that
 * the stream could not take at once hands back one shared promise of its 'drain'.
 */
export class Outlet {
  private drain: Promise<void> | undefined;

  constructor(private readonly stream: NodeJS.WritableStream & { destroyed?: boolean }) {}

  write(chunk: Buffer | string): Promise<void> | undefined {
    // A closed stdout (its reader went away) drains never: what would go there is dropped.
    if (this.stream.destroyed === true) return undefined;
    if (this.stream.write(chunk)) return this.drain;
    this.drain ??= new Promise<void>((resolve) => {
      const done = () => {
        this.stream.removeListener('drain', done);
        this.stream.removeListener('error', done);
        this.stream.removeListener('close', done);
        this.drain = undefined;
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
    return this.drain;
  }
}

export class LivePrinter {
  private readonly out: Outlet;
  private readonly err: Outlet;
  private readonly prefixes = new Map<string, Buffer>();

  constructor(private readonly p: Printer) {
    this.out = new Outlet(p.stdout);
    this.err = new Outlet(p.stderr);
  }

  /** `block`: whole lines, each ending in "\n" (see LineSplitter). */
  lines(client: Client, stream: StreamName, block: Buffer): Promise<void> | undefined {
    return (stream === 'stdout' ? this.out : this.err).write(prefixLines(block, this.prefix(client, stream)));
  }

  private prefix(client: Client, stream: StreamName): Buffer {
    const key = `${stream}\0${client.index}`;
    let prefix = this.prefixes.get(key);
    if (!prefix) {
      const c = this.p.c;
      prefix = Buffer.from(stream === 'stdout' ? `${c.cyan(client.name)}: ` : `${c.red(`${client.name}!`)} `);
      this.prefixes.set(key, prefix);
    }
    return prefix;
  }
}

/** The prefix before every line of the block, in one buffer. */
export function prefixLines(block: Buffer, prefix: Buffer): Buffer {
  const out = Buffer.allocUnsafe(block.length + countLines(block) * prefix.length);
  let at = 0;
  let from = 0;
  for (let nl = block.indexOf(LF); nl !== -1; nl = block.indexOf(LF, from)) {
    at += prefix.copy(out, at);
    at += block.copy(out, at, from, nl + 1);
    from = nl + 1;
  }
  return out.subarray(0, at);
}
