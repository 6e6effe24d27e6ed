// The shapes the transfer modules share: one file to send, and how its sending ended.
import type { LocalFile } from './scan.js';

export interface FileJob {
  file: LocalFile;
  /** Final path on the client (relative paths are under the login home). */
  remotePath: string;
}

export type FailKind = 'checksum' | 'exists-different' | 'local-read' | 'io' | 'unreachable' | 'interrupted';

export type FileStatus =
  | { job: FileJob; ok: true; md5: string; bytes: number; already: boolean; removedLocal: boolean; keptBecause?: string; time: string }
  | { job: FileJob; ok: false; kind: FailKind; reason: string };

/** A file whose copy on the client verified (sent now, or already there). */
export type VerifiedFile = Extract<FileStatus, { ok: true }>;
