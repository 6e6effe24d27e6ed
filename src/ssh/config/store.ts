// The values obtained so far, and how one directive adds to them: first obtained value wins,
// lists and accumulating keywords follow readconf.c's rules keyword by keyword. Arguments
// are checked on every line, active or not, because ssh refuses a bad line anywhere.
import { ConfigError } from '../../config/errors.js';
import { checkValue, type KeywordSpec } from './keywords.js';
import { matchPattern } from './match.js';
import type { Directive } from './parse.js';

/** One value and where it came from. */
export interface Setting {
  /** The words; for ProxyCommand-like keywords, one word: the rest of the line as written. */
  args: string[];
  file: string;
  /** 1-based; for -o options, the option's position. */
  line: number;
  /** The keyword as spelled there. */
  spelled?: string;
}

/** Canonical keyword name → the settings that won (one for first-wins keywords). */
export type Settings = Map<string, Setting[]>;

export function applyDirective(store: Settings, spec: KeywordSpec, d: Directive, active: boolean): void {
  const at = (message: string): ConfigError => new ConfigError(message, d.file, d.line);
  const { name } = spec;
  const here = (args: string[]): Setting => ({ args, file: d.file, line: d.line, spelled: d.spelled });
  if (spec.combine === 'command' || spec.combine === 'jump') {
    const raw = d.rest.replace(/^[ \t\r\n=]+/, '');
    const value = spec.combine === 'jump' ? stripComment(raw) : raw;
    if (spec.combine === 'jump') checkJump(value, at);
    // ProxyJump and ProxyCommand fill one slot: whichever comes first wins, except that
    // `ProxyJump none` leaves a later ProxyCommand in force (as OpenSSH does: ssh then runs it).
    const jumpNone = store.get('proxyjump')?.[0]?.args[0]?.toLowerCase() === 'none';
    const taken =
      name === 'proxyjump'
        ? store.has('proxycommand') || store.has('proxyjump')
        : name === 'proxycommand'
          ? store.has('proxycommand') || (store.has('proxyjump') && !jumpNone)
          : store.has(name);
    if (active && !taken) store.set(name, [here([value])]);
    return;
  }
  const [min, max] = spec.arity;
  if (d.args.length < min) throw at(`Missing argument for ${d.keyword}`);
  if (d.args.length > max) throw at(`keyword ${d.keyword} extra arguments at end of line`);
  if (spec.combine === 'skip') return;
  if (d.args.some((a) => a === '')) throw at(`keyword ${d.keyword} empty argument`);
  for (const a of spec.arity[1] === 1 ? d.args : []) {
    const bad = checkValue(spec.check, a);
    if (bad !== null) throw at(bad);
  }
  switch (spec.combine) {
    case 'first':
      if (active && !store.has(name)) store.set(name, [here(d.args)]);
      return;
    case 'list':
      if (d.args.some((a, i) => a.toLowerCase() === 'none' && (i > 0 || d.args.length > 1))) {
        throw at(`keyword ${d.keyword} "none" argument must appear alone.`);
      }
      if (active && !store.has(name)) store.set(name, [here(d.args)]);
      return;
    case 'each': {
      if (!active) return;
      const list = store.get(name) ?? [];
      // IdentityFile and CertificateFile skip a path already listed; forwards do not.
      const dedupe = name === 'identityfile' || name === 'certificatefile';
      if (!dedupe || !list.some((s) => s.args[0] === d.args[0])) list.push(here(d.args));
      store.set(name, list);
      return;
    }
    case 'sendenv':
      sendEnv(store, d, active, at, here);
      return;
    case 'setenv': {
      if (d.args.some((a) => !a.includes('='))) throw at('Invalid SetEnv.');
      if (!active || store.has(name)) return;
      const seen = new Set<string>();
      const kept = d.args.filter((a) => {
        const key = a.slice(0, a.indexOf('='));
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      store.set(name, kept.map((a) => here([a])));
      return;
    }
    default:
      throw at(`internal: ${spec.combine} is not a value keyword`);
  }
}

/** SendEnv adds names; `-pattern` removes the names already listed that match it. */
function sendEnv(
  store: Settings,
  d: Directive,
  active: boolean,
  at: (m: string) => ConfigError,
  here: (args: string[]) => Setting,
): void {
  if (d.args.some((a) => a.includes('='))) throw at('Invalid environment name.');
  if (!active) return;
  let list = store.get('sendenv') ?? [];
  for (const a of d.args) {
    if (a.startsWith('-')) list = list.filter((s) => !matchPattern(s.args[0]!, a.slice(1)));
    else list.push(here([a]));
  }
  store.set('sendenv', list);
}

/** parse_jump() drops a comment and trailing space. */
function stripComment(raw: string): string {
  const hash = raw.indexOf('#');
  return (hash === -1 ? raw : raw.slice(0, hash)).replace(/[ \t\r\n]+$/, '');
}

/** A hop of ProxyJump: [user@]host[:port] or ssh://[user@]host[:port]. */
export interface JumpHop {
  user?: string;
  host: string;
  port?: number;
}

/** ProxyJump's hops, first hop first; null for `none`. */
export function parseJump(value: string): JumpHop[] | null {
  if (value.toLowerCase() === 'none') return null;
  return value.split(',').map((hop) => {
    const m = /^(?:ssh:\/\/)?(?:([^@]*)@)?(\[[^\]]*\]|[^:@/]*)(?::(\d+))?\/?$/.exec(hop);
    if (m === null || m[2] === '' || m[1] === '') throw new Error(`Invalid ProxyJump "${value}"`);
    const out: JumpHop = { host: m[2]!.replace(/^\[(.*)\]$/, '$1') };
    if (m[1] !== undefined) out.user = m[1];
    if (m[3] !== undefined) out.port = Number(m[3]);
    return out;
  });
}

function checkJump(value: string, at: (m: string) => ConfigError): void {
  try {
    parseJump(value);
  } catch {
    throw at(`Invalid ProxyJump "${value}"`);
  }
}
