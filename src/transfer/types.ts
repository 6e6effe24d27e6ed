// The shapes the transfer modules share: one file to send, and how its sending ended.
import type { LocalFile } from './scan.js';

export interface FileJob {
  file: LocalFile;
  /** Final path on the client (relative paths are under the login home). */
  remotePath: string;
  /**
   * How many clients this run has a copy of the file go to, or be checked on (--replicas):
   * the one job is shared by all of them, and its local copy goes only once every one of
   * them verified and recorded it. Absent for one.
   */
  copies?: number;
}

/** `changed`: written to while it was read, so what was sent may mix old and new bytes. */
export type FailKind = 'checksum' | 'exists-different' | 'local-read' | 'changed' | 'io' | 'unreachable' | 'interrupted';

export type FileStatus =
  | {
      job: FileJob;
      ok: true;
      md5: string;
      bytes: number;
      already: boolean;
      removedLocal: boolean;
      /** Why the local copy stays although the file verified (it changed, it could not be removed). */
      keptBecause?: string;
      /** The local copy was deleted by someone else before director would have removed it. */
      localGone?: boolean;
      time: string;
    }
  | { job: FileJob; ok: false; kind: FailKind; reason: string };

/** A file whose copy on the client verified (sent now, or already there). */
export type VerifiedFile = Extract<FileStatus, { ok: true }>;
