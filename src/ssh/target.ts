// Where, as whom, through what and with which trust to connect to a client: ssh_config read
// as `ssh -G` reads it (ssh/config/), with clients.conf's user and port and -l standing where
// ssh's -l and -p stand, -o and -J before the files, and director's own options (-i,
// --known-hosts, --host-key-checking, --connect-timeout) winning when given. A hop of
// ProxyJump is resolved with its own config, as the `ssh -W` OpenSSH runs for it would.
import { homedir, hostname as thisHostName, userInfo } from 'node:os';
import type { Client } from '../config/client.js';
import { ConfigError } from '../config/errors.js';
import { fsReader } from './config/fs-reader.js';
import type { ConfigReader } from './config/read.js';
import { resolveSshConfig, type ResolvedSshConfig } from './config/resolve.js';
import type { JumpHop } from './config/values.js';
import type { HostKeyPolicy } from './known-hosts-store.js';
import { DEFAULT_ALIVE, type AliveSettings } from './liveness.js';

/** How the bytes of the connection travel. */
export type Route =
  | { kind: 'direct' }
  /** A forwarded channel (direct-tcpip) of the connection to `via`, the last hop. */
  | { kind: 'jump'; via: ConnectTarget }
  /** The standard input and output of this command, run by the local shell. */
  | { kind: 'command'; command: string };

export interface HostKeyCheck {
  policy: HostKeyPolicy;
  /** Known-hosts files trusted; new keys go into the first. */
  files: string[];
  /** Read, never written (GlobalKnownHostsFile). */
  globalFiles: string[];
  /** HostKeyAlias: the name keys are looked up and recorded under, instead of [host]:port. */
  alias: string | null;
}

export interface ConnectTarget {
  /** The host as written in clients.conf or the hop (ssh's %n). */
  host: string;
  /** Where the TCP connection (or the bastion's forward) goes. */
  hostname: string;
  port: number;
  username: string;
  /** Key files in ssh's order: -i first, then IdentityFile (or ssh's defaults). */
  identityFiles: string[];
  /** Only identityFiles are offered, agent-held copies included (IdentitiesOnly). */
  identitiesOnly: boolean;
  /** The agent's socket, or undefined for none (IdentityAgent none, or no SSH_AUTH_SOCK). */
  identityAgent: string | undefined;
  connectTimeoutMs: number;
  /** When the peer is taken for gone (liveness.ts). */
  alive: AliveSettings;
  hostKeys: HostKeyCheck;
  route: Route;
  /** Everything ssh_config gave, with file:line, for -v. */
  config: ResolvedSshConfig;
}

export interface TargetOptions {
  /** -F */
  configFile?: string;
  /** -l: for clients whose clients.conf line names no user. */
  user?: string;
  /** -o Keyword=value, in order. */
  options?: string[];
  /** -J */
  jump?: string;
  /** -i */
  identity?: string;
  /** --known-hosts (or its environment variable): replaces UserKnownHostsFile when given. */
  knownHosts?: string;
  /** --host-key-checking when given; else StrictHostKeyChecking; else `fallbackPolicy`. */
  hostKeyChecking?: HostKeyPolicy;
  fallbackPolicy?: HostKeyPolicy;
  /** --connect-timeout in seconds when given; else ConnectTimeout; else 10. */
  connectTimeoutS?: number;
  /** --ignore-ssh-option: refused keywords the user lets pass. */
  ignore?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  reader?: ConfigReader;
  home?: string;
  localUser?: string;
  thisHost?: string;
}

const DEFAULT_CONNECT_TIMEOUT_S = 10;
/** ProxyJump hops resolved inside one another at most this deep (a loop through configs). */
const MAX_HOPS = 8;

export class TargetResolver {
  private readonly reader: ConfigReader;
  private readonly ignore: Set<string>;
  private readonly home: string;
  private readonly localUser: string;
  private readonly thisHost: string;
  private readonly uid = process.getuid?.() ?? 0;
  private readonly env: Readonly<Record<string, string | undefined>>;
  /** Hops shared by many clients are resolved once, so they are one bastion (routes.ts). */
  private readonly hops = new Map<string, ConnectTarget>();

  constructor(private readonly o: TargetOptions = {}) {
    this.reader = cachedReader(o.reader ?? fsReader);
    this.ignore = new Set((o.ignore ?? []).map((k) => k.toLowerCase()));
    this.home = o.home ?? homedir();
    this.localUser = o.localUser ?? safeLocalUser();
    this.thisHost = o.thisHost ?? thisHostName();
    this.env = o.env ?? process.env;
  }

  /** Throws a ConfigError naming file:line for a setting director may not leave aside. */
  forClient(client: Client): ConnectTarget {
    const options = [...(this.o.jump !== undefined ? [`ProxyJump=${this.o.jump}`] : []), ...(this.o.options ?? [])];
    const user = client.user ?? this.o.user;
    return this.resolve(client.host, { user, port: client.port, options, identity: this.o.identity }, [client.name]);
  }

  private resolve(
    host: string,
    x: { user: string | undefined; port: number | undefined; options: string[]; identity: string | undefined },
    path: string[],
  ): ConnectTarget {
    const config = this.read(host, x, path);
    const who = path.length === 1 ? path[0]! : `${path[0]} (through ${path.slice(1).join(' → ')})`;
    const refused = config.refusals.find((r) => !this.ignore.has(r.keyword));
    if (refused !== undefined) {
      throw new ConfigError(
        `${refused.spelled} for ${who}: ${refused.why}; nothing was contacted (--ignore-ssh-option ${refused.spelled} leaves it aside on purpose)`,
        refused.file,
        refused.line,
      );
    }
    const t = config.target;
    const timeoutS = this.o.connectTimeoutS ?? t.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_S;
    const agent = t.identityAgent === null || t.identityAgent === 'SSH_AUTH_SOCK' ? this.env['SSH_AUTH_SOCK'] : t.identityAgent;
    const files = x.identity !== undefined ? [x.identity, ...(t.identityFilesConfigured ? t.identityFiles : [])] : t.identityFiles;
    return {
      host,
      hostname: t.hostname,
      port: t.port,
      username: t.user,
      identityFiles: [...new Set(files)],
      identitiesOnly: t.identitiesOnly,
      identityAgent: agent === undefined || agent === '' || agent.toLowerCase() === 'none' ? undefined : agent,
      connectTimeoutMs: timeoutS * 1000,
      alive: aliveOf(config),
      hostKeys: {
        policy: this.o.hostKeyChecking ?? policyOf(t.strictHostKeyChecking, config) ?? this.o.fallbackPolicy ?? 'accept-new',
        files: this.o.knownHosts !== undefined ? [this.o.knownHosts] : t.userKnownHostsFiles,
        globalFiles: this.o.knownHosts !== undefined ? [] : t.globalKnownHostsFiles,
        alias: t.hostKeyAlias,
      },
      route: this.route(config, path),
      config,
    };
  }

  /** ssh_config for one host; its errors say which client (and hop) they were met for. */
  private read(host: string, x: { user: string | undefined; port: number | undefined; options: string[] }, path: string[]): ResolvedSshConfig {
    try {
      return resolveSshConfig(host, {
        configFile: this.o.configFile,
        options: x.options,
        user: x.user,
        port: x.port,
        localUser: this.localUser,
        home: this.home,
        uid: this.uid,
        thisHost: this.thisHost,
        env: this.env,
        reader: this.reader,
      });
    } catch (e) {
      if (e instanceof ConfigError && path.length > 0) {
        const who = path.length === 1 ? path[0]! : `${path[0]} (through ${path.slice(1).join(' → ')})`;
        throw new ConfigError(`${e.reason} (for ${who})`, e.file, e.line, e.text);
      }
      throw e;
    }
  }

  private route(config: ResolvedSshConfig, path: string[]): Route {
    const t = config.target;
    if (t.proxyCommand !== null) return { kind: 'command', command: t.proxyCommand };
    if (t.proxyJump === null) return { kind: 'direct' };
    const hops = t.proxyJump;
    const last = hops[hops.length - 1]!;
    const where = config.settings.get('proxyjump')?.[0];
    if (path.length > MAX_HOPS) {
      throw new ConfigError(`ProxyJump: more than ${MAX_HOPS} bastions in a row for ${path[0]} (${path.join(' → ')}): a loop?`, where?.file, where?.line);
    }
    // As OpenSSH's `ssh -W` for the last hop: its own -l/-p, the hops before it as -J, the
    // same -F, and none of the command line's -o or -l; director's -i (and its host-key and
    // timeout options) go to every hop, its one key ring serving them all.
    const before = hops.slice(0, -1).map(hopText).join(',');
    const key = `${hopText(last)} -J ${before}`;
    let via = this.hops.get(key);
    if (via === undefined) {
      via = this.resolve(last.host, { user: last.user, port: last.port, options: before === '' ? [] : [`ProxyJump=${before}`], identity: this.o.identity }, [
        ...path,
        hopText(last),
      ]);
      this.hops.set(key, via);
    }
    return { kind: 'jump', via };
  }
}

function hopText(h: JumpHop): string {
  const host = h.host.includes(':') ? `[${h.host}]` : h.host;
  return `${h.user !== undefined ? `${h.user}@` : ''}${host}${h.port !== undefined ? `:${h.port}` : ''}`;
}

/** StrictHostKeyChecking as written; `ask` is strict, since director never asks. */
function policyOf(value: 'yes' | 'no' | 'ask' | 'accept-new', config: ResolvedSshConfig): HostKeyPolicy | undefined {
  if (!config.settings.has('stricthostkeychecking')) return undefined;
  if (value === 'no') return 'off';
  return value === 'accept-new' ? 'accept-new' : 'strict';
}

/** ServerAliveInterval × CountMax; director's default (15 s × 3) when ssh_config sets neither. */
function aliveOf(config: ResolvedSshConfig): AliveSettings {
  const t = config.target;
  const interval = config.settings.has('serveraliveinterval') ? t.serverAliveInterval * 1000 : DEFAULT_ALIVE.intervalMs;
  const count = config.settings.has('serveralivecountmax') ? t.serverAliveCountMax : DEFAULT_ALIVE.countMax;
  return { intervalMs: interval, countMax: count };
}

function cachedReader(inner: ConfigReader): ConfigReader {
  const texts = new Map<string, string | null>();
  const globs = new Map<string, string[]>();
  return {
    read(path) {
      if (!texts.has(path)) texts.set(path, inner.read(path));
      return texts.get(path) ?? null;
    },
    glob(pattern) {
      if (!globs.has(pattern)) globs.set(pattern, inner.glob(pattern));
      return globs.get(pattern) ?? [];
    },
  };
}

function safeLocalUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'root';
  }
}
