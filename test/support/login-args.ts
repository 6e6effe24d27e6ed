// Options that would really log in to a clients file's hosts: a fresh key and known_hosts file.
// A test that proves "nothing was sent" needs them: without a key director gives up before it
// connects, and a count of 0 connections would prove nothing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function loginArgs(clientsFile: string, dir: string, connectTimeoutS = 1): string[] {
  const key = join(dir, 'id_ed25519');
  if (!existsSync(key)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  return ['-c', clientsFile, '-i', key, '--known-hosts', join(dir, 'known_hosts'), '--connect-timeout', String(connectTimeoutS)];
}
