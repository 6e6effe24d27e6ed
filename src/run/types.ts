// Shapes shared by run and exec: what happened at each client, and the events a renderer
// may listen to while the run goes on.
import type { Client } from '../config/client.js';
import type { HostError } from '../ssh/host-error.js';

export type StreamName = 'stdout' | 'stderr';

/** How one client ended, in the words of the exit status (see exit-status.ts). */
export type HostState = 'success' | 'exit' | 'signal' | 'timeout' | 'unreachable' | 'failed' | 'interrupted';

export interface StreamStats {
  bytes: number;
  md5: string;
}

export interface FilesStats {
  count: number;
  bytes: number;
  /** Remote entries not fetched, with why (links, special files, unsafe names). */
  skipped: string[];
  /** Why fetching stopped, if it did. */
  error?: string;
}

export interface HostRun {
  client: Client;
  state: HostState;
  /** Exit code, or null when killed, not run or no status came back. */
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Why the client is not a success; absent on success. */
  error?: HostError;
  /** Epoch ms: work began (before connecting) and ended. */
  startedAt: number;
  finishedAt: number;
  /** 1-based rank among clients in order of finishing (0 = never started). */
  order: number;
  stdout: StreamStats;
  stderr: StreamStats;
  files: FilesStats;
  /** This client's local folder (absolute) and its name under the run's folder, when output is kept. */
  dir?: string;
  folder?: string;
  /** The remote temporary folder, when it was kept (--keep-remote). */
  remoteDir?: string;
  /** Output and status in one key: clients with equal digests fold together. */
  digest: string;
}

export interface RunOutcome {
  command: 'run' | 'exec';
  runId: string;
  /** The run's local folder (absolute), or absent when nothing is kept. */
  outputDir?: string;
  startedAt: number;
  finishedAt: number;
  interrupted: boolean;
  exitCode: number;
  /** In clients.conf order. */
  hosts: HostRun[];
  /** What was run: the script and its arguments, or the command words. */
  what: { script?: string; project?: string; args: string[] };
  /** Why summary.json could not be written into outputDir, when it could not. */
  summaryError?: string;
}

/** What a renderer may hear while the run goes on; printing itself lives in src/output. */
export interface RunEvents {
  /**
   * Whole lines from one client's stream, as one block of "\n"-ended lines. A returned
   * promise holds back that client's output until it settles (the terminal's backpressure).
   */
  lines?(client: Client, stream: StreamName, block: Buffer): void | Promise<void>;
  /** A client is finished and its files are closed. */
  finished?(host: HostRun): void;
  /** Something a person should know that is not a client's result. */
  notice?(message: string): void;
}
