// The remote shell text of run and exec, built only from words quoted by remote-shell.ts.
// director's own steps run under /bin/sh whatever the login shell (remote/posix.ts), and
// what they print for director is framed by a token. The one exception is exec's command:
// the user's own shell code, joined by spaces as `ssh host cmd…` does. Each client gets a fresh temporary folder (mktemp -d, mode 0700):
//   <tmp>/script   the uploaded script (run)
//   <tmp>/files    DIRECTOR_FILES list (run)
//   <tmp>/output   DIRECTOR_OUTPUT_DIR
import { envPrefix, quote, shellCommand } from '../remote-shell.js';
import { pidMarkIn } from '../remote/kill.js';
import type { ShellFamily } from '../remote/login-shell.js';
import { answers, underSh } from '../remote/posix.js';
import { tailMarker } from './tail-marker.js';

const REMOTE = { script: 'script', output: 'output', files: 'files', args: 'args' } as const;

export function remoteIn(tempDir: string, name: keyof typeof REMOTE): string {
  return `${tempDir}/${REMOTE[name]}`;
}

/** Creates the work folder (if any) and the temporary folder, and prints the latter's path. */
export function prepareCommand(kind: 'run' | 'exec', workDir: string | undefined, token: string): string {
  const mk = `d=$(mktemp -d "\${TMPDIR:-/tmp}"/${quote(`director-${kind}.XXXXXXXXXX`)}) && mkdir -- "$d"/${REMOTE.output} && ${folderAnswer(token)}`;
  return underSh(workDir === undefined ? mk : `mkdir -p -- ${quote(workDir)} && ${mk}`);
}

function folderAnswer(token: string): string {
  return `printf '%s %s\\n' ${token} "$d"`;
}

/** The folders printed by prepareCommand or findRunDirCommand, each checked before it is used in a command. */
export function parseTempDirs(stdout: string, token: string): string[] {
  return answers(stdout, token).filter((path) => path.startsWith('/') && !path.includes('\0'));
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
  /** Whether `<tmp>/args` (argsScript) was uploaded: the script's arguments come from it. */
  hasArgs: boolean;
}

/**
 * The uploaded script's command. Its arguments are not in it: they were uploaded as
 * `<tmp>/args` and are set from there, so they are bounded by execve, not by the length of
 * the one string sshd hands to the login shell.
 */
export function runCommand(v: RunCommandInput): string {
  const script = remoteIn(v.tempDir, 'script');
  const argv = v.interpreter === undefined ? [script] : [v.interpreter, script];
  const cd = v.workDir === undefined ? '' : `cd -- ${quote(v.workDir)} && `;
  const args = v.hasArgs ? `. ${quote(remoteIn(v.tempDir, 'args'))} && ` : '';
  return underSh(`${cd}export ${envPrefix(v.env)} && ${args}exec ${shellCommand(argv)}${v.hasArgs ? ' "$@"' : ''}`);
}

/** `<tmp>/args`: sh code that sets the script's arguments. */
export function argsScript(args: readonly string[]): string {
  return `set -- ${args.map(quote).join(' ')}\n`;
}

/**
 * The longest command line an inline run may send. OpenSSH's sshd takes up to Linux's 128 KiB
 * argument bound, but dropbear drops the connection on a command over 9000 bytes (MAX_CMD_LEN),
 * so a longer one goes the upload way instead, whatever the server.
 */
export const COMMAND_LIMIT = 8 * 1024;

/**
 * Script and file list (as base64) travel inside the command up to this size: the command
 * carries them base64'd once more (underSh), 4/3 again, with ~1 KB of its own around them.
 */
export const INLINE_LIMIT = 5 * 1024;

export interface InlineRunInput {
  /** Names the remote temporary folder, so a killed run can still be cleaned up. */
  runId: string;
  /** Makes the tail marker unguessable for the script. */
  token: string;
  workDir?: string;
  env: Record<string, string>;
  interpreter?: string;
  args: readonly string[];
  script: Buffer;
  /** DIRECTOR_FILES content, when there is a placement record. */
  filesList?: string;
  keepRemote: boolean;
}

export function inlineSize(script: Buffer, filesList: string | undefined): number {
  return Math.ceil(script.length / 3) * 4 + (filesList === undefined ? 0 : Math.ceil(Buffer.byteLength(filesList) / 3) * 4);
}

/**
 * The whole of `run` at one client in one command: make the temporary folder, write the script
 * (and DIRECTOR_FILES) from base64 carried in the command, run it, and remove the folder
 * again unless the script left result files in DIRECTOR_OUTPUT_DIR (or --keep-remote): then
 * the last line on stderr names it (see tail-marker.ts) and director fetches and removes it.
 */
export function inlineRunCommand(v: InlineRunInput): string {
  const setup = [
    `d=$(mktemp -d "\${TMPDIR:-/tmp}"/${quote(`director-run.${v.runId}.XXXXXXXXXX`)})`,
    `mkdir -- "$d/${REMOTE.output}"`,
    `printf %s ${quote(v.script.toString('base64'))} | base64 -d > "$d/${REMOTE.script}"`,
    `chmod 700 "$d/${REMOTE.script}"`,
    ...(v.filesList !== undefined ? [`printf %s ${quote(Buffer.from(v.filesList).toString('base64'))} | base64 -d > "$d/${REMOTE.files}"`] : []),
    ...(v.workDir !== undefined ? [`mkdir -p -- ${quote(v.workDir)}`, `cd -- ${quote(v.workDir)}`] : []),
    `export ${envPrefix(v.env)} DIRECTOR_OUTPUT_DIR="$d/${REMOTE.output}"${v.filesList !== undefined ? ` DIRECTOR_FILES="$d/${REMOTE.files}"` : ''}`,
  ].join(' && ');
  const argv = `${v.interpreter === undefined ? '' : `${quote(v.interpreter)} `}"$d/${REMOTE.script}"${v.args.map((a) => ` ${quote(a)}`).join('')}`;
  const say = `printf '%s%s\n' ${quote(tailMarker(v.token))} "$d" >&2`;
  const tidy = v.keepRemote ? say : `if rmdir -- "$d/${REMOTE.output}" 2>/dev/null; then rm -rf -- "$d"; else ${say}; fi`;
  return underSh(`${setup} || exit 125
${argv}
s=$?
${tidy}
exit $s`);
}

/** Prints the temporary folder of a run whose command was killed before it could tidy up. */
export function findRunDirCommand(runId: string, token: string): string {
  return underSh(`for d in "\${TMPDIR:-/tmp}"/${quote(`director-run.${runId}.`)}*; do [ -d "$d" ] && ${folderAnswer(token)}; done; true`);
}

/**
 * exec's command: the pid marker, the DIRECTOR_* values, then the user's words, for the
 * login shell to read, all on one line: the user's first line is line 1, as with
 * `ssh host words…`. `;`, not `&&`: nothing of ours depends on the user's code. The POSIX
 * form's marker stops a csh-family shell before it reads on (remote/kill.ts), and the
 * caller runs the csh form instead.
 */
export function execCommand(v: { env: Record<string, string>; words: readonly string[]; family?: ShellFamily; loginShell?: string }): string {
  if (v.words.length === 0) throw new Error('empty command');
  const csh = v.family === 'csh';
  return `${pidMarkIn(v.loginShell, !csh)}; ${csh ? cshSetenv(v.env) : `export ${envPrefix(v.env)}`}; ${v.words.join(' ')}`;
}

/** `setenv NAME 'value'; …` for csh and tcsh (no newline can be quoted there). */
function cshSetenv(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([name, value]) => {
      if (value.includes('\n')) throw new Error(`${name}: a value with a newline cannot be given to a csh login shell`);
      return `setenv ${name} '${value.replace(/'/g, `'"'"'`)}'`;
    })
    .join('; ');
}

export function cleanupCommand(tempDir: string): string {
  return underSh(`rm -rf -- ${quote(tempDir)}`);
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
