// What director does with each ssh_config keyword, in one table. A keyword that would change
// where, as whom or with what trust ssh connects, and that director does not carry out, is
// refused (the caller exits 2 unless --ignore-ssh-option names it): connecting anyway would
// silently go somewhere else than `ssh host` goes, or trust what the user told ssh not to.
// Only the value that won counts; a value that asks for what director does anyway passes.
import type { Setting, Settings } from './store.js';

export type Use =
  /** Director carries it out. */
  | { use: 'implemented'; why: string }
  /** Director does not need it: leaving it out never changes the destination, the user or the trust. */
  | { use: 'ignored'; why: string }
  /** Refused unless its value is one of `fine` (compared lowercased); always refused without `fine`. */
  | { use: 'refused'; why: string; fine?: readonly string[] };

const NO = ['no', 'false'];
const I = (why: string): Use => ({ use: 'ignored', why });
const R = (why: string, fine?: readonly string[]): Use => (fine === undefined ? { use: 'refused', why } : { use: 'refused', why, fine });
const OK = (why: string): Use => ({ use: 'implemented', why });

/** Keyed by the canonical (lowercase) keyword; a keyword not listed is refused. */
export const DIRECTOR_USE: Readonly<Record<string, Use>> = {
  host: OK('selects blocks'),
  match: OK('selects blocks (exec is refused where ssh would run it)'),
  include: OK('reads the named files'),
  hostname: OK('where director connects'),
  port: OK('where director connects'),
  user: OK('as whom director logs in'),
  identityfile: OK('keys director offers'),
  ignoreunknown: OK('decides which unknown keywords are errors'),
  proxyjump: OK('director goes through each bastion on one shared connection (forwarded channels)'),
  proxycommand: OK('director runs the command and speaks SSH over its standard input and output'),
  proxyusefdpass: R('asks ProxyCommand to pass a connected socket back; director only speaks over its stdio', NO),
  bindaddress: R('chooses the local address the connection leaves from'),
  bindinterface: R('chooses the local interface the connection leaves from'),
  addressfamily: R('limits the address family director would connect over', ['any']),
  canonicalizehostname: R('rewrites the host name through DNS before connecting', NO),
  canonicaldomains: I('used only by CanonicalizeHostname, which is refused unless off'),
  canonicalizefallbacklocal: I('used only by CanonicalizeHostname, which is refused unless off'),
  canonicalizemaxdots: I('used only by CanonicalizeHostname, which is refused unless off'),
  canonicalizepermittedcnames: R('follows CNAMEs to another host name', ['none']),
  stricthostkeychecking: OK('unknown and changed host keys (ask is strict: director never asks); --host-key-checking wins'),
  userknownhostsfile: OK('the known_hosts files trusted and written; --known-hosts wins'),
  globalknownhostsfile: OK('known_hosts files trusted, never written'),
  hostkeyalias: OK('the name host keys are looked up and recorded under'),
  checkhostip: R('adds an IP address check director does not make', NO),
  verifyhostkeydns: R('trusts host keys from DNS, which director does not look up', NO),
  revokedhostkeys: R('revokes host keys director would still accept', ['none']),
  knownhostscommand: R('obtains host keys from a command director does not run', ['none']),
  hostkeyalgorithms: R('restricts or extends host key algorithms; ssh2 negotiates its own list'),
  kexalgorithms: R('restricts or extends key exchange algorithms; ssh2 negotiates its own list'),
  ciphers: R('restricts or extends ciphers; ssh2 negotiates its own list'),
  macs: R('restricts or extends MACs; ssh2 negotiates its own list'),
  casignaturealgorithms: R('restricts CA signature algorithms director does not check'),
  requiredrsasize: R('rejects RSA keys smaller than director would accept'),
  identitiesonly: OK('only the configured keys are offered, agent-held copies included'),
  identityagent: OK('the agent asked for keys (none: no agent)'),
  certificatefile: R('offers certificates director does not present'),
  pkcs11provider: R('offers PKCS#11 keys director cannot use', ['none']),
  securitykeyprovider: R('names a FIDO middleware director cannot use', ['internal', '$ssh_sk_provider']),
  pubkeyacceptedalgorithms: R('restricts the key types offered; director offers its own'),
  hostbasedacceptedalgorithms: I('host-based authentication is never used by director'),
  pubkeyauthentication: R('turns public keys off; they are all director offers', ['yes', 'true', 'unbound', 'host-bound']),
  hostbasedauthentication: I('director never attempts host-based authentication'),
  passwordauthentication: I('director never asks for a password'),
  kbdinteractiveauthentication: I('director never answers keyboard-interactive prompts'),
  kbdinteractivedevices: I('director never answers keyboard-interactive prompts'),
  gssapiauthentication: I('one more method ssh would try; director logs in with keys'),
  gssapidelegatecredentials: I('director never delegates credentials'),
  gssapikeyexchange: I('an extra key exchange ssh may offer; the host key is still checked'),
  gssapitrustdns: I('used only by GSSAPI authentication'),
  gssapirenewalforcesrekey: I('used only by GSSAPI key exchange'),
  gssapiclientidentity: I('used only by GSSAPI authentication'),
  gssapiserveridentity: I('used only by GSSAPI authentication'),
  gssapikexalgorithms: I('used only by GSSAPI key exchange'),
  preferredauthentications: I('order of methods; director has one method'),
  numberofpasswordprompts: I('director never prompts'),
  batchmode: I('director never prompts: it always runs as in batch mode'),
  addkeystoagent: I('director never adds keys to the agent'),
  nohostauthenticationforlocalhost: I('director checks localhost keys anyway: stricter, not looser'),
  updatehostkeys: I('director does not learn rotated keys: stricter, not looser'),
  hashknownhosts: I('how new known_hosts lines are written, not which keys are trusted'),
  fingerprinthash: I('how fingerprints are shown'),
  visualhostkey: I('how host keys are shown'),
  connecttimeout: OK('how long a connection and handshake may take; --connect-timeout wins'),
  connectionattempts: I('director retries handshakes its own way; the destination is the same'),
  serveraliveinterval: OK('silence before a keepalive (director: any byte heard counts)'),
  serveralivecountmax: OK('keepalives unanswered before the peer is taken for gone'),
  tcpkeepalive: I('transport tuning'),
  ipqos: I('transport tuning'),
  rekeylimit: I('transport tuning'),
  compression: I('transport tuning'),
  forwardagent: I('director never forwards the agent: more conservative'),
  forwardx11: I('director never forwards X11'),
  forwardx11trusted: I('director never forwards X11'),
  forwardx11timeout: I('director never forwards X11'),
  xauthlocation: I('director never forwards X11'),
  localforward: I('director opens no forwards'),
  remoteforward: I('director opens no forwards'),
  dynamicforward: I('director opens no forwards'),
  gatewayports: I('director opens no forwards'),
  exitonforwardfailure: I('director opens no forwards'),
  clearallforwardings: I('director opens no forwards'),
  permitremoteopen: I('director opens no forwards'),
  streamlocalbindmask: I('director opens no forwards'),
  streamlocalbindunlink: I('director opens no forwards'),
  tunnel: I('director opens no tunnel devices'),
  tunneldevice: I('director opens no tunnel devices'),
  controlmaster: I('director holds its own connections; the destination is the same'),
  controlpath: I('director holds its own connections; the destination is the same'),
  controlpersist: I('director holds its own connections; the destination is the same'),
  localcommand: I('director runs nothing locally after connecting'),
  permitlocalcommand: I('director runs nothing locally after connecting'),
  remotecommand: I('director sends its own commands'),
  requesttty: I('director decides terminals per command'),
  sessiontype: I('director decides sessions per command'),
  stdinnull: I('director decides standard input per command'),
  forkafterauthentication: I('director does not background itself'),
  escapechar: I('interactive escapes only'),
  enableescapecommandline: I('interactive escapes only'),
  sendenv: I('environment for remote commands; director sets its own'),
  setenv: I('environment for remote commands; director sets its own'),
  loglevel: I('ssh\'s own logging'),
  logverbose: I('ssh\'s own logging'),
  syslogfacility: I('ssh\'s own logging'),
  enablesshkeysign: I('used only by host-based authentication'),
};

export interface Refusal {
  keyword: string;
  /** As the user spelled it (ProxyJump), for messages. */
  spelled: string;
  file: string;
  line: number;
  /** Why director will not connect with it. */
  why: string;
}

/** The winning values director does not carry out and may not ignore, in the order obtained. */
export function refusalsFor(settings: Settings): Refusal[] {
  const out: Refusal[] = [];
  for (const [keyword, list] of settings) {
    const rule = DIRECTOR_USE[keyword] ?? R('not known to director');
    if (rule.use !== 'refused') continue;
    for (const s of list) if (!isFine(rule.fine, s)) out.push({ keyword, spelled: s.spelled ?? keyword, file: s.file, line: s.line, why: rule.why });
  }
  return out;
}

function isFine(fine: readonly string[] | undefined, s: Setting): boolean {
  return fine !== undefined && s.args.length === 1 && fine.includes(s.args[0]!.toLowerCase());
}
