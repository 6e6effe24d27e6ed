// OpenSSH's own clients against a matrix host: the reference director is compared with. What
// `ssh host words` does on a host is what a user expects director to do there too, so a test
// that finds director failing on a kind can first show the host itself is fine.
import { spawn } from 'node:child_process';
import type { ClientFiles } from './cluster.js';
import type { MatrixHost } from './matrix-host.js';
import { within } from './timeout.js';

export interface RefResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RefOptions {
  input?: string;
  /** Extra ssh options before the destination, e.g. ['-v']. */
  options?: string[];
  timeoutMs?: number;
}

/** Options shared by ssh and sftp: no user config, only this key, only the matrix's known_hosts. */
function common(files: ClientFiles): string[] {
  return [
    '-F', 'none',
    '-i', files.identity,
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${files.knownHosts}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=5',
  ];
}

/** `ssh -F none -i key -o UserKnownHostsFile=… -p port user@addr words…` */
export function refSsh(files: ClientFiles, h: MatrixHost, words: string[], o: RefOptions = {}): Promise<RefResult> {
  return runTool('ssh', [...common(files), ...(o.options ?? []), '-p', String(h.port), `${h.user}@${h.address}`, ...words], o);
}

/** `sftp -b - … user@addr` with `batch` (sftp commands, one a line) on its stdin. */
export function refSftp(files: ClientFiles, h: MatrixHost, batch: string, o: RefOptions = {}): Promise<RefResult> {
  return runTool('sftp', [...common(files), ...(o.options ?? []), '-b', '-', '-P', String(h.port), `${h.user}@${h.address}`], { ...o, input: batch });
}

/** `ssh args…` as given (the caller says which config, keys and agent). */
export function sshWith(args: string[], o: RefOptions & { env?: Record<string, string | undefined> } = {}): Promise<RefResult> {
  return runTool('ssh', args, o);
}

function runTool(tool: string, args: string[], o: RefOptions & { env?: Record<string, string | undefined> }): Promise<RefResult> {
  const child = spawn(tool, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(o.env ? { env: o.env } : {}) });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  child.stdin.end(o.input ?? '');
  const done = new Promise<RefResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
  return within(o.timeoutMs ?? 20_000, `${tool} ${args.join(' ')}`, done).catch((e: Error) => {
    child.kill('SIGKILL');
    throw e;
  });
}
