// The status line of one client after a run (pssh's form) and the labels of blocks.
import type { HostRun } from '../run/types.js';
import type { Printer } from './printer.js';
import { failureText } from './results.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** Local wall-clock time `hh:mm:ss`. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `[2] 11:15:02 [FAILURE] host remote exit: exited with code 3`. */
export function statusLine(h: HostRun, p: Printer): string {
  const head = `[${h.order}] ${clockTime(h.finishedAt)}`;
  const word = h.state === 'success' ? p.c.green('[SUCCESS]') : p.c.red('[FAILURE]');
  const reason = h.error ? ` ${failureText(h.error, p)}` : '';
  const skipped = h.files.skipped.length > 0 ? p.c.yellow(` (${h.files.skipped.length} output entries not fetched: ${h.files.skipped.join('; ')})`) : '';
  return `${head} ${word} ${h.client.name}${reason}${skipped}`;
}

/** How a client ended, in a few words for a block header. */
export function endWords(h: HostRun): string {
  if (h.state === 'success') return 'exit 0';
  if (h.code !== null && !h.timedOut) return `exit ${h.code}`;
  if (h.timedOut) return 'timed out';
  if (h.signal !== null) return `signal ${h.signal}`;
  return h.error ? h.error.kind : h.state;
}

/** Status lines in the order the clients finished. */
export function byFinish(hosts: readonly HostRun[]): HostRun[] {
  return [...hosts].sort((a, b) => a.order - b.order);
}
