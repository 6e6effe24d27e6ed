// The remote shell text of run and exec, built only from words quoted by remote-shell.ts.
// The one exception is exec's command: the user's own shell code, joined by spaces as
// `ssh host cmd…` does. Each client gets a fresh temporary folder (mktemp -d, mode 0700):
//   <tmp>/script   the uploaded script (run)
//   <tmp>/files    DIRECTOR_FILES list (run)
//   <tmp>/output   DIRECTOR_OUTPUT_DIR
import { envPrefix, quote, shellCommand } from '../remote-shell.js';

export const REMOTE = { script: 'script', output: 'output', files: 'files' } as const;

export function remoteIn(tempDir: string, name: keyof typeof REMOTE): string {
  return `${tempDir}/${REMOTE[name]}`;
}

/** Creates the work folder (if any) and the temporary folder, and prints the latter's path. */
export function prepareCommand(kind: 'run' | 'exec', workDir?: string): string {
  const mk = `d=$(mktemp -d "\${TMPDIR:-/tmp}"/${quote(`director-${kind}.XXXXXXXXXX`)}) && mkdir -- "$d"/${REMOTE.output} && printf '%s\\n' "$d"`;
  return workDir === undefined ? mk : `mkdir -p -- ${quote(workDir)} && ${mk}`;
}

/** The temporary folder printed by prepareCommand, checked before it is used in a command. */
export function parseTempDir(stdout: string): string | undefined {
  const path = stdout.replace(/\n$/, '');
  return path.startsWith('/') && !path.includes('\n') && !path.includes('\0') ? path : undefined;
}

export interface RunEnvInput {
  host: string;
  index: number;
  count: number;
  project?: string;
  runId: string;
  /** Absent for an exec that gathers nothing: then there is no DIRECTOR_OUTPUT_DIR. */
  tempDir?: string;
  /** Whether a placement list was uploaded. */
  filesList: boolean;
}

export function runEnv(v: RunEnvInput): Record<string, string> {
  return {
    DIRECTOR_HOST: v.host,
    DIRECTOR_HOST_INDEX: String(v.index),
    DIRECTOR_HOST_COUNT: String(v.count),
    DIRECTOR_PROJECT: v.project ?? '',
    DIRECTOR_RUN_ID: v.runId,
    ...(v.tempDir !== undefined ? { DIRECTOR_OUTPUT_DIR: remoteIn(v.tempDir, 'output') } : {}),
    ...(v.filesList && v.tempDir !== undefined ? { DIRECTOR_FILES: remoteIn(v.tempDir, 'files') } : {}),
  };
}

export interface RunCommandInput {
  tempDir: string;
  workDir?: string;
  env: Record<string, string>;
  /** Absent: the script runs by its shebang (exec'd directly); else e.g. /bin/sh. */
  interpreter?: string;
  args: readonly string[];
}

export function runCommand(v: RunCommandInput): string {
  const script = remoteIn(v.tempDir, 'script');
  const argv = v.interpreter === undefined ? [script, ...v.args] : [v.interpreter, script, ...v.args];
  const cd = v.workDir === undefined ? '' : `cd -- ${quote(v.workDir)} && `;
  return `${cd}export ${envPrefix(v.env)} && exec ${shellCommand(argv)}`;
}

export function execCommand(v: { env: Record<string, string>; words: readonly string[] }): string {
  if (v.words.length === 0) throw new Error('empty command');
  // A newline, not `&&`: the user's code is parsed as lines of its own.
  return `export ${envPrefix(v.env)}\n${v.words.join(' ')}`;
}

export function cleanupCommand(tempDir: string): string {
  return `rm -rf -- ${quote(tempDir)}`;
}

/** A script with a shebang (or an ELF binary) is exec'd as it is; anything else by /bin/sh. */
export function interpreterFor(head: Buffer): string | undefined {
  if (head.subarray(0, 2).toString('latin1') === '#!') return undefined;
  if (head.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return undefined;
  return '/bin/sh';
}

/** The placement list: one path a line, relative to the project folder. */
export function filesListText(paths: readonly string[]): string {
  return paths.map((p) => `${p}\n`).join('');
}
