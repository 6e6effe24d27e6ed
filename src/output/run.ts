// Rendering of `director run` and `director exec`: live lines, --inline or --fold blocks,
// -q, or --json; then a status line per client (none after --fold blocks) and a final line
// naming the failed ones (none with --fold -q).
import { foldGroups } from '../run/fold.js';
import { summaryDocument } from '../run/layout.js';
import type { HostRun, RunEvents, RunOutcome } from '../run/types.js';
import type { Printer } from './printer.js';
import { failureText, summaryLine } from './results.js';
import { clientJson, envelope, type Envelope, type ErrorJson } from './envelope.js';
import { BlockPrinter, outputHead } from './run-blocks.js';
import { LivePrinter } from './run-live.js';

export type RunView = 'live' | 'inline' | 'fold' | 'quiet';

export class RunRenderer {
  readonly events: RunEvents;
  private readonly blocks: BlockPrinter;

  constructor(
    private readonly p: Printer,
    private readonly view: RunView,
    /** With --fold: not even the summary line. */
    private readonly quiet = false,
  ) {
    this.blocks = new BlockPrinter(p);
    const live = new LivePrinter(p);
    this.events = {
      notice: (m) => p.noteOnce(m),
      lines: view === 'live' && !p.json ? (client, stream, block) => live.lines(client, stream, block) : undefined,
      finished: view === 'inline' && !p.json ? (h) => this.blocks.host(h) : undefined,
    };
  }

  /** After the run. `kept`: the output folder is the user's (not a spool to be removed). */
  async finish(o: RunOutcome, kept: boolean): Promise<void> {
    const p = this.p;
    // A spool's summary.json is read by no one; the user's is worth a line when it is missing.
    const noSummary = kept && o.summaryError !== undefined ? `${o.command}: summary.json not written: ${o.summaryError}` : undefined;
    if (p.json) {
      if (noSummary !== undefined) p.note(noSummary);
      p.document(runJson(o, kept));
      return;
    }
    if (this.view === 'fold') for (const g of foldGroups(o.hosts)) this.blocks.group(g);
    await this.blocks.done();
    // As clush -b: the blocks already say how each client ended.
    if (this.view !== 'fold') for (const h of byFinish(o.hosts)) p.line(statusLine(h, p));
    if (!(this.view === 'fold' && this.quiet)) p.line(summaryLine(o.hosts.map((h) => ({ client: h.client, ok: h.state === 'success', error: h.error })), p));
    if (noSummary !== undefined) p.note(noSummary);
    if (kept && o.outputDir !== undefined) p.line(`output: ${o.outputDir}`);
    for (const h of o.hosts) if (h.remoteDir !== undefined) p.line(`kept ${h.client.name}:${h.remoteDir}`);
  }
}

/** --json: summary.json's content in the envelope, each client with the start of its output. */
export function runJson(o: RunOutcome, kept: boolean): Envelope {
  const { clients, command: _command, ok: _ok, exitCode: _exit, ...fields } = summaryDocument(o);
  const hosts = (clients as Array<Record<string, unknown>>).map((doc, i) => {
    const { client, ok, state, error, ...rest } = doc;
    const h = o.hosts[i];
    if (h?.dir !== undefined) rest['output'] = outputHead(h.dir);
    if (!kept) delete rest['folder'];
    return clientJson(String(client), ok === true, String(state), error as ErrorJson | null, rest);
  });
  if (!kept) delete fields['outputDir'];
  return envelope(o.command, o.exitCode, hosts, fields);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local wall-clock time `hh:mm:ss`. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `[2] 11:15:02 [FAILURE] host remote exit: code 3`. */
export function statusLine(h: HostRun, p: Printer): string {
  const head = `[${h.order}] ${clockTime(h.finishedAt)}`;
  const word = h.state === 'success' ? p.c.green('[SUCCESS]') : p.c.red('[FAILURE]');
  const reason = h.error ? ` ${failureText(h.error, p)}` : '';
  const skipped = h.files.skipped.length > 0 ? p.c.yellow(` (${h.files.skipped.length} output entries not fetched: ${h.files.skipped.join('; ')})`) : '';
  return `${head} ${word} ${h.client.name}${reason}${skipped}`;
}

/** Status lines in the order the clients finished. */
export function byFinish(hosts: readonly HostRun[]): HostRun[] {
  return [...hosts].sort((a, b) => a.order - b.order);
}
