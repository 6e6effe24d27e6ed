// The global options every command shares, validated from what commander parsed.
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { UsageError } from '../config/errors.js';
import type { HostKeyPolicy } from '../ssh/known-hosts-store.js';
import { CLIENTS_FILE, locateConfig, PORTS_FILE, type ConfigFile } from './config-files.js';

export interface GlobalOptions {
  clients: string;
  ports: string;
  /** Where clients and ports were found, and why there (-v says it). */
  clientsFile: ConfigFile;
  portsFile: ConfigFile;
  user?: string;
  identity?: string;
  /** The variable the identity came from, when not -i (an error names it). */
  identityFrom?: string;
  /** -v: say which configuration files were used. */
  verbose: boolean;
  /** -F: an ssh_config file instead of ~/.ssh/config. */
  sshConfig?: string;
  /** ssh_config keywords the user lets director leave aside (--ignore-ssh-option). */
  ignoreSshOption: string[];
  parallel: number;
  connectTimeout: number;
  timeout?: number;
  group?: string;
  hosts?: string;
  exclude?: string;
  knownHosts: string;
  hostKeyChecking: HostKeyPolicy;
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
  ignoreSshOption?: string[];
  parallel?: string;
  connectTimeout?: string;
  timeout?: string;
  group?: string;
  hosts?: string;
  exclude?: string;
  knownHosts?: string;
  hostKeyChecking?: string;
  json?: boolean;
  color?: boolean;
  verbose?: boolean;
}

export function parseGlobals(raw: RawGlobals, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): GlobalOptions {
  const policy = raw.hostKeyChecking ?? env['DIRECTOR_HOST_KEY_CHECKING'] ?? 'accept-new';
  if (policy !== 'strict' && policy !== 'accept-new' && policy !== 'off') {
    throw new UsageError(`--host-key-checking must be strict, accept-new or off (got "${policy}")`);
  }
  const clientsFile = locateConfig(CLIENTS_FILE, raw.clients, { env, cwd });
  const portsFile = locateConfig(PORTS_FILE, raw.ports, { env, cwd });
  const g: GlobalOptions = {
    clients: clientsFile.file,
    ports: portsFile.file,
    clientsFile,
    portsFile,
    verbose: raw.verbose === true,
    parallel: positiveInt(raw.parallel ?? env['DIRECTOR_PARALLEL'] ?? '32', '-p, --parallel'),
    connectTimeout: positiveNumber(raw.connectTimeout ?? '10', '--connect-timeout'),
    knownHosts: expandHome(raw.knownHosts ?? env['DIRECTOR_KNOWN_HOSTS'] ?? '~/.ssh/known_hosts', cwd),
    hostKeyChecking: policy,
    ignoreSshOption: (raw.ignoreSshOption ?? []).flatMap((k) => k.split(',')).map((k) => k.trim()).filter((k) => k !== ''),
    json: raw.json === true,
    // commander's --no-color sets color=false; NO_COLOR (any non-empty value) does the same.
    color: raw.color !== false && !(env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== ''),
  };
  const identity = raw.identity ?? env['DIRECTOR_IDENTITY'];
  if (identity !== undefined) g.identity = expandHome(identity, cwd);
  if (raw.identity === undefined && identity !== undefined) g.identityFrom = 'DIRECTOR_IDENTITY';
  if (raw.sshConfig !== undefined) g.sshConfig = expandHome(raw.sshConfig, cwd);
  if (raw.user !== undefined) {
    if (raw.user === '' || /[\s@]/.test(raw.user)) throw new UsageError(`-l, --user: bad user name "${raw.user}"`);
    g.user = raw.user;
  }
  if (raw.timeout !== undefined) g.timeout = positiveNumber(raw.timeout, '-t, --timeout');
  if (raw.group !== undefined) g.group = raw.group;
  if (raw.hosts !== undefined) g.hosts = raw.hosts;
  if (raw.exclude !== undefined) g.exclude = raw.exclude;
  return g;
}

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
