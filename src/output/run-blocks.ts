// A client's output read back from its files in chunks, never held whole in memory: as one
// block per client (or group) for --inline and --fold, stdout to stdout and stderr to
// stderr; and its start for --json.
import { closeSync, createReadStream, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { FoldGroup } from '../run/fold.js';
import type { HostRun } from '../run/types.js';
import { hostList } from './format.js';
import type { Printer } from './printer.js';
import { Outlet } from './run-live.js';

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
    this.enqueue(first, `${hostList(g.members.map((m) => m.client.name))} ${endWords(first)}`);
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

/** How a client ended, in a few words for a block header. */
export function endWords(h: HostRun): string {
  if (h.state === 'success') return 'exit 0';
  if (h.code !== null && !h.timedOut) return `exit ${h.code}`;
  if (h.timedOut) return 'timed out';
  if (h.signal !== null) return `signal ${h.signal}`;
  return h.error ? h.error.kind : h.state;
}

// --json carries the start of each client's output (the whole of it is in the files), so a
// program gets the common small answers without reading files and memory stays bounded.
const JSON_OUTPUT_LIMIT = 64 * 1024;

export function outputHead(dir: string, limit = JSON_OUTPUT_LIMIT): { stdout: string; stderr: string; truncated: boolean } {
  const a = head(join(dir, 'stdout'), limit);
  const b = head(join(dir, 'stderr'), limit);
  return { stdout: a.text, stderr: b.text, truncated: a.truncated || b.truncated };
}

function head(file: string, limit: number): { text: string; truncated: boolean } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { text: '', truncated: false };
  }
  try {
    const buf = Buffer.alloc(limit + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return { text: buf.subarray(0, Math.min(n, limit)).toString('utf8'), truncated: n > limit };
  } finally {
    closeSync(fd);
  }
}
