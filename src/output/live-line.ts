// One transient line on a terminal (data's progress), redrawn in place a few times a second.
// Anything else the Printer prints clears it first; it comes back at the next redraw, under
// what was printed. Hand-written rather than cli-progress: that one restores a saved cursor
// position when it stops, which puts the line back over lines printed meanwhile (a Ctrl-C
// notice), and its own {eta} field overrides a payload field of the same name.
import type { Printer } from './printer.js';

const CLEAR = '\r\x1b[K';

export class LiveLine {
  private timer: NodeJS.Timeout | undefined;
  private shown = '';

  constructor(
    private readonly p: Printer,
    /** The line for a terminal this many columns wide. */
    private readonly text: (width: number) => string,
    private readonly everyMs = 100,
  ) {}

  start(): void {
    this.p.setLive(this);
    this.draw();
    this.timer = setInterval(() => this.draw(), this.everyMs);
    this.timer.unref();
  }

  /** Redraws now if the text changed. */
  draw(): void {
    const stream = this.p.stderr as NodeJS.WritableStream & { columns?: number };
    const line = this.text(stream.columns ?? 80);
    if (line === this.shown) return;
    stream.write(`${CLEAR}${line}`);
    this.shown = line;
  }

  /** Takes the line (and a ^C the terminal echoed on it) off the screen until the next redraw. */
  clear(): void {
    this.p.stderr.write(CLEAR);
    this.shown = '';
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
    this.p.setLive(undefined);
  }
}
