// Promise forms of the SFTP requests director makes. Many may be in flight on one channel at
// once; the server answers them in order, so a batch of them costs about one round trip.
import type { FileEntryWithStats, SFTPWrapper } from 'ssh2';

type Done = (err?: Error | null) => void;
const callback = (ok: () => void, fail: (e: Error) => void): Done => (err) => (err ? fail(err) : ok());

export function putFile(sftp: SFTPWrapper, local: string, remote: string, mode: number): Promise<void> {
  return new Promise((ok, fail) => sftp.fastPut(local, remote, { mode }, callback(ok, fail)));
}

export function putText(sftp: SFTPWrapper, remote: string, text: string, mode: number): Promise<void> {
  return new Promise((ok, fail) => sftp.writeFile(remote, text, { mode }, callback(ok, fail)));
}

export function getFile(sftp: SFTPWrapper, remote: string, local: string): Promise<void> {
  return new Promise((ok, fail) => sftp.fastGet(remote, local, callback(ok, fail)));
}

export function readdir(sftp: SFTPWrapper, path: string): Promise<FileEntryWithStats[]> {
  return new Promise((ok, fail) => sftp.readdir(path, (err, list) => (err ? fail(err) : ok(list))));
}

export function unlink(sftp: SFTPWrapper, path: string): Promise<void> {
  return new Promise((ok, fail) => sftp.unlink(path, callback(ok, fail)));
}

/** Atomic rename that replaces an existing target (OpenSSH's posix-rename extension). */
export function rename(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  return new Promise((ok, fail) => sftp.ext_openssh_rename(from, to, callback(ok, fail)));
}
