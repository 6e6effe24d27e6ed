// The loop of `director shell`: lines from a person at a terminal (Node's readline: editing,
// history kept in .director/history) or from piped standard input (a script of commands, run
// in order, no prompt). Each line runs to its end before the next is read. Ctrl-C while a line
// runs stops that line's remote commands and comes back to the prompt; Ctrl-C at an empty
// prompt twice in a row, Ctrl-D or :quit leave. Piped, Ctrl-C stops the line and leaves.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { UsageError } from '../config/errors.js';
import { EXIT, Interrupt } from '../exit-codes.cjs';
import { RunRenderer } from '../output/run.js';
import { renderHosts, renderSettings, renderShellConnected, renderShellError, renderShellHelp } from '../output/shell.js';
import type { Printer } from '../output/printer.js';
import { LocalTemp } from '../run/spool.js';
import type { ShellSession } from '../commands/shell.js';
import { parseShellLine, type ShellLine } from '../shell/line.js';
import type { InterruptBy, Terminal } from './caller.js';

const PROMPT = 'director> ';
const HISTORY_KEPT = 1000;

export interface ReplDeps {
  session: ShellSession;
  p: Printer;
  stdin: Terminal<Readable>;
  stdout: Terminal<Writable>;
  /** Ctrl-C and SIGTERM come here while the shell runs (ActionContext.onInterrupt). */
  onInterrupt(handler: (by: InterruptBy) => void): () => void;
  historyFile: string;
}

/** Runs the shell until its input ends or the person leaves; the last line's exit status. */
export async function repl(d: ReplDeps): Promise<number> {
  const { session, p } = d;
  const terminal = d.stdin.isTTY === true;
  const lines: LineSource = terminal ? new TerminalLines(d.stdin, d.stdout, d.historyFile) : new PipedLines(d.stdin);
  let running: AbortController | undefined;
  let leaving: number | undefined;
  const release = d.onInterrupt((by) => {
    // SIGTERM, or Ctrl-C with no one at a prompt to come back to: stop the line, then leave.
    if (by === 'SIGTERM' || !terminal) leaving ??= by === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
    if (running && !running.signal.aborted) {
      p.note("\ninterrupted: stopping the line's remote commands");
      running.abort(new Interrupt(by));
    } else if (running) p.note('still stopping: each kill is being checked');
    if (!running && leaving !== undefined) lines.close();
  });
  let last = 0;
  try {
    running = new AbortController();
    renderShellConnected(await session.connect(running.signal), p);
    running = undefined;
    for (;;) {
      if (leaving !== undefined) break;
      const text = await lines.next();
      if (text === undefined) break;
      const line = parseShellLine(text);
      if (line.kind === 'quit') break;
      if (line.kind !== 'run') {
        own(line, session, p);
        continue;
      }
      running = new AbortController();
      lines.running(true);
      try {
        last = await runLine(line, session, p, running.signal);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        renderShellError(e.message, p);
        last = 2;
      } finally {
        running = undefined;
        lines.running(false);
      }
    }
  } finally {
    release();
    lines.close();
  }
  return leaving ?? last;
}

async function runLine(line: Extract<ShellLine, { kind: 'run' }>, session: ShellSession, p: Printer, signal: AbortSignal): Promise<number> {
  const view = session.settings.view;
  const renderer = new RunRenderer(p, view, false, 'failed');
  // The views that print whole blocks read the output back from files.
  const temp = view === 'inline' || view === 'fold' || p.json ? new LocalTemp() : undefined;
  try {
    const outcome = await session.run(line, signal, renderer.events, temp?.path('output'));
    await renderer.finish(outcome, false);
    return outcome.exitCode;
  } finally {
    temp?.remove();
  }
}

/** The shell's own `:` commands. */
function own(line: Exclude<ShellLine, { kind: 'run' | 'quit' }>, session: ShellSession, p: Printer): void {
  if (line.kind === 'empty') return;
  if (line.kind === 'bad') return renderShellError(line.message, p);
  if (line.kind === 'help') return renderShellHelp(p);
  if (line.kind === 'hosts') return renderHosts(session.hosts(), p);
  if (line.kind === 'view') {
    session.settings.view = line.view;
    return renderSettings(session.settings, 'view', p);
  }
  if (line.seconds !== undefined) session.settings.timeoutMs = line.seconds === null ? undefined : line.seconds * 1000;
  renderSettings(session.settings, 'timeout', p);
}

interface LineSource {
  /** The next line; undefined at the end of input (Ctrl-D, EOF, or left). */
  next(): Promise<string | undefined>;
  /** A line runs (true) or is over (false): a terminal gives Ctrl-C back to the process meanwhile. */
  running(on: boolean): void;
  close(): void;
}

/** Piped standard input: lines in order, nothing printed. */
class PipedLines implements LineSource {
  private readonly rl: Interface;
  private readonly it: AsyncIterator<string>;

  constructor(input: Readable) {
    this.rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
    this.it = this.rl[Symbol.asyncIterator]();
  }

  async next(): Promise<string | undefined> {
    const r = await this.it.next();
    return r.done ? undefined : r.value;
  }

  running(): void {}

  close(): void {
    this.rl.close();
  }
}

/** A person at a terminal: readline with a prompt, editing and history (its echoes are the line editor's, written as readline writes its own). */
class TerminalLines implements LineSource {
  private readonly rl: Interface;
  private waiting: ((line: string | undefined) => void) | undefined;
  /** Lines typed before the shell asked for one (while it was connecting). */
  private readonly early: string[] = [];
  private closed = false;
  /** The last key at the prompt was Ctrl-C on an empty line. */
  private ctrlC = false;

  constructor(
    private readonly input: Terminal<Readable>,
    private readonly output: Terminal<Writable>,
    private readonly historyFile: string,
  ) {
    this.rl = createInterface({ input, output, terminal: true, prompt: PROMPT, history: loadHistory(historyFile), historySize: HISTORY_KEPT, removeHistoryDuplicates: true });
    this.rl.on('line', (line: string) => {
      this.ctrlC = false;
      if (line.trim() !== '') saveHistory(this.historyFile, line);
      this.deliver(line);
    });
    this.rl.on('close', () => {
      this.closed = true;
      this.deliver(undefined);
    });
    this.rl.on('SIGINT', () => this.ctrlCAtPrompt());
  }

  next(): Promise<string | undefined> {
    if (this.early.length > 0) return Promise.resolve(this.early.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.rl.prompt();
    });
  }

  running(on: boolean): void {
    if (this.closed) return;
    // While a line runs the terminal is in its normal mode: Ctrl-C is a signal to this process.
    const raw = (this.input as { setRawMode?: (on: boolean) => void }).setRawMode;
    if (on) {
      this.rl.pause();
      raw?.call(this.input, false);
    } else {
      raw?.call(this.input, true);
      this.rl.resume();
    }
  }

  close(): void {
    if (!this.closed) this.rl.close();
  }

  private deliver(line: string | undefined): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (w) w(line);
    else if (line !== undefined) this.early.push(line);
  }

  private ctrlCAtPrompt(): void {
    if (this.rl.line !== '') {
      // As a shell does: the line typed so far is dropped, a fresh prompt.
      this.rl.write(null, { ctrl: true, name: 'e' });
      this.rl.write(null, { ctrl: true, name: 'u' });
      this.output.write('^C\n');
      this.ctrlC = false;
      this.rl.prompt();
      return;
    }
    if (this.ctrlC) {
      this.output.write('\n');
      this.rl.close();
      return;
    }
    this.ctrlC = true;
    this.output.write('\n(Ctrl-C again to leave, or :quit)\n');
    this.rl.prompt();
  }
}

/** Readline wants the newest first. History is a convenience: an unreadable file means none. */
function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(-HISTORY_KEPT).reverse();
  } catch {
    return [];
  }
}

function saveHistory(file: string, line: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    appendFileSync(file, `${line.replace(/\n/g, ' ')}\n`, { mode: 0o600 });
  } catch {
    /* a read-only folder: the shell works on without history */
  }
}
