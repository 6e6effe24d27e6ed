// resolveSshConfig(host): what `ssh -G host` works out, as typed values for director plus
// every winning setting with its file:line, and the settings director refuses to ignore.
// The order follows ssh.c main(): -l/-p and -o first, the files, HostName and lowercasing,
// a second (final) pass when asked for, then defaults and token expansion.
import { isIP } from 'node:net';
import { ConfigError } from '../../config/errors.js';
import { keywordSpec } from './keywords.js';
import { parseLine } from './parse.js';
import { refusalsFor, type Refusal } from './policy.js';
import { expandHostName, readConfigFiles, type ConfigReader, type FileSet } from './read.js';
import { applyDirective, type Setting, type Settings } from './store.js';
import { buildTarget, type SshTarget } from './values.js';

export interface ResolveOptions {
  /** -F: read this file instead of both the user and system files; `none` reads no file. */
  configFile?: string;
  /** Default `<home>/.ssh/config`. */
  userFile?: string;
  /** Default `/etc/ssh/ssh_config`. */
  systemFile?: string;
  /** Where relative Includes of the system file point; default `/etc/ssh`. */
  systemDir?: string;
  /** -o Keyword=value, applied before the files, so they win. */
  options?: string[];
  /** As ssh -l: wins over User in the files. */
  user?: string;
  /** As ssh -p: wins over Port in the files. */
  port?: number;
  localUser: string;
  home: string;
  uid: number;
  /** This machine's host name (%l, %L, %C). */
  thisHost: string;
  /** For `${VAR}` in IdentityFile, UserKnownHostsFile, IdentityAgent, CertificateFile. */
  env?: Readonly<Record<string, string | undefined>>;
  reader: ConfigReader;
}

export interface ResolvedSshConfig {
  target: SshTarget;
  /** Every keyword that obtained a value (canonical lowercase name) → what won, with file:line. */
  settings: ReadonlyMap<string, ReadonlyArray<Setting>>;
  /** Winning settings director does not carry out and may not ignore; the caller decides. */
  refusals: Refusal[];
}

/** Where -o and -l/-p settings say they came from. */
export const COMMAND_LINE = 'command-line';

export function resolveSshConfig(hostArg: string, o: ResolveOptions): ResolvedSshConfig {
  if (hostArg === '' || hostArg.startsWith('-') || /['`"$\\;&<>|(){},\s\p{Cc}]/u.test(hostArg)) {
    throw new ConfigError(`host name ${JSON.stringify(hostArg)} contains invalid characters`);
  }
  const store: Settings = new Map();
  if (o.user !== undefined) store.set('user', [{ args: [o.user], file: COMMAND_LINE, line: 0 }]);
  if (o.port !== undefined) store.set('port', [{ args: [String(o.port)], file: COMMAND_LINE, line: 0 }]);
  (o.options ?? []).forEach((text, i) => applyOption(store, text, i + 1));

  const files: FileSet = {
    userFile: o.userFile ?? `${o.home}/.ssh/config`,
    systemFile: o.systemFile ?? '/etc/ssh/ssh_config',
    userDir: '~/.ssh',
    systemDir: o.systemDir ?? '/etc/ssh',
    home: o.home,
  };
  if (o.configFile !== undefined) files.configFile = o.configFile;
  const pass = { host: hostArg, originalHost: hostArg, localUser: o.localUser, final: false };
  let wantFinal = readConfigFiles(store, files, pass, o.reader);

  let host = hostArg;
  const hostName = store.get('hostname')?.[0];
  if (hostName !== undefined) {
    host = expandHostName(hostName, hostArg);
    store.set('hostname', [{ ...hostName, args: [host] }]);
  }
  if (isIP(host) === 0) host = host.toLowerCase();
  // Canonicalization needs DNS, which this module never does (and director refuses it); the
  // second pass it would bring still happens, with the name as it stands.
  const canon = store.get('canonicalizehostname')?.[0]?.args[0]?.toLowerCase();
  if (canon !== undefined && canon !== 'no' && canon !== 'false') wantFinal = true;
  if (wantFinal) {
    const origin = hostName ?? { file: '(host argument)', line: 0 };
    store.set('hostname', [{ ...origin, args: [host] }]);
    readConfigFiles(store, files, { ...pass, host, final: true }, o.reader);
  }

  const target = buildTarget(store, { ...o, hostArg, host, env: o.env ?? {} });
  return { target, settings: store, refusals: refusalsFor(store) };
}

/** One -o: a directive of its own, always active; Host, Match and Include make no sense there. */
function applyOption(store: Settings, text: string, index: number): void {
  const d = parseLine(text, COMMAND_LINE, index);
  if (d === null) return;
  const spec = keywordSpec(d.keyword);
  if (spec === undefined) throw new ConfigError(`Bad configuration option: ${d.keyword}`, COMMAND_LINE, index);
  if (spec.combine === 'host' || spec.combine === 'match' || spec.combine === 'include') {
    throw new ConfigError(`${d.keyword} is not supported as a command-line option`, COMMAND_LINE, index);
  }
  applyDirective(store, spec, d, true);
}
