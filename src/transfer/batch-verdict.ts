// What a batch's outcome means for each of its files: verified (the client's md5 of what it
// wrote is the md5 of what was read, and the file did not change while it was read), or
// failed with a reason a person can act on, its temporary to be removed. Shared by data and
// copy/sync; what happens next (rename, record, backup) is theirs.
import { joinRemote } from './remote-path.js';
import { CHANGED } from './local-removal.js';
import type { BatchItem, BatchOutcome, Sent } from './tar-batch.js';
import type { FailKind } from './types.js';

export interface Verified {
  it: BatchItem;
  sent: Sent;
  /** The temporary, as a remote path. */
  tmp: string;
}

export interface Rejected {
  it: BatchItem;
  kind: FailKind;
  reason: string;
  /** The temporary to remove, when one may have been written. */
  tmp?: string;
}

export function judgeBatch(outcome: BatchOutcome, base: string, items: readonly BatchItem[]): { verified: Verified[]; rejected: Rejected[] } {
  const verified: Verified[] = [];
  const rejected: Rejected[] = [];
  for (const it of items) {
    const tmp = joinRemote(base, it.tempRel);
    const unreadable = outcome.unreadable.get(it);
    if (unreadable !== undefined) {
      rejected.push({ it, kind: 'local-read', reason: unreadable });
      continue;
    }
    const sent = outcome.sent.get(it);
    const remote = outcome.remote.get(it.tempRel);
    if (sent?.changed === true) {
      // The client holds exactly what was read, but what was read may be part old and part
      // new bytes, a file that never existed: never put at the final name.
      rejected.push({ it, kind: 'changed', reason: CHANGED, tmp });
      continue;
    }
    if (sent === undefined || remote !== sent.md5) {
      // When the unpack failed (a full disk) and this file is missing or tar named it, that is
      // why; a file written whole whose sum differs is still a checksum failure.
      const unpack = outcome.failure !== undefined && (remote === undefined || outcome.failure.names(it.tempRel)) ? outcome.failure : undefined;
      const [kind, reason]: [FailKind, string] = unpack
        ? ['io', `the client could not write it: ${unpack.forFile(it.tempRel)}`]
        : sent === undefined
          ? ['io', 'not sent']
          : remote === undefined
            ? ['checksum', 'the client has no copy after the upload']
            : ['checksum', `checksum mismatch: sent ${sent.md5}, client has ${remote}`];
      rejected.push({ it, kind, reason, tmp });
      continue;
    }
    verified.push({ it, sent, tmp });
  }
  return { verified, rejected };
}
