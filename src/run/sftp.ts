// Promise forms of the SFTP requests run and exec use: uploads of the script and the file
// list, and the listing and fetching of DIRECTOR_OUTPUT_DIR.
import type { FileEntryWithStats, SFTPWrapper } from 'ssh2';

export function putFile(sftp: SFTPWrapper, local: string, remote: string, mode: number): Promise<void> {
  return new Promise((ok, fail) => sftp.fastPut(local, remote, { mode }, (err?: Error | null) => (err ? fail(err) : ok())));
}

export function putText(sftp: SFTPWrapper, remote: string, text: string, mode: number): Promise<void> {
  return new Promise((ok, fail) => sftp.writeFile(remote, text, { mode }, (err?: Error | null) => (err ? fail(err) : ok())));
}

export function readdir(sftp: SFTPWrapper, path: string): Promise<FileEntryWithStats[]> {
  return new Promise((ok, fail) => sftp.readdir(path, (err, list) => (err ? fail(err) : ok(list))));
}

export function getFile(sftp: SFTPWrapper, remote: string, local: string): Promise<void> {
  return new Promise((ok, fail) => sftp.fastGet(remote, local, (err?: Error | null) => (err ? fail(err) : ok())));
}
