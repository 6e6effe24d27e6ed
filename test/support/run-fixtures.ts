// Hand-made results of run/exec for unit tests of the pure parts.
import { Writable } from 'node:stream';
import type { Client } from '../../src/config/client.js';
import { Printer } from '../../src/output/printer.js';
import { hostDigest } from '../../src/run/fold.js';
import type { HostRun } from '../../src/run/types.js';

export function client(index: number, name = `10.0.0.${index + 1}`): Client {
  return { name, host: name, index, file: 'clients.conf', line: index + 1 };
}

const EMPTY = 'd41d8cd98f00b204e9800998ecf8427e';

export function hostRun(index: number, over: Partial<HostRun> = {}): HostRun {
  const h: HostRun = {
    client: client(index),
    state: 'success',
    code: 0,
    signal: null,
    timedOut: false,
    startedAt: 0,
    finishedAt: 0,
    order: index + 1,
    stdout: { bytes: 0, md5: EMPTY },
    stderr: { bytes: 0, md5: EMPTY },
    files: { count: 0, bytes: 0, skipped: [] },
    digest: '',
    ...over,
  };
  h.digest = hostDigest(h);
  return h;
}

/** A Printer without colour whose stdout and stderr are collected. */
export function capturePrinter(): { p: Printer; out: () => string; err: () => string } {
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  const sink = (into: Buffer[]) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        into.push(Buffer.from(chunk));
        cb();
      },
    });
  const p = new Printer({ json: false, color: false, stdout: sink(o), stderr: sink(e) });
  return { p, out: () => Buffer.concat(o).toString('utf8'), err: () => Buffer.concat(e).toString('utf8') };
}
