// Host and Match lines, evaluated as OpenSSH's match.c and readconf.c match_cfg_line() do.
import { ConfigError } from '../../config/errors.js';

/** match_pattern(): `*` and `?` wildcards, case-sensitive, the whole string. */
export function matchPattern(s: string, pattern: string): boolean {
  const re = new RegExp(
    `^${[...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('')}$`,
    's',
  );
  return re.test(s);
}

/**
 * match_pattern_list(): comma-separated patterns, each may be negated with `!`.
 * 1 for a positive match, -1 when a negated pattern matches, 0 for none.
 */
export function matchPatternList(s: string, list: string, lower: boolean): -1 | 0 | 1 {
  let positive = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const sub = negated ? raw.slice(1) : raw;
    if (matchPattern(s, lower ? sub.toLowerCase() : sub)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

/** match_hostname(): a pattern list against a host name, both sides lowercased. */
export function matchHostname(host: string, list: string): boolean {
  return matchPatternList(host.toLowerCase(), list, true) === 1;
}

/**
 * A `Host` line: each word is one pattern (a comma is an ordinary character there); a
 * negated pattern that matches closes the block whatever else matched.
 */
export function hostLineMatches(host: string, patterns: string[]): boolean {
  let active = false;
  for (const arg of patterns) {
    const negated = arg.startsWith('!');
    if (!matchPattern(host, negated ? arg.slice(1) : arg)) continue;
    if (negated) return false;
    active = true;
  }
  return active;
}

/** What a Match line is tested against. */
export interface MatchState {
  /** The host name as resolved so far (HostName with %h applied, else the host argument). */
  host: string;
  /** The host argument as given. */
  originalHost: string;
  /** The remote user so far: User/-l, else the local user. */
  user: string;
  localUser: string;
  /** True on the second pass that `Match final` or canonicalization asks for. */
  finalPass: boolean;
}

export interface MatchOutcome {
  matched: boolean;
  /** `Match final` (or canonical) was seen: a second pass is wanted. */
  wantFinal: boolean;
}

/**
 * One `Match` line. Criteria are ANDed, each may be negated; all are evaluated (so `final`
 * asks for the second pass even after an earlier criterion failed). `exec` is refused where
 * ssh would run it: director does not run commands from ssh_config.
 */
export function evaluateMatch(words: string[], st: MatchState, file: string, line: number): MatchOutcome {
  let result = true;
  let wantFinal = false;
  let attributes = 0;
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i]!;
    const negate = word.startsWith('!');
    const attrib = (negate ? word.slice(1) : word).toLowerCase();
    if (attrib === 'all') {
      const next = words[i + 1];
      if (attributes > 1 || (next !== undefined && !next.startsWith('#'))) {
        throw new ConfigError(`'${word}' cannot be combined with other Match attributes`, file, line);
      }
      if (result) result = !negate;
      return { matched: result, wantFinal };
    }
    attributes += 1;
    if (attrib === 'canonical' || attrib === 'final') {
      if (attrib === 'final') wantFinal = true;
      if (st.finalPass === negate) result = false;
      continue;
    }
    const arg = words[i + 1];
    if (arg === undefined || arg === '' || arg.startsWith('#')) {
      throw new ConfigError(`Missing Match criteria for ${attrib}`, file, line);
    }
    i += 1;
    let r: boolean;
    if (attrib === 'host') r = matchHostname(st.host, arg);
    else if (attrib === 'originalhost') r = matchHostname(st.originalHost, arg);
    else if (attrib === 'user') r = matchPatternList(st.user, arg, false) === 1;
    else if (attrib === 'localuser') r = matchPatternList(st.localUser, arg, false) === 1;
    else if (attrib === 'exec') {
      // ssh skips the command once an earlier criterion failed; only then is the answer known.
      if (!result) continue;
      throw new ConfigError(`Match exec is not supported: director does not run commands from ssh_config (${arg})`, file, line);
    } else throw new ConfigError(`Unsupported Match attribute ${attrib}`, file, line);
    if (r === negate) result = false;
  }
  if (attributes === 0) throw new ConfigError('One or more attributes required for Match', file, line);
  return { matched: result, wantFinal };
}
