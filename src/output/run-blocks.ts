// --inline and --fold: a client's (or a group's) whole output as one block, read back from
// its files in chunks, never held whole in memory. stdout goes to stdout, stderr to stderr.
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FoldGroup } from '../run/fold.js';
import type { HostRun } from '../run/types.js';
import type { Printer } from './printer.js';
import { Outlet } from './run-outlet.js';
import { endWords } from './run-status.js';

export class BlockPrinter {
  private readonly out: Outlet;
  private readonly err: Outlet;
  /** Blocks are printed one after another, in the order they were asked for. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly p: Printer) {
    this.out = new Outlet(p.stdout);
    this.err = new Outlet(p.stderr);
  }

  host(h: HostRun): void {
    this.enqueue(h, `${h.client.name} (${endWords(h)})`);
  }

  group(g: FoldGroup<HostRun>): void {
    const first = g.members[0];
    if (!first) return;
    const names = g.members.map((m) => m.client.name).join(', ');
    const count = g.members.length === 1 ? '' : `${g.members.length} clients: `;
    this.enqueue(first, `${count}${names} (${endWords(first)})`);
  }

  done(): Promise<void> {
    return this.queue;
  }

  private enqueue(source: HostRun, title: string): void {
    this.queue = this.queue.then(() => this.print(source, title)).catch(() => undefined);
  }

  private async print(source: HostRun, title: string): Promise<void> {
    await this.out.write(`${this.p.c.bold(`----- ${title} -----`)}\n`);
    if (source.dir === undefined) return;
    await this.copy(join(source.dir, 'stdout'), this.out, source.stdout.bytes);
    if (source.stderr.bytes > 0) {
      await this.err.write(`${this.p.c.red(`----- ${title} stderr -----`)}\n`);
      await this.copy(join(source.dir, 'stderr'), this.err, source.stderr.bytes);
    }
  }

  private async copy(file: string, to: Outlet, bytes: number): Promise<void> {
    if (bytes === 0 || !existsSync(file)) return;
    let last = -1;
    for await (const chunk of createReadStream(file)) {
      const b = chunk as Buffer;
      if (b.length > 0) last = b[b.length - 1] ?? -1;
      await to.write(b);
    }
    if (last !== 0x0a) await to.write('\n');
  }
}
