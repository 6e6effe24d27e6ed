// Rendering of `director run` and `director exec`: live lines, --inline or --fold blocks,
// -q, or --json; then a status line per client and a final line naming the failed ones.
import { foldGroups } from '../run/fold.js';
import { summaryDocument } from '../run/summary.js';
import type { RunEvents, RunOutcome } from '../run/types.js';
import type { Printer } from './printer.js';
import { BlockPrinter } from './run-blocks.js';
import { LivePrinter } from './run-live.js';
import { byFinish, statusLine } from './run-status.js';
import { summaryLine } from './results.js';
import { outputHead } from './run-head.js';

export type RunView = 'live' | 'inline' | 'fold' | 'quiet';

export class RunRenderer {
  readonly events: RunEvents;
  private readonly blocks: BlockPrinter;

  constructor(
    private readonly p: Printer,
    private readonly view: RunView,
  ) {
    this.blocks = new BlockPrinter(p);
    const live = new LivePrinter(p);
    this.events = {
      notice: (m) => p.noteOnce(m),
      ...(view === 'live' && !p.json ? { lines: (client, stream, block) => live.lines(client, stream, block) } : {}),
      ...(view === 'inline' && !p.json ? { finished: (h) => this.blocks.host(h) } : {}),
    };
  }

  /** After the run. `kept`: the output folder is the user's (not a spool to be removed). */
  async finish(o: RunOutcome, kept: boolean): Promise<void> {
    const p = this.p;
    if (p.json) {
      const doc = summaryDocument(o);
      const clients = doc['clients'] as Record<string, unknown>[];
      o.hosts.forEach((h, i) => {
        const c = clients[i];
        if (!c) return;
        if (h.dir !== undefined) c['output'] = outputHead(h.dir);
        if (!kept) delete c['folder'];
      });
      if (!kept) delete doc['outputDir'];
      p.document(doc);
      return;
    }
    if (this.view === 'fold') for (const g of foldGroups(o.hosts)) this.blocks.group(g);
    await this.blocks.done();
    for (const h of byFinish(o.hosts)) p.line(statusLine(h, p));
    p.line(summaryLine(o.hosts.map((h) => ({ client: h.client, ok: h.state === 'success', ...(h.error ? { error: h.error } : {}) })), p));
    if (kept && o.outputDir !== undefined) p.line(`output: ${o.outputDir}`);
    for (const h of o.hosts) if (h.remoteDir !== undefined) p.line(`kept ${h.client.name}:${h.remoteDir}`);
  }
}
