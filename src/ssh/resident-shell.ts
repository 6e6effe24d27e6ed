// director shell's resident shell on one connection (remote/resident-sh.ts): one exec channel
// kept open, each line written into it as a request and read back from its framed streams.
// A line that must be stopped (Ctrl-C, :timeout) is killed as exec's are: its login shell's
// process tree by the verified kill on a channel of its own (the resident sh is busy waiting
// for the line, so it cannot run the kill itself); "killed" only once the kill found nothing
// left and the resident sh saw the line end. A resident sh that ends (killed on the host, the
// connection lost) fails the line it was running; the Session then starts a new one.
import type { Writable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { judgeKill, KILL_GRACE_MS, watchStop, type ChannelHost, type ExecOptions, type ExecResult } from './exec-channel.js';
import { HostError } from './host-error.js';
import { FrameReader, FrameSplitter, type FramePiece } from '../remote/resident-frames.js';
import { requestText, residentCommand, residentToken, startText } from '../remote/resident-sh.js';

export interface ResidentLine {
  env: Readonly<Record<string, string>>;
  /** The user's line, for the login shell (`$SHELL -c line`). */
  command: string;
}

export type ResidentRunOptions = Pick<ExecOptions, 'stdout' | 'stderr' | 'timeoutMs' | 'signal'>;

/** What a start says about why it failed, at most. */
const START_TEXT_MAX = 4096;
/** How long a resident sh that ended at its start has to deliver what it said. */
const START_DRAIN_MS = 1000;

/** The line being run: where its bytes go and what came back of it. */
interface Current {
  token: string;
  out?: Writable;
  err?: Writable;
  pid?: number;
  onPid?: (pid: number) => void;
  status?: number;
  outEnded: boolean;
  errEnded: boolean;
  /** Both ends seen. */
  ended(): void;
  /** The resident sh is gone before the line ended. */
  gone(): void;
}

export class ResidentShell {
  private readonly outFrames = new FrameSplitter();
  private readonly errFrames = new FrameSplitter();
  private current: Current | undefined;
  private dead = false;
  private stray = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly deathListeners = new Set<() => void>();
  private readers: Writable[] = [];
  private unlistenLost: (() => void) | undefined;
  private how = 'it ended';

  private constructor(
    private readonly host: ChannelHost,
    private readonly stream: ClientChannel,
  ) {}

  /** Opens the channel and waits for the loop's ready marks (within `withinMs`). */
  static start(host: ChannelHost, withinMs: number): Promise<ResidentShell> {
    return new Promise((resolve, reject) => {
      const lost = host.lostError();
      if (lost) return reject(lost);
      const token = residentToken();
      const opened = (err: Error | undefined, stream: ClientChannel) => {
        if (err) return reject(host.lostError() ?? new HostError('io', `cannot open a channel: ${err.message}`));
        const shell = new ResidentShell(host, stream);
        shell.listen();
        let said = '';
        let ready = 0;
        const timer = setTimeout(() => fail(`no answer within ${withinMs / 1000}s`), withinMs);
        // What it said (sh: base64: not found) may still be on its way when its end is heard.
        const stop = shell.onDeath(() => void shell.readersDone(START_DRAIN_MS).then(() => fail(`it ended${said.trim() ? `: ${said.trim().split('\n').pop()}` : ''}`)));
        const fail = (why: string) => {
          clearTimeout(timer);
          stop();
          shell.close();
          reject(new HostError('io', `the resident shell did not start: ${why}`));
        };
        shell.startFrames(token, (text) => (said = (said + text).slice(-START_TEXT_MAX)), () => {
          if (++ready < 2) return;
          shell.startHandlers = undefined;
          clearTimeout(timer);
          stop();
          resolve(shell);
        });
        stream.write(startText(token));
      };
      try {
        host.open(residentCommand(), opened);
      } catch (e) {
        reject(host.lostError() ?? new HostError('unreachable', `connection lost (${(e as Error).message})`));
      }
    });
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Bytes that came while no line was open (a background process of an earlier line), since last asked. */
  takeStray(): number {
    const n = this.stray;
    this.stray = 0;
    return n;
  }

  onDeath(f: () => void): () => void {
    this.deathListeners.add(f);
    return () => this.deathListeners.delete(f);
  }

  /** Runs one line (one at a time: a second waits for the first). */
  run(line: ResidentLine, opts: ResidentRunOptions): Promise<ExecResult> {
    const next = this.queue.then(() => this.runNow(line, opts));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Ends the loop (EOF on its input) and the channel. */
  close(): void {
    if (this.dead) return;
    try {
      this.stream.end();
      this.stream.close();
    } catch {
      /* the connection is closing */
    }
    this.die('director closed it');
  }

  private runNow(line: ResidentLine, opts: ResidentRunOptions): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      if (this.dead) return reject(this.host.lostError() ?? new HostError('io', `director's resident shell on the client ended (${this.how})`));
      const r: ExecResult = { code: null, signal: null, timedOut: false, interrupted: false };
      if (opts.signal?.aborted) return resolve({ ...r, interrupted: true });
      const token = residentToken();
      let grace: NodeJS.Timeout | undefined;
      let killSent = false;
      let verdict: Promise<number[] | undefined> | undefined;
      let settled = false;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(grace);
        unwatch();
        unlisten();
        if (this.current === cur) this.current = undefined;
        f();
      };
      const kill = () => {
        if (killSent) return;
        killSent = true;
        if (cur.pid !== undefined) verdict = this.host.killTree(cur.pid);
        else cur.onPid = (pid) => (verdict = this.host.killTree(pid));
        grace = setTimeout(() => {
          // The resident sh never saw the line end: it cannot be trusted with the next one.
          r.killUnconfirmed = 'the line did not end after the kill';
          settle(() => resolve(r));
          this.close();
        }, KILL_GRACE_MS);
      };
      const cur: Current = {
        token,
        out: opts.stdout,
        err: opts.stderr,
        outEnded: false,
        errEnded: false,
        ended: () => {
          r.code = cur.status ?? null;
          if (!killSent) return settle(() => resolve(r));
          if (verdict === undefined) {
            r.killUnconfirmed = 'the kill could not be checked on the client';
            return settle(() => resolve(r));
          }
          void verdict.then((left) => {
            judgeKill(r, left);
            settle(() => resolve(r));
          });
        },
        gone: () => {
          const lost = this.host.lostError();
          if (lost && !killSent) return settle(() => reject(lost));
          if (lost) {
            r.killUnconfirmed = 'the connection was lost';
            return settle(() => resolve(r));
          }
          // The line's processes outlive their parent sh: stop them (and say whether that took).
          const why = `director's resident shell on the client ended during the line (${this.how})`;
          const pid = cur.pid;
          if (pid === undefined) return settle(() => reject(new HostError('io', why)));
          void this.host.killTree(pid).then((left) => {
            const after =
              left === undefined ? "the line's processes could not be checked" : left.length === 0 ? "the line's processes were killed" : `${left.length} of the line's processes remain: ${left.join(' ')}`;
            settle(() => reject(new HostError('io', `${why}; ${after}`)));
          });
        },
      };
      const unlisten = this.onDeath(() => cur.gone());
      this.current = cur;
      this.outFrames.expect(token);
      this.errFrames.expect(token);
      this.stream.write(requestText(token, line.env, line.command));
      const unwatch = watchStop(opts, r, kill);
    });
  }

  /** Both streams read to their end, or `ms` passed. */
  private readersDone(ms: number): Promise<void> {
    const ended = (w: Writable) => new Promise<void>((ok) => (w.writableFinished ? ok() : w.once('finish', () => ok())));
    return new Promise<void>((ok) => {
      const t = setTimeout(ok, ms);
      void Promise.all(this.readers.map(ended)).then(() => {
        clearTimeout(t);
        ok();
      });
    });
  }

  /** Both streams into their frame splitters, with backpressure into the line's sinks. */
  private listen(): void {
    this.readers = [new FrameReader(this.outFrames, (p) => this.piece('out', p)), new FrameReader(this.errFrames, (p) => this.piece('err', p))];
    this.stream.pipe(this.readers[0] as FrameReader);
    this.stream.stderr.pipe(this.readers[1] as FrameReader);
    this.stream.on('exit', (code: number | null, signal?: string) => this.die(typeof signal === 'string' ? `killed by signal ${signal.replace(/^SIG/, '')}` : `exit status ${code ?? 'none'}`));
    this.stream.on('close', () => this.die('its channel closed'));
    this.unlistenLost = this.host.whenLost(() => this.die('the connection was lost'));
  }

  private startHandlers: { text(t: string): void; ready(): void } | undefined;

  private startFrames(token: string, text: (t: string) => void, ready: () => void): void {
    this.startHandlers = { text, ready };
    this.outFrames.expect(token);
    this.errFrames.expect(token);
  }

  private piece(stream: 'out' | 'err', p: FramePiece): Promise<void> | void {
    const cur = this.current;
    if (p.kind === 'stray') {
      if (this.startHandlers) this.startHandlers.text(p.bytes.toString('utf8'));
      else this.stray += p.bytes.length;
      return;
    }
    if (p.kind === 'data') {
      const sink = stream === 'out' ? cur?.out : cur?.err;
      if (!sink) return;
      return new Promise<void>((done) => sink.write(p.bytes, () => done()));
    }
    if (p.word === 'ready') return this.startHandlers?.ready();
    if (!cur) return;
    if (p.word === 'pid') {
      const pid = Number(p.value);
      if (Number.isInteger(pid) && pid > 1) {
        cur.pid = pid;
        cur.onPid?.(pid);
      }
    } else if (p.word === 'end') {
      if (stream === 'out') {
        cur.outEnded = true;
        const status = Number(p.value);
        if (p.value !== '' && Number.isInteger(status)) cur.status = status;
      } else cur.errEnded = true;
      if (cur.outEnded && cur.errEnded) cur.ended();
    }
  }

  private die(how: string): void {
    if (this.dead) return;
    this.dead = true;
    this.how = how;
    this.unlistenLost?.();
    this.outFrames.forget();
    this.errFrames.forget();
    for (const f of [...this.deathListeners]) f();
  }
}
