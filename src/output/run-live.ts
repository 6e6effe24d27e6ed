// Live output: every line of every client as it arrives, one prefix a line.
// stdout lines `host: line` go to stdout; stderr lines `host! line` go to stderr.
import type { Client } from '../config/client.js';
import type { StreamName } from '../run/types.js';
import type { Printer } from './printer.js';
import { Outlet } from './run-outlet.js';

const NL = Buffer.from('\n');

export class LivePrinter {
  private readonly out: Outlet;
  private readonly err: Outlet;
  private readonly prefixes = new Map<string, Buffer>();

  constructor(private readonly p: Printer) {
    this.out = new Outlet(p.stdout);
    this.err = new Outlet(p.stderr);
  }

  lines(client: Client, stream: StreamName, lines: Buffer[]): Promise<void> | undefined {
    const prefix = this.prefix(client, stream);
    const parts: Buffer[] = [];
    for (const line of lines) parts.push(prefix, line, NL);
    return (stream === 'stdout' ? this.out : this.err).write(Buffer.concat(parts));
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
