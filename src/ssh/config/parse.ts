// ssh_config text → directives that remember file:line, split the way OpenSSH's readconf.c
// splits them: the keyword by strdelim() (whitespace, double quotes, or one `=`), the
// arguments by argv_split() (single or double quotes anywhere in a word, backslash escapes,
// `#` at the start of a word ends the line). Hand-written because the npm `ssh-config` parser
// knows only double quotes, keeps no line numbers and splits `Match` like any other keyword.
import { ConfigError } from '../../config/errors.js';

export interface Directive {
  file: string;
  /** 1-based. */
  line: number;
  /** Lowercased, as OpenSSH compares keywords. */
  keyword: string;
  /** The keyword as the user spelled it, for messages. */
  spelled: string;
  /** Words after the keyword, quotes and escapes removed, a trailing comment dropped. */
  args: string[];
  /** The text after the keyword and its separator, as written: what ProxyCommand keeps. */
  rest: string;
}

const WHITESPACE = ' \t\r\n';

/** Every directive of one file; a malformed line throws naming file:line. */
export function parseSshConfig(text: string, file: string): Directive[] {
  const out: Directive[] = [];
  text.split('\n').forEach((raw, i) => {
    const d = parseLine(raw, file, i + 1);
    if (d !== null) out.push(d);
  });
  return out;
}

/** One line; null for a blank line or a comment. */
export function parseLine(raw: string, file: string, line: number): Directive | null {
  const text = raw.replace(/[ \t\r\n\f]+$/, '').replace(/^[ \t\r\n]+/, '');
  if (text === '' || text.startsWith('#')) return null;
  const head = splitKeyword(text);
  if (head === null) return null;
  const keyword = head.keyword.toLowerCase();
  if (keyword === '' || keyword.startsWith('#')) return null;
  const rest = head.rest.replace(/^[ \t\r\n]+/, '');
  if (rest === '') throw new ConfigError(`no argument after keyword "${keyword}"`, file, line);
  const args = splitArgs(rest);
  if (args === null) throw new ConfigError('invalid quotes', file, line, raw);
  return { file, line, keyword, spelled: head.keyword, args, rest };
}

/** strdelim(): the first word ends at whitespace, a quote or one `=`; one `=` may follow spaces. */
function splitKeyword(text: string): { keyword: string; rest: string } | null {
  let stop = 0;
  while (stop < text.length && !WHITESPACE.includes(text[stop]!) && text[stop] !== '"' && text[stop] !== '=') stop += 1;
  if (stop === text.length) return { keyword: text, rest: '' };
  if (text[stop] === '"') {
    const close = text.indexOf('"', stop + 1);
    if (close === -1) return null;
    return { keyword: text.slice(0, stop) + text.slice(stop + 1, close), rest: skipSpace(text, close + 1) };
  }
  let at = skipSpaceIndex(text, stop + 1);
  if (text[stop] !== '=' && text[at] === '=') at = skipSpaceIndex(text, at + 1);
  return { keyword: text.slice(0, stop), rest: text.slice(at) };
}

function skipSpaceIndex(text: string, from: number): number {
  let i = from;
  while (i < text.length && WHITESPACE.includes(text[i]!)) i += 1;
  return i;
}

function skipSpace(text: string, from: number): string {
  return text.slice(skipSpaceIndex(text, from));
}

/** argv_split(s, terminate_on_comment=1); null when a quote is left open. */
export function splitArgs(s: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') {
      i += 1;
      continue;
    }
    if (c === '#') break;
    let word = '';
    let quote = '';
    for (; i < s.length; i += 1) {
      const ch = s[i]!;
      const next = s[i + 1];
      if (ch === '\\') {
        if (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' ')) {
          i += 1;
          word += next;
        } else word += ch;
      } else if (quote === '' && (ch === ' ' || ch === '\t')) break;
      else if (quote === '' && (ch === '"' || ch === "'")) quote = ch;
      else if (quote !== '' && ch === quote) quote = '';
      else word += ch;
    }
    if (quote !== '') return null;
    out.push(word);
  }
  return out;
}

/**
 * strdelim() over a Match line: words split on whitespace or one `=`, double quotes group,
 * a word starting with `#` ends the criteria.
 */
export function splitMatchWords(rest: string): string[] {
  const out: string[] = [];
  let s = rest;
  while (s !== '') {
    const head = splitKeyword(s);
    if (head === null || head.keyword === '' || head.keyword.startsWith('#')) break;
    out.push(head.keyword);
    s = head.rest;
  }
  return out;
}
