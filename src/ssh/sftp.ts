// Promise forms of the SFTP requests director makes (data's renames and removals, where the
// server has a working SFTP subsystem). Many may be in flight on one channel at
// once; the server answers them in order, so a batch of them costs about one round trip.
import type { SFTPWrapper } from 'ssh2';

type Done = (err?: Error | null) => void;
const callback = (ok: () => void, fail: (e: Error) => void): Done => (err) => (err ? fail(err) : ok());

export function unlink(sftp: SFTPWrapper, path: string): Promise<void> {
  return new Promise((ok, fail) => sftp.unlink(path, callback(ok, fail)));
}

/** Atomic rename that replaces an existing target (OpenSSH's posix-rename extension). */
export function rename(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  return new Promise((ok, fail) => sftp.ext_openssh_rename(from, to, callback(ok, fail)));
}
