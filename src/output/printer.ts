// The one place that writes to the terminal. Colour and --json are decided here, once.
import { Chalk, type ChalkInstance } from 'chalk';

export interface PrinterOptions {
  json: boolean;
  color: boolean;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}

export class Printer {
  readonly json: boolean;
  readonly c: ChalkInstance;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  private noticed = new Set<string>();
  /** A transient line on stderr (data's progress) that anything else printed clears first. */
  private live: { clear(): void } | undefined;

  constructor(opts: PrinterOptions) {
    this.json = opts.json;
    this.stdout = opts.stdout ?? process.stdout;
    this.stderr = opts.stderr ?? process.stderr;
    const forced = process.env['FORCE_COLOR'] !== undefined && process.env['FORCE_COLOR'] !== '0';
    const level = !opts.color ? 0 : forced || this.stdout.isTTY === true ? 1 : 0;
    this.c = new Chalk({ level });
  }

  /** Is a person watching stderr (for live progress lines)? */
  get interactive(): boolean {
    return this.stderr.isTTY === true && !this.json;
  }

  /** Registers the transient line (or none): it is cleared before any other output. */
  setLive(line: { clear(): void } | undefined): void {
    this.live = line;
  }

  /** A line of the human report, on stdout; silent under --json. */
  line(text = ''): void {
    if (this.json) return;
    this.live?.clear();
    this.stdout.write(`${text}\n`);
  }

  /** Raw bytes of the human report (live command output). */
  raw(chunk: string | Buffer): void {
    if (this.json) return;
    this.live?.clear();
    this.stdout.write(chunk);
  }

  /** Diagnostics, warnings and progress: stderr, also under --json. */
  note(text: string): void {
    this.live?.clear();
    this.stderr.write(`${text}\n`);
  }

  /** Is a transient line showing (so a note needs no blank line to start on its own)? */
  get liveShowing(): boolean {
    return this.live !== undefined;
  }

  /** A note printed at most once per run. */
  noteOnce(text: string): void {
    if (this.noticed.has(text)) return;
    this.noticed.add(text);
    this.note(text);
  }

  /** The machine-readable result, on stdout, under --json only. */
  document(value: unknown): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A machine-readable result already made into JSON text, in pieces (a large one is never one string). */
  documentText(chunks: Iterable<string>): void {
    if (this.json) for (const chunk of chunks) this.stdout.write(chunk);
  }
}
