// clients.conf: one `[user@]host[:port]` per line, `[group]` headers, node-set ranges
// (`node[01-04]`, `r[1-2]n[1-4]`). The same line rules make the clients `-w` names when there
// is no clients.conf (clientsFromNames).
import { isIPv6 } from 'node:net';
import { NodeSetError } from '../nodeset/errors.js';
import { expandPattern, patternCount } from '../nodeset/pattern.js';
import { ConfigError } from './errors.js';
import { meaningfulLines } from './lines.js';
import { bracketHost, type Client } from './client.js';

/**
 * Most clients one list may hold, ranges included. director is for a handful to a few hundred
 * clients; 10 000 leaves room and keeps a typo such as `node[1-100000]` from costing seconds
 * and hundreds of MB before anything is said.
 */
export const MAX_CLIENTS = 10_000;

const GROUP_HEADER = /^\[([A-Za-z_][A-Za-z0-9_.-]*)\]$/;
const USER = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/;
const HOST_CHARS = /^[A-Za-z0-9._\-[\],/]+$/;
const HOSTNAME = /^[A-Za-z0-9_]([A-Za-z0-9._-]*[A-Za-z0-9_])?$/;
/** The longest DNS name; a longer "host" is garbage, not a client. */
const MAX_HOST = 253;
/** A client line is a host name with a few ranges; a longer one is refused before it is parsed. */
const MAX_LINE = 1024;

interface HostSpec {
  user?: string;
  hostPattern: string;
  ipv6: boolean;
  port?: number;
}

/** Where a client was written: a file line, or a name given on the command line. */
interface Where {
  file: string;
  line?: number;
  text: string;
}

export function parseClients(source: string, file: string): Client[] {
  const list = new ClientList();
  let group: string | undefined;
  for (const { line, text } of meaningfulLines(source, file)) {
    const header = GROUP_HEADER.exec(text);
    if (header) group = header[1];
    else list.add({ file, line, text }, group);
  }
  if (list.clients.length === 0) throw new ConfigError('no clients listed', file);
  return list.clients;
}

/** The clients `-w` names when there is no clients.conf: one `[user@]host[:port]` each. */
export function clientsFromNames(names: readonly string[], origin: string): Client[] {
  const list = new ClientList();
  for (const name of names) list.add({ file: origin, text: name }, undefined, false);
  if (list.clients.length === 0) throw new ConfigError('no clients named', origin);
  return list.clients;
}

class ClientList {
  readonly clients: Client[] = [];
  /** user@host:port in lower case → where it was first written. */
  private readonly seen = new Map<string, Where>();

  add(at: Where, group: string | undefined, ranges = true): void {
    const fail = (why: string): never => {
      throw new ConfigError(why, at.file, at.line, at.text);
    };
    const spec = parseSpec(at.text, fail);
    for (const host of spec.ipv6 ? [spec.hostPattern] : this.hosts(spec.hostPattern, ranges, fail)) {
      if (!spec.ipv6 && host.length > MAX_HOST) fail(`host name longer than ${MAX_HOST} characters`);
      if (!spec.ipv6 && !HOSTNAME.test(host)) fail('bad host name');
      const name = `${spec.user === undefined ? '' : `${spec.user}@`}${bracketHost(host)}${spec.port === undefined ? '' : `:${spec.port}`}`;
      const key = `${spec.user ?? ''}@${host.toLowerCase()}:${spec.port ?? 22}`;
      const earlier = this.seen.get(key);
      if (earlier !== undefined) fail(`duplicate client ${name} (also ${earlier.line === undefined ? `as ${earlier.text}` : `on line ${earlier.line}`})`);
      this.seen.set(key, at);
      const client: Client = { name, host, index: this.clients.length, file: at.file, line: at.line ?? 0 };
      if (spec.user !== undefined) client.user = spec.user;
      if (spec.port !== undefined) client.port = spec.port;
      if (group !== undefined) client.group = group;
      this.clients.push(client);
    }
  }

  /** A line's host names; the whole list is bounded, counted before anything is expanded. */
  private hosts(pattern: string, ranges: boolean, fail: (why: string) => never): string[] {
    if (!ranges) return [pattern];
    try {
      const count = patternCount(pattern);
      if (count > MAX_CLIENTS) fail(`range expands to more than ${MAX_CLIENTS} names`);
      if (this.clients.length + count > MAX_CLIENTS) fail(`more than ${MAX_CLIENTS} clients in the file (${this.clients.length} before this line)`);
      return expandPattern(pattern, MAX_CLIENTS);
    } catch (e) {
      if (e instanceof NodeSetError) return fail(e.message);
      throw e;
    }
  }
}

function parseSpec(text: string, fail: (why: string) => never): HostSpec {
  if (text.length > MAX_LINE) fail(`line longer than ${MAX_LINE} characters`);
  if (/\s/.test(text)) fail('one client per line (unexpected space)');
  let rest = text;
  let user: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user === '') fail('empty user before "@"');
    if (!USER.test(user)) fail('bad user name');
  }
  if (rest === '') fail('empty host');

  // Bracketed IPv6: [::1] or [::1]:2222.
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    const inside = end === -1 ? '' : rest.slice(1, end);
    if (inside.includes(':')) {
      const after = rest.slice(end + 1);
      if (!/^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$/.test(inside) || !isIPv6(inside)) fail('bad IPv6 address');
      const port = after === '' ? undefined : after.startsWith(':') ? parsePort(after.slice(1), fail) : fail('unexpected text after "]"');
      return withUser({ hostPattern: inside, ipv6: true, ...(port === undefined ? {} : { port }) }, user);
    }
  }
  // A bare IPv6 address (two or more colons, no brackets) has no port.
  if ((rest.match(/:/g) ?? []).length >= 2) {
    if (!/^[0-9A-Fa-f:.]+$/.test(rest) || !isIPv6(rest)) fail('bad IPv6 address (write [addr]:port to give a port)');
    return withUser({ hostPattern: rest, ipv6: true }, user);
  }
  let port: number | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon !== -1) {
    port = parsePort(rest.slice(colon + 1), fail);
    rest = rest.slice(0, colon);
  }
  if (rest === '') fail('empty host');
  if (!HOST_CHARS.test(rest)) fail('bad host name');
  return withUser({ hostPattern: rest, ipv6: false, ...(port === undefined ? {} : { port }) }, user);
}

function withUser(spec: HostSpec, user: string | undefined): HostSpec {
  return user === undefined ? spec : { ...spec, user };
}

export function parsePort(text: string, fail: (why: string) => never): number {
  if (!/^\d{1,5}$/.test(text)) return fail('bad port (want 1-65535)');
  const port = Number(text);
  if (port < 1 || port > 65535) return fail('bad port (want 1-65535)');
  return port;
}
