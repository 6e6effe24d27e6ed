// Small promise wrappers over the connection's SFTP channel for run's uploads.
import type { SFTPWrapper } from 'ssh2';

export function putFile(sftp: SFTPWrapper, local: string, remote: string, mode: number): Promise<void> {
  return new Promise((ok, fail) => sftp.fastPut(local, remote, { mode }, (err?: Error | null) => (err ? fail(err) : ok())));
}

export function putText(sftp: SFTPWrapper, remote: string, text: string, mode: number): Promise<void> {
  return new Promise((ok, fail) => sftp.writeFile(remote, text, { mode }, (err?: Error | null) => (err ? fail(err) : ok())));
}
