// Until director can go through them, the ssh_config settings that route a connection
// elsewhere (ProxyJump, ProxyCommand, a bound local address, DNS canonicalization) are
// refused, per client, with the file and line that set them: connecting straight to HostName
// would bypass a bastion, and could reach a different machine at the same private address.
// The settings are read as `ssh -G` reads them (ssh/config/), so a ProxyJump in an Include
// or a Match block counts too. `--ignore-ssh-option NAME` lets one through on purpose.
import { hostname, homedir, userInfo } from 'node:os';
import type { Client } from '../config/client.js';
import { ConfigError } from '../config/errors.js';
import { fsReader } from './config/fs-reader.js';
import type { ConfigReader } from './config/read.js';
import { resolveSshConfig } from './config/resolve.js';

/** Keywords that change where the connection goes (the rest of the refusals come with issue 13's resolver). */
const ROUTING = new Set(['proxyjump', 'proxycommand', 'proxyusefdpass', 'bindaddress', 'bindinterface', 'canonicalizehostname']);

/** Throws a ConfigError naming file:line for the first routing setting a client would get. */
export function refuseRouting(clients: readonly Client[], o: { configFile?: string; user?: string; ignore: readonly string[] }): void {
  const ignore = new Set(o.ignore.map((k) => k.toLowerCase()));
  const reader = cachedReader(fsReader);
  const me = localUser();
  for (const client of clients) {
    const resolved = resolveSshConfig(client.host, {
      configFile: o.configFile,
      user: client.user ?? o.user,
      port: client.port,
      localUser: me,
      home: homedir(),
      uid: process.getuid?.() ?? 0,
      thisHost: hostname(),
      env: process.env,
      reader,
    });
    const refused = resolved.refusals.find((r) => ROUTING.has(r.keyword) && !ignore.has(r.keyword));
    if (refused) {
      throw new ConfigError(
        `${keywordName(refused.keyword)} for ${client.name}: ${refused.why}, and director cannot go that way yet; ` +
          `nothing was contacted (--ignore-ssh-option ${keywordName(refused.keyword)} connects straight to the host on purpose)`,
        refused.file,
        refused.line,
      );
    }
  }
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

const NAMES: Record<string, string> = {
  proxyjump: 'ProxyJump',
  proxycommand: 'ProxyCommand',
  proxyusefdpass: 'ProxyUseFdpass',
  bindaddress: 'BindAddress',
  bindinterface: 'BindInterface',
  canonicalizehostname: 'CanonicalizeHostname',
};

function keywordName(keyword: string): string {
  return NAMES[keyword] ?? keyword;
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'root';
  }
}
