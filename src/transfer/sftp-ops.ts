// Promise forms of the SFTP requests `data` uses (rename into place, remove a temporary). Many may be in flight on one
// channel at once; the server answers them in order, so they cost about one round trip.
import type { SFTPWrapper } from 'ssh2';

export function sftpUnlink(sftp: SFTPWrapper, path: string): Promise<void> {
  return new Promise((ok, fail) => sftp.unlink(path, (err) => (err ? fail(err) : ok())));
}

/** Atomic rename that replaces an existing target (OpenSSH's posix-rename extension). */
export function sftpRename(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  return new Promise((ok, fail) => sftp.ext_openssh_rename(from, to, (err) => (err ? fail(err) : ok())));
}

export function errorText(e: unknown): string {
  const err = e as { message?: string; code?: unknown };
  return err?.message ?? String(e);
}
