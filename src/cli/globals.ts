// The global options every command shares, validated from what commander parsed.
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { UsageError } from '../config/errors.js';
import type { HostKeyPolicy } from '../ssh/known-hosts-store.js';
import { CLIENTS_FILE, locateConfig, PORTS_FILE, type ConfigFile } from './config-files.js';

export interface GlobalOptions {
  clients: string;
  /** -c or DIRECTOR_CLIENTS named the clients file: it must exist (else -w may name clients). */
  clientsNamed: boolean;
  ports: string;
  /** Where clients and ports were found, and why there (-v says it). */
  clientsFile: ConfigFile;
  portsFile: ConfigFile;
  user?: string;
  identity?: string;
  /** The variable the identity came from, when not -i (an error names it). */
  identityFrom?: string;
  /** -F: an ssh_config file instead of ~/.ssh/config. */
  sshConfig?: string;
  /** -o Keyword=value, in order. */
  sshOptions: string[];
  /** -J */
  jump?: string;
  /** ssh_config keywords the user lets director leave aside (--ignore-ssh-option). */
  ignoreSshOption: string[];
  parallel: number;
  /** Given on the command line; else ssh_config's ConnectTimeout, else 10 s. */
  connectTimeout?: number;
  timeout?: number;
  /** -w and -H: node sets to work on. */
  nodes: string[];
  /** -g: group names. */
  groups: string[];
  /** -x: node sets to leave out. */
  exclude: string[];
  /** Given (option or DIRECTOR_KNOWN_HOSTS); else ssh_config's UserKnownHostsFile. */
  knownHosts?: string;
  /** Given (option or DIRECTOR_HOST_KEY_CHECKING); else StrictHostKeyChecking, else accept-new. */
  hostKeyChecking?: HostKeyPolicy;
  verbose: boolean;
  /** -A: ask once for a password for servers that take one. */
  askPass: boolean;
  json: boolean;
  color: boolean;
}

/** What commander hands over: strings as typed, or undefined. */
export interface RawGlobals {
  clients?: string;
  ports?: string;
  user?: string;
  identity?: string;
  sshConfig?: string;
  sshOption?: string[];
  jump?: string;
  ignoreSshOption?: string[];
  verbose?: boolean;
  askPass?: boolean;
  parallel?: string;
  connectTimeout?: string;
  timeout?: string;
  /** -w (repeatable); -H is the same option under its older name. */
  nodes?: string[];
  hosts?: string | string[];
  group?: string | string[];
  exclude?: string | string[];
  knownHosts?: string;
  hostKeyChecking?: string;
  json?: boolean;
  color?: boolean;
  /** false under --no-keeper (read before parsing, by src/keeper/client.cts). */
  keeper?: boolean;
}

export function parseGlobals(raw: RawGlobals, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): GlobalOptions {
  const policy = raw.hostKeyChecking ?? env['DIRECTOR_HOST_KEY_CHECKING'];
  if (policy !== undefined && policy !== 'strict' && policy !== 'accept-new' && policy !== 'off') {
    throw new UsageError(`--host-key-checking must be strict, accept-new or off (got "${policy}")`);
  }
  const clientsFile = locateConfig(CLIENTS_FILE, raw.clients, { env, cwd });
  const portsFile = locateConfig(PORTS_FILE, raw.ports, { env, cwd });
  const g: GlobalOptions = {
    clients: clientsFile.file,
    clientsNamed: clientsFile.tried.length === 0,
    ports: portsFile.file,
    clientsFile,
    portsFile,
    parallel: positiveInt(raw.parallel ?? env['DIRECTOR_PARALLEL'] ?? '32', '-p, --parallel'),
    sshOptions: (raw.sshOption ?? []).map(sshOption),
    verbose: raw.verbose === true || (env['DIRECTOR_DEBUG'] !== undefined && env['DIRECTOR_DEBUG'] !== ''),
    askPass: raw.askPass === true,
    ignoreSshOption: (raw.ignoreSshOption ?? []).flatMap((k) => k.split(',')).map((k) => k.trim()).filter((k) => k !== ''),
    nodes: [...list(raw.nodes), ...list(raw.hosts)],
    groups: list(raw.group),
    exclude: list(raw.exclude),
    json: raw.json === true,
    // commander's --no-color sets color=false; NO_COLOR (any non-empty value) does the same.
    color: raw.color !== false && !(env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== ''),
  };
  const identity = raw.identity ?? env['DIRECTOR_IDENTITY'];
  if (identity !== undefined) g.identity = expandHome(identity, cwd);
  if (raw.identity === undefined && identity !== undefined) g.identityFrom = 'DIRECTOR_IDENTITY';
  // `-F none` reads no file at all, as with ssh.
  if (raw.sshConfig !== undefined) g.sshConfig = raw.sshConfig.toLowerCase() === 'none' ? 'none' : expandHome(raw.sshConfig, cwd);
  if (raw.user !== undefined) {
    if (raw.user === '' || /[\s@]/.test(raw.user)) throw new UsageError(`-l, --user: bad user name "${raw.user}"`);
    g.user = raw.user;
  }
  if (raw.connectTimeout !== undefined) g.connectTimeout = positiveNumber(raw.connectTimeout, '--connect-timeout');
  const knownHosts = raw.knownHosts ?? env['DIRECTOR_KNOWN_HOSTS'];
  if (knownHosts !== undefined) g.knownHosts = expandHome(knownHosts, cwd);
  if (policy !== undefined) g.hostKeyChecking = policy;
  if (raw.jump !== undefined) {
    if (raw.jump.trim() === '') throw new UsageError('-J, --jump wants [user@]host[:port][,…]');
    // ssh refuses -J after -o ProxyCommand and drops a later one: say so rather than drop it.
    const route = g.sshOptions.find((o) => /^\s*proxy(jump|command)\s*(=|\s)/i.test(o));
    if (route !== undefined) throw new UsageError(`-J and -o ${route.trim()} both say how to reach the clients: give one`);
    g.jump = raw.jump;
  }
  if (raw.timeout !== undefined) g.timeout = positiveNumber(raw.timeout, '-t, --timeout');
  for (const [flag, sets] of [['-w', g.nodes], ['-g', g.groups], ['-x', g.exclude]] as const) {
    if (sets.some((s) => s.trim() === '')) throw new UsageError(`${flag}: empty node set`);
  }
  return g;
}

/** -o as ssh takes it: `Keyword=value` or `Keyword value`. */
function sshOption(text: string): string {
  if (!/^\s*[A-Za-z][A-Za-z0-9]*\s*(=|\s)\s*\S/.test(text)) {
    throw new UsageError(`-o wants an ssh_config setting, Keyword=value, as ssh -o does (got "${text}"); the output folder of run and exec is --output`);
  }
  return text;
}
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function positiveInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} wants a whole number >= 1 (got "${text}")`);
  return Number(text);
}

export function positiveNumber(text: string, flag: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} wants a number of seconds > 0 (got "${text}")`);
  return n;
}

function expandHome(path: string, cwd: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return resolve(cwd, path);
}
