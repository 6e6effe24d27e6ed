// One exec channel from open to end: output piped with backpressure, the time limit and
// Ctrl-C turned into a kill of the remote process group, and an honest account of whether
// that kill took. A kill is confirmed only by the channel ending after it; a client that
// stopped answering (a stopped sshd, a firewall drop) never confirms it, and is then given up
// after KILL_GRACE_MS so that director's exit does not wait on it.
import type { Readable, Writable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { HostError } from './host-error.js';
import { killableCommand, PidSniffer } from './killable.js';

/** After a kill, how long the command's channel has to end before the kill counts as unconfirmed. */
export const KILL_GRACE_MS = 3000;
/** ssh2 closes a dead connection's channels only once their output is read out; this long at most. */
const LOST_DRAIN_MS = 1000;

export interface ExecOptions {
  /** Bytes for the remote command's standard input; it gets EOF after them (or at once when absent). */
  stdin?: Buffer | string | Readable;
  /** Where the remote stdout/stderr go; piped with backpressure and never ended by exec. */
  stdout?: Writable;
  stderr?: Writable;
  /** Command time limit: on expiry the remote process group is killed. */
  timeoutMs?: number;
  /** Abort (Ctrl-C): the remote process group is killed. */
  signal?: AbortSignal;
  /** The command prints the pid marker itself (remote/kill.ts pidMarkCommand): do not add one. */
  marksPid?: boolean;
}

export interface ExecResult {
  /** Exit code, or null when the command ended by a signal or reported no status. */
  code: number | null;
  /** Signal name (without SIG) when the command was killed. */
  signal: string | null;
  timedOut: boolean;
  interrupted: boolean;
  /** Set when a kill was sent but not confirmed (the channel did not end, or processes remain): why, in a person's words. */
  killUnconfirmed?: string;
  /** The pid marker found a csh-family login shell and stopped it before the command ran. */
  cshLoginShell?: boolean;
  /** The kill left processes alive (named in killUnconfirmed): the command was not stopped. */
  killFailed?: boolean;
  /** The login shell's name, when the pid marker said it. */
  loginShell?: string;
}

/** What an exec channel needs of its connection (the Session). */
export interface ChannelHost {
  /** `noInput`: the command gets EOF at once (sent with the request, exec-no-input.ts). */
  open(command: string, cb: (err: Error | undefined, stream: ClientChannel) => void, noInput?: boolean): void;
  /** The login shell's name, once a marker on this connection said it. */
  loginShell?(): string | undefined;
  /** The connection's failure, once it failed. */
  lostError(): HostError | undefined;
  /** Called when the connection goes; returns the way to stop listening. */
  whenLost(f: () => void): () => void;
  /** Kills a process tree; resolves with the pids still alive after it (undefined: no report). */
  killTree(pid: number): Promise<number[] | undefined>;
  /** Bytes received from the peer so far. */
  bytesHeard(): number;
  /** The peer stopped answering: drop the connection now. */
  giveUp(why: string): void;
}

export function runExec(host: ChannelHost, command: string, opts: ExecOptions): Promise<ExecResult> {
  // Only a command that may have to be stopped pays for the wrapper.
  const stoppable = (opts.timeoutMs !== undefined && opts.timeoutMs > 0) || opts.signal !== undefined;
  const sniffer = stoppable || opts.marksPid ? new PidSniffer() : undefined;
  return new Promise<ExecResult>((resolve, reject) => {
    const lost = host.lostError();
    if (lost) return reject(lost);
    if (opts.signal?.aborted) return resolve({ code: null, signal: null, timedOut: false, interrupted: true });
    // ssh2 throws "Not connected" (rather than calling back) once the socket is closing.
    const open = (cb: Parameters<ChannelHost['open']>[1]) => {
      try {
        host.open(stoppable && !opts.marksPid ? killableCommand(command, host.loginShell?.()) : command, cb, opts.stdin === undefined);
      } catch (e) {
        reject(host.lostError() ?? new HostError('unreachable', `connection lost (${(e as Error).message})`));
      }
    };
    open((err, stream) => {
      if (err) return reject(host.lostError() ?? new HostError('io', `cannot open a channel: ${err.message}`));
      endOnce(stream);
      const r: ExecResult = { code: null, signal: null, timedOut: false, interrupted: false };
      let grace: NodeJS.Timeout | undefined;
      let killSent = false;
      let settled = false;
      /** What the tree kill found still alive afterwards. */
      let verdict: Promise<number[] | undefined> | undefined;
      const kill = () => {
        if (killSent) return;
        killSent = true;
        const heardAtKill = host.bytesHeard();
        try {
          stream.signal('KILL');
        } catch {
          /* channel already closing */
        }
        if (sniffer?.pid !== undefined) verdict = host.killTree(sniffer.pid);
        // Killed within moments of its start: kill the tree as soon as its pid is known.
        else sniffer?.once('pid', (pid: number) => (verdict = host.killTree(pid)));
        grace = setTimeout(() => {
          // Nothing at all came back since the kill: the client is not there to act on it.
          if (host.bytesHeard() === heardAtKill) {
            r.killUnconfirmed = 'the client stopped answering';
            host.giveUp(r.killUnconfirmed);
          } else {
            r.killUnconfirmed = "the command's channel did not close";
            stream.close();
          }
          finish();
        }, KILL_GRACE_MS);
      };
      const unwatch = watchStop(opts, r, kill);
      stream.on('exit', (c: number | null, s?: string) => {
        if (typeof c === 'number') r.code = c;
        else if (typeof s === 'string') r.signal = s.replace(/^SIG/, '');
      });
      // Both streams are always read, or flow control stalls the remote command.
      if (opts.stdout) stream.pipe(opts.stdout, { end: false });
      else stream.resume();
      const stderr = sniffer ? stream.stderr.pipe(sniffer) : stream.stderr;
      if (opts.stderr) stderr.pipe(opts.stderr, { end: false });
      else stderr.resume();
      const finish = (ended = false) => {
        if (settled) return;
        settled = true;
        unwatch();
        unlisten();
        if (sniffer?.csh) r.cshLoginShell = true;
        if (sniffer?.shell !== undefined) r.loginShell = sniffer.shell;
        if (killSent && !ended) r.killUnconfirmed ??= 'the connection was lost';
        const gone = host.lostError();
        if (r.code === null && r.signal === null && !killSent && gone) {
          clearTimeout(grace);
          return reject(gone);
        }
        if (!killSent || r.killUnconfirmed !== undefined || verdict === undefined) {
          clearTimeout(grace);
          if (killSent && r.killUnconfirmed === undefined) r.killUnconfirmed = 'the kill could not be checked on the client';
          return resolve(r);
        }
        // The channel ended after the kill: "killed" once the tree kill found nothing left.
        void verdict.then((left) => {
          clearTimeout(grace);
          judgeKill(r, left);
          resolve(r);
        });
      };
      // A reader that stopped (backpressure) would otherwise keep this exec pending forever.
      const unlisten = host.whenLost(() => setTimeout(finish, LOST_DRAIN_MS).unref());
      // Resolve only once the channel closed and both outputs were read to their end, so a
      // caller's sinks have every byte (ssh2 may report close before stderr's end).
      let closed = false;
      let outs = 2;
      const maybeFinish = () => {
        if (closed && outs === 0) finish(!host.lostError());
      };
      stream.once('end', () => {
        outs--;
        maybeFinish();
      });
      stderr.once('end', () => {
        outs--;
        maybeFinish();
      });
      stream.on('close', () => {
        closed = true;
        maybeFinish();
      });
      const input = opts.stdin;
      if (input === undefined) stream.end();
      else if (typeof input === 'string' || Buffer.isBuffer(input)) stream.end(input);
      else input.pipe(stream);
    });
  });
}

/**
 * The time limit and Ctrl-C of one command: each marks `r` and calls `kill` (at once when the
 * signal already fired); returns the way to stop watching.
 */
export function watchStop(opts: Pick<ExecOptions, 'timeoutMs' | 'signal'>, r: ExecResult, kill: () => void): () => void {
  const onAbort = () => {
    r.interrupted = true;
    kill();
  };
  const timer =
    opts.timeoutMs !== undefined && opts.timeoutMs > 0
      ? setTimeout(() => {
          r.timedOut = true;
          kill();
        }, opts.timeoutMs)
      : undefined;
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // Ctrl-C while the command was starting: the listener came too late to hear it.
  if (opts.signal?.aborted) onAbort();
  return () => {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  };
}

/** The tree kill's report folded into `r`: unconfirmed without one, failed when processes remain. */
export function judgeKill(r: ExecResult, left: number[] | undefined): void {
  if (left === undefined) r.killUnconfirmed = 'the kill could not be checked on the client';
  else if (left.length > 0) {
    r.killFailed = true;
    r.killUnconfirmed = `kill failed: ${left.length} process${left.length === 1 ? '' : 'es'} remain: ${left.join(' ')}`;
  }
}

/**
 * ssh2's Channel.destroy ends the stream before closing the channel, even when it has ended
 * already; Node then builds an ERR_STREAM_ALREADY_FINISHED error, stack trace and all, that
 * nobody reads. Node's auto-destroy does that for every channel at its end: ~25 µs of a
 * keeper's CPU per command per client. The same destroy, without ending twice.
 */
function endOnce(stream: ClientChannel): void {
  const close = (stream as unknown as { close?: () => void }).close;
  if (typeof close !== 'function') return;
  stream.destroy = function (this: ClientChannel) {
    if (!this.writableEnded) this.end();
    close.call(this);
    return this;
  };
}
