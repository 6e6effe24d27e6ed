// The resolved settings as typed values, with ssh's defaults (as `ssh -G` of OpenSSH 9.2
// prints them) and with `~`, `%` tokens and `${VAR}` expanded where ssh expands them.
import { ConfigError } from '../../config/errors.js';
import { parsePort, parseTime } from './keywords.js';
import { parseJump, type JumpHop, type Setting, type Settings } from './store.js';
import { expandTilde, expandTokens, TokenError, type TokenSet, type TokenValues } from './tokens.js';

export type { JumpHop };

export interface SshTarget {
  /** The host as given (%n). */
  host: string;
  /** Where to connect: HostName with %h applied, lowercased unless an address. */
  hostname: string;
  port: number;
  user: string;
  /** Expanded; ssh's default list when none was configured. */
  identityFiles: string[];
  /** False when identityFiles is ssh's default list. */
  identityFilesConfigured: boolean;
  certificateFiles: string[];
  identitiesOnly: boolean;
  /** Expanded; null when unset (SSH_AUTH_SOCK); may be `none` or `SSH_AUTH_SOCK`. */
  identityAgent: string | null;
  /** Seconds; null for none. */
  connectTimeout: number | null;
  serverAliveInterval: number;
  serverAliveCountMax: number;
  strictHostKeyChecking: 'yes' | 'no' | 'ask' | 'accept-new';
  /** Expanded; empty for `none`. */
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  /** Lowercased, as ssh does. */
  hostKeyAlias: string | null;
  checkHostIp: boolean;
  /** Hops in the order they are crossed; null for none. */
  proxyJump: JumpHop[] | null;
  /** With %h %k %n %p %r expanded, the tokens ssh knows there; null for none. */
  proxyCommand: string | null;
}

export interface TargetInputs {
  hostArg: string;
  host: string;
  localUser: string;
  home: string;
  uid: number;
  thisHost: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** OpenSSH 9.2's IdentityFile defaults, in its order. */
const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'];

export function buildTarget(store: Settings, x: TargetInputs): SshTarget {
  const one = (k: string): Setting | undefined => store.get(k)?.[0];
  const word = (k: string): string | undefined => one(k)?.args[0];
  const flag = (k: string): boolean => /^(yes|true)$/i.test(word(k) ?? 'no');
  const user = word('user') ?? x.localUser;
  const port = parsePort(word('port') ?? '22') ?? 22;
  const hostKeyAlias = word('hostkeyalias')?.toLowerCase() ?? null;
  const tokens: TokenValues = {
    host: x.host,
    originalHost: x.hostArg,
    port,
    user,
    localUser: x.localUser,
    home: x.home,
    thisHost: x.thisHost,
    uid: x.uid,
    keyAlias: hostKeyAlias ?? x.hostArg,
  };
  // A path keyword: ~ first, then tokens and ${VAR}; a bad token names the line it came from.
  const path = (s: Setting, arg: string, set: TokenSet = 'default', tilde = true): string => {
    try {
      return expandTokens(tilde ? expandTilde(arg, x.home) : arg, set, tokens, set === 'proxy' ? undefined : x.env);
    } catch (e) {
      if (e instanceof TokenError) throw new ConfigError(e.message, s.file, s.line, arg);
      throw e;
    }
  };
  const files = (k: string): string[] => (store.get(k) ?? []).map((s) => path(s, s.args[0]!));
  const lists = (k: string, dflt: string[], expand: boolean): string[] => {
    const s = one(k);
    if (s === undefined) return dflt.map((p) => expandTilde(p, x.home));
    if (s.args[0]!.toLowerCase() === 'none') return [];
    return s.args.map((a) => (expand ? path(s, a) : expandTilde(a, x.home)));
  };

  const identityFiles = files('identityfile');
  const jump = word('proxyjump');
  const command = one('proxycommand');
  const agent = one('identityagent');
  const hops = jump === undefined ? null : parseJump(jump);
  if (hops !== null) checkJumpLoop(hops, x.host, port, user, one('proxyjump')!);
  return {
    host: x.hostArg,
    hostname: x.host,
    port,
    user,
    identityFiles: identityFiles.length > 0 ? identityFiles : DEFAULT_IDENTITIES.map((f) => `${x.home}/.ssh/${f}`),
    identityFilesConfigured: identityFiles.length > 0,
    certificateFiles: files('certificatefile'),
    identitiesOnly: flag('identitiesonly'),
    identityAgent: agent === undefined ? null : path(agent, agent.args[0]!),
    connectTimeout: time(word('connecttimeout')),
    serverAliveInterval: time(word('serveraliveinterval')) ?? 0,
    serverAliveCountMax: Number(word('serveralivecountmax') ?? 3),
    strictHostKeyChecking: strictness(word('stricthostkeychecking')),
    userKnownHostsFiles: lists('userknownhostsfile', ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'], true),
    globalKnownHostsFiles: lists('globalknownhostsfile', ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'], false),
    hostKeyAlias,
    checkHostIp: flag('checkhostip'),
    proxyJump: hops,
    proxyCommand: command === undefined || command.args[0]!.toLowerCase() === 'none' ? null : path(command, command.args[0]!, 'proxy', false),
  };
}

function time(value: string | undefined): number | null {
  return value === undefined || value === 'none' ? null : parseTime(value);
}

function strictness(value: string | undefined): SshTarget['strictHostKeyChecking'] {
  const v = (value ?? 'ask').toLowerCase();
  if (v === 'yes' || v === 'true') return 'yes';
  if (v === 'no' || v === 'false' || v === 'off') return 'no';
  return v === 'accept-new' ? 'accept-new' : 'ask';
}

/** ssh refuses a last hop that is the destination itself, as user and port too. */
function checkJumpLoop(hops: JumpHop[], host: string, port: number, user: string, s: Setting): void {
  const last = hops[hops.length - 1]!;
  if (last.host === host && (last.port ?? 22) === port && (last.user ?? user) === user) {
    throw new ConfigError(`jumphost loop via ${last.host}`, s.file, s.line);
  }
}
