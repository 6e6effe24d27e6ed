// The keywords OpenSSH's client knows (readconf.c keywords[], OpenSSH 9.2 plus the ones
// Debian's ssh adds), how each one takes its arguments and how a repeated one combines.
// A keyword missing here is a "Bad configuration option", as in ssh.

/**
 * How a keyword combines over the files:
 * - `first`: the first obtained value wins (most keywords);
 * - `list`: the first directive wins with all its words (UserKnownHostsFile, CanonicalDomains…);
 * - `each`: every directive adds one entry (IdentityFile, CertificateFile, forwards);
 * - `sendenv` / `setenv`: their own list rules;
 * - `command`: first wins, the raw rest of the line (ProxyCommand, LocalCommand…);
 * - `jump`: ProxyJump; ProxyJump and ProxyCommand share one first-wins slot;
 * - `skip`: accepted and dropped (deprecated or unsupported in OpenSSH itself);
 * - `host` / `match` / `include`: structure, handled by the resolver.
 */
export type Combine = 'first' | 'list' | 'each' | 'sendenv' | 'setenv' | 'command' | 'jump' | 'skip' | 'host' | 'match' | 'include';

/** What one value must look like: ssh refuses the line otherwise. */
export type Check = 'any' | 'flag' | 'port' | 'time' | 'int' | readonly string[];

export interface KeywordSpec {
  /** The name `ssh -G` prints: the first of its spellings in OpenSSH's table. */
  name: string;
  combine: Combine;
  check: Check;
  /** Words a directive takes: [min, max]; `Infinity` for lists. */
  arity: readonly [number, number];
}

const FLAG = 'flag';
const YESNOASK = ['yes', 'no', 'true', 'false', 'ask'] as const;
const STRICT = ['yes', 'no', 'true', 'false', 'ask', 'off', 'accept-new'] as const;

type Row = [names: string, combine: Combine, check?: Check, arity?: readonly [number, number]];

const ONE = [1, 1] as const;
const MANY = [1, Infinity] as const;

/** Each row: the names (first is canonical, the others are OpenSSH's aliases), then the rules. */
const ROWS: Row[] = [
  ['host', 'host', 'any', MANY],
  ['match', 'match', 'any', MANY],
  ['include', 'include', 'any', MANY],
  ['protocol cipher fallbacktorsh globalknownhostsfile2 rhostsauthentication userknownhostsfile2 useroaming usersh useprivilegedport', 'skip', 'any', MANY],
  ['afstokenpassing kerberosauthentication kerberostgtpassing rsaauthentication rhostsrsaauthentication compressionlevel', 'skip', 'any', MANY],
  ['gssapiauthentication', 'first', FLAG],
  ['gssapidelegatecredentials', 'first', FLAG],
  // Debian's GSSAPI key exchange patch.
  ['gssapikeyexchange', 'first', FLAG],
  ['gssapitrustdns', 'first', FLAG],
  ['gssapirenewalforcesrekey', 'first', FLAG],
  ['gssapiclientidentity', 'first'],
  ['gssapiserveridentity', 'first'],
  ['gssapikexalgorithms', 'first'],
  ['pkcs11provider smartcarddevice', 'first'],
  ['forwardagent', 'first'],
  ['forwardx11', 'first', FLAG],
  ['forwardx11trusted', 'first', FLAG],
  ['forwardx11timeout', 'first', 'time'],
  ['exitonforwardfailure', 'first', FLAG],
  ['xauthlocation', 'first'],
  ['gatewayports', 'first', FLAG],
  ['passwordauthentication', 'first', FLAG],
  ['kbdinteractiveauthentication challengeresponseauthentication skeyauthentication tisauthentication', 'first', FLAG],
  ['kbdinteractivedevices', 'first'],
  ['pubkeyauthentication dsaauthentication', 'first', ['yes', 'no', 'true', 'false', 'unbound', 'host-bound']],
  ['hostbasedauthentication', 'first', FLAG],
  ['identityfile identityfile2', 'each'],
  ['identitiesonly', 'first', FLAG],
  ['certificatefile', 'each'],
  ['addkeystoagent', 'first', 'any', [1, 2]],
  ['identityagent', 'first'],
  ['hostname', 'first'],
  ['hostkeyalias', 'first'],
  ['proxycommand', 'command'],
  ['port', 'first', 'port'],
  ['ciphers', 'first'],
  ['macs', 'first'],
  ['remoteforward', 'each', 'any', [1, 2]],
  ['localforward', 'each', 'any', [2, 2]],
  ['permitremoteopen', 'list', 'any', MANY],
  ['user', 'first'],
  ['escapechar', 'first'],
  ['globalknownhostsfile', 'list', 'any', MANY],
  ['userknownhostsfile', 'list', 'any', MANY],
  ['connectionattempts', 'first', 'int'],
  ['batchmode', 'first', FLAG],
  ['checkhostip', 'first', FLAG],
  ['stricthostkeychecking', 'first', STRICT],
  ['compression', 'first', ['yes', 'no']],
  ['tcpkeepalive keepalive', 'first', FLAG],
  ['numberofpasswordprompts', 'first', 'int'],
  ['syslogfacility', 'first'],
  ['loglevel', 'first'],
  ['logverbose', 'list', 'any', MANY],
  ['dynamicforward', 'each'],
  ['preferredauthentications', 'first'],
  ['hostkeyalgorithms', 'first'],
  ['casignaturealgorithms', 'first'],
  ['bindaddress', 'first'],
  ['bindinterface', 'first'],
  ['clearallforwardings', 'first', FLAG],
  ['enablesshkeysign', 'first', FLAG],
  ['verifyhostkeydns', 'first', YESNOASK],
  ['nohostauthenticationforlocalhost', 'first', FLAG],
  ['rekeylimit', 'first', 'any', [1, 2]],
  ['connecttimeout', 'first', 'time'],
  ['addressfamily', 'first', ['inet', 'inet6', 'any']],
  // Debian's ssh also takes ProtocolKeepAlives and SetupTimeOut for ServerAliveInterval.
  ['serveraliveinterval protocolkeepalives setuptimeout', 'first', 'time'],
  ['serveralivecountmax', 'first', 'int'],
  ['sendenv', 'sendenv', 'any', MANY],
  ['setenv', 'setenv', 'any', MANY],
  ['controlpath', 'first'],
  ['controlmaster', 'first', ['yes', 'no', 'true', 'false', 'auto', 'ask', 'autoask']],
  ['controlpersist', 'first'],
  ['hashknownhosts', 'first', FLAG],
  ['tunnel', 'first', ['ethernet', 'point-to-point', 'true', 'yes', 'false', 'no']],
  ['tunneldevice', 'first'],
  ['localcommand', 'command'],
  ['permitlocalcommand', 'first', FLAG],
  ['remotecommand', 'command'],
  ['visualhostkey', 'first', FLAG],
  ['kexalgorithms', 'first'],
  ['ipqos', 'first', 'any', [1, 2]],
  ['requesttty', 'first', ['true', 'yes', 'false', 'no', 'force', 'auto']],
  ['sessiontype', 'first', ['none', 'subsystem', 'default']],
  ['stdinnull', 'first', FLAG],
  ['forkafterauthentication', 'first', FLAG],
  ['proxyusefdpass', 'first', FLAG],
  ['canonicaldomains', 'list', 'any', MANY],
  ['canonicalizefallbacklocal', 'first', FLAG],
  ['canonicalizehostname', 'first', ['true', 'false', 'yes', 'no', 'always']],
  ['canonicalizemaxdots', 'first', 'int'],
  ['canonicalizepermittedcnames', 'list', 'any', MANY],
  ['streamlocalbindmask', 'first'],
  ['streamlocalbindunlink', 'first', FLAG],
  ['revokedhostkeys', 'first'],
  ['fingerprinthash', 'first', ['md5', 'sha256']],
  ['updatehostkeys', 'first', YESNOASK],
  ['hostbasedacceptedalgorithms hostbasedkeytypes', 'first'],
  ['pubkeyacceptedalgorithms pubkeyacceptedkeytypes', 'first'],
  ['ignoreunknown', 'first'],
  ['proxyjump', 'jump'],
  ['securitykeyprovider', 'first'],
  ['knownhostscommand', 'command'],
  ['requiredrsasize', 'first', 'int'],
  ['enableescapecommandline', 'first', FLAG],
];

const BY_NAME = new Map<string, KeywordSpec>();
for (const [names, combine, check = 'any', arity] of ROWS) {
  const all = names.split(' ');
  const whole = combine === 'command' || combine === 'jump';
  const spec: KeywordSpec = { name: all[0]!, combine, check, arity: arity ?? (whole ? MANY : ONE) };
  for (const n of all) BY_NAME.set(n, spec);
}

/** The spec of a lowercased keyword, or undefined when OpenSSH would call it a bad option. */
export function keywordSpec(keyword: string): KeywordSpec | undefined {
  return BY_NAME.get(keyword);
}

/** Why a value is refused by ssh, or null when it is fine. */
export function checkValue(check: Check, value: string): string | null {
  if (check === 'any') return null;
  if (check === 'flag') return /^(yes|no|true|false)$/i.test(value) ? null : `unsupported option "${value}"`;
  if (check === 'port') return parsePort(value) === null ? `Bad port '${value}'` : null;
  if (check === 'time') return value === 'none' || parseTime(value) !== null ? null : 'invalid time value';
  if (check === 'int') return /^\d+$/.test(value) ? null : /^-\d+$/.test(value) ? 'integer value too small.' : `integer value ${value} is invalid`;
  return check.includes(value.toLowerCase()) ? null : `unsupported option "${value}"`;
}

/** a2port(): 1–65535, or null. */
export function parsePort(value: string): number | null {
  if (!/^\d+$/.test(value)) return null;
  const n = Number(value);
  return n >= 1 && n <= 65535 ? n : null;
}

const UNIT: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** convtime(): "90", "1m30s", "2h" → seconds, or null. */
export function parseTime(value: string): number | null {
  if (value === '') return null;
  let total = 0;
  for (const part of value.matchAll(/(\d+)([smhdwSMHDW]?)|(.)/g)) {
    if (part[3] !== undefined) return null;
    total += Number(part[1]) * UNIT[part[2]!.toLowerCase()]!;
  }
  return total <= 0x7fffffff ? total : null;
}

/** Every canonical keyword that takes a value (structure and skipped keywords left out). */
export function valueKeywords(): string[] {
  const out = new Set<string>();
  for (const spec of BY_NAME.values()) if (!['host', 'match', 'include', 'skip'].includes(spec.combine)) out.add(spec.name);
  return [...out];
}
