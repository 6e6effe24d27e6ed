// director service logs <name> [-n N] [-f]: the last lines of the service's log on every
// client; with -f, every line after them as it comes, from all clients at once, until Ctrl-C
// (which stops each client's tail, verified as every remote kill is).
import { Writable } from 'node:stream';
import { EXIT } from '../exit-codes.cjs';
import type { Client } from '../config/client.js';
import { AfterMark } from '../remote/framed.js';
import { LineSplitter } from '../run/capture.js';
import type { Fleet, HostResult } from '../ssh/fleet.js';
import { HostError } from '../ssh/host-error.js';
import { logsScript } from '../services/logs-script.js';
import { checkServiceName } from '../services/names.js';

export interface ServiceLogsOptions {
  name: string;
  lines: number;
  follow: boolean;
  /** Without -f, the limit for each client's answer. */
  timeoutMs?: number;
}

export interface LogsEvents {
  /** -f: whole lines of one client's log, each ending in "\n". */
  lines?(client: Client, block: Buffer): void;
}

export interface ClientLog {
  /** Without -f: the lines, each ending in "\n". */
  text: Buffer;
  /** More than a client may hand back in one answer: the first part only. */
  truncated: boolean;
  /** -f: how the follow ended (Ctrl-C), and whether the remote tail was seen to stop. */
  interrupted: boolean;
  killUnconfirmed?: string;
}

export interface ServiceLogsResult {
  name: string;
  follow: boolean;
  results: HostResult<ClientLog>[];
  /** 0 when every client's log was read (to Ctrl-C under -f), else 1. */
  exitCode: number;
}

/** What one client may hand back without -f. */
const MAX_TEXT = 8 * 1024 * 1024;

export async function serviceLogs(opts: ServiceLogsOptions, deps: { fleet: Fleet; events?: LogsEvents }): Promise<ServiceLogsResult> {
  checkServiceName(opts.name);
  const results = await deps.fleet.run(async (session, client) => {
    const script = logsScript(opts.name, opts.lines, opts.follow);
    const after = new AfterMark(script.token);
    const splitter = new LineSplitter();
    const kept: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const take = (block: Buffer | undefined) => {
      if (block === undefined) return;
      if (opts.follow) return deps.events?.lines?.(client, block);
      if (size + block.length > MAX_TEXT) truncated = true;
      else {
        kept.push(block);
        size += block.length;
      }
    };
    after.on('data', (chunk: Buffer) => take(splitter.push(chunk)));
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        after.write(chunk, cb);
      },
    });
    const r = await session.exec(script.command, {
      stdout: sink,
      ...(opts.follow ? { signal: deps.fleet.signal } : opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
    // Every byte through the mark and the splitter before the last partial line is taken.
    await new Promise((resolve) => after.once('end', resolve).end());
    take(splitter.end());
    if (!after.marked) {
      if (after.preamble.includes(script.missing)) throw new HostError('remote-exit', `no service ${opts.name} there`);
      if (r.timedOut) throw new HostError('timeout', `no log within ${opts.timeoutMs! / 1000}s`);
      if (!r.interrupted) throw new HostError('remote-exit', `the log could not be read (exit status ${r.code ?? r.signal ?? 'none'})`);
    }
    return { text: Buffer.concat(kept), truncated, interrupted: r.interrupted, ...(r.killUnconfirmed ? { killUnconfirmed: r.killUnconfirmed } : {}) };
  });
  const ok = results.every((r) => r.ok && r.value.killUnconfirmed === undefined);
  return { name: opts.name, follow: opts.follow, results, exitCode: ok ? EXIT.ok : EXIT.failed };
}
