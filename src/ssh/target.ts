// Where and as whom to connect to a client: clients.conf, then the command line, then
// ~/.ssh/config (HostName, User, Port, IdentityFile, ServerAliveInterval/CountMax), then
// defaults.
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import SSHConfig from 'ssh-config';
import type { Client } from '../config/client.js';
import { ConfigError } from '../config/errors.js';
import { readConfig } from '../config/load.js';
import { DEFAULT_ALIVE, type AliveSettings } from './liveness.js';

export interface ConnectTarget {
  /** What to open a TCP connection to. */
  hostname: string;
  port: number;
  username: string;
  /** IdentityFile entries from ssh_config, `~` and tokens expanded. */
  identityFiles: string[];
  /** When the peer is taken for gone (liveness.ts). */
  alive: AliveSettings;
}

export interface TargetDefaults {
  /** -l */
  user?: string;
  /** Parsed ~/.ssh/config, or null when there is none. */
  sshConfig: SSHConfig | null;
}

export function loadSshConfig(file = `${homedir()}/.ssh/config`): SSHConfig | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  return SSHConfig.parse(text);
}

export function resolveTarget(client: Client, defaults: TargetDefaults): ConnectTarget {
  const computed = defaults.sshConfig
    ? defaults.sshConfig.compute(client.host, { matchExec: false, ignoreCase: true })
    : {};
  const first = (key: string): string | undefined => {
    const v = computed[key];
    return Array.isArray(v) ? v[0] : v;
  };
  const localUser = safeLocalUser();
  // A user written in clients.conf is specific to that client and wins over -l, as in pssh.
  const username = client.user ?? defaults.user ?? first('user') ?? localUser;
  const cfgPort = first('port');
  const port = client.port ?? (cfgPort !== undefined && /^\d+$/.test(cfgPort) ? Number(cfgPort) : 22);
  const tokens = (s: string): string =>
    s.replace(/%([%dhru])/g, (_, t: string) =>
      t === '%' ? '%' : t === 'd' ? homedir() : t === 'h' ? client.host : t === 'r' ? username : localUser,
    );
  const hostname = tokens(first('hostname') ?? client.host);
  const files = computed['identityfile'];
  const identityFiles = (Array.isArray(files) ? files : files === undefined ? [] : [files]).map((f) =>
    tokens(f.replace(/^~(?=\/|$)/, homedir())),
  );
  return { hostname, port, username, identityFiles, alive: aliveSettings(first) };
}

/** ServerAliveInterval (OpenSSH time format; 0 = off) and ServerAliveCountMax, as ssh reads them. */
function aliveSettings(first: (key: string) => string | undefined): AliveSettings {
  const interval = first('serveraliveinterval');
  const count = first('serveralivecountmax');
  const intervalS = interval === undefined ? undefined : sshSeconds(interval);
  if (intervalS === undefined && interval !== undefined) throw new ConfigError('ssh_config: ServerAliveInterval is not a time', undefined, undefined, interval);
  if (count !== undefined && !/^\d+$/.test(count)) throw new ConfigError('ssh_config: ServerAliveCountMax is not a number', undefined, undefined, count);
  return {
    intervalMs: intervalS === undefined ? DEFAULT_ALIVE.intervalMs : intervalS * 1000,
    countMax: count === undefined ? DEFAULT_ALIVE.countMax : Number(count),
  };
}

/** OpenSSH's time format: `90`, `90s`, `1m30s`, `1h` … (convtime); undefined when not one. */
export function sshSeconds(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^(\d+[smhdwSMHDW])+$/.test(text)) return undefined;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const [, n, u] of text.matchAll(/(\d+)([smhdw])/gi)) total += Number(n) * (unit[(u as string).toLowerCase()] as number);
  return total;
}

/** -F: a file the user named must be there (as with ssh -F); a missing ~/.ssh/config is fine. */
export function loadSshConfigFile(file: string): SSHConfig {
  return SSHConfig.parse(readConfig(file, 'ssh_config file'));
}

function safeLocalUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'root';
  }
}
