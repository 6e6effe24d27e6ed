// Who a command runs for: this process, with its terminal and its signals, or (inside the
// connection keeper) another director process whose standard streams, Ctrl-C and exit status
// travel over the keeper's socket. Commands see only the streams; guard.ts the rest.
import type { Readable, Writable } from 'node:stream';
import type { SessionPool } from '../ssh/session-pool.js';

export type Terminal<S> = S & { isTTY?: boolean; columns?: number };

export interface CommandIo {
  stdin: Terminal<Readable>;
  stdout: Terminal<Writable>;
  stderr: Terminal<Writable>;
  /** Kept connections the command's Fleet uses (the keeper's); absent: its own, for this command. */
  pool?: SessionPool;
  /** Inside a keeper: sets its idle time (connect --persist). */
  persist?: (ms: number) => void;
}

/** SIGPIPE: the caller's stdout closed (a keeper's caller piped into `head`). */
export type InterruptBy = 'SIGINT' | 'SIGTERM' | 'SIGPIPE';

export interface Caller {
  io: CommandIo;
  /** Calls `interrupt` at each Ctrl-C or SIGTERM until the returned function is called. */
  listen(interrupt: (by: InterruptBy) => void): () => void;
  /** The command is over, with this exit status. */
  finish(code: number): void;
  /** A second interrupt: leave at once with this status. */
  quit(code: number): void;
  /**
   * Inside a keeper, before the command starts: take it if `key` (from the command's options
   * and files) is the keeper's; else say why not. Absent: the command is this process's own.
   */
  admit?(key: string | undefined): string | undefined;
}

/** This process: its own terminal, signals and exit status. */
export function processCaller(): Caller {
  return {
    io: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
    // A closed stdout of this process is watched by guard itself (closed-output.ts).
    listen(interrupt) {
      const onInt = () => interrupt('SIGINT');
      const onTerm = () => interrupt('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      return () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
    },
    finish: (code) => {
      process.exitCode = code;
    },
    quit: (code) => process.exit(code),
  };
}

let served: Caller | undefined;

/** The keeper, before it parses a request's argv: the command that runs next is for `caller`. */
export function serveNext(caller: Caller | undefined): void {
  served = caller;
}

/** The caller of the command starting now: the keeper's request, else this process. */
export function takeCaller(): Caller {
  const c = served ?? processCaller();
  served = undefined;
  return c;
}

/** Is this process serving another director's command right now (so it must not forward it again)? */
export function serving(): boolean {
  return served !== undefined;
}

/** The keeper's request the command starting now is for (without taking it, as takeCaller does). */
export function servedCaller(): Caller | undefined {
  return served;
}
