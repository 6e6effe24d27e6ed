// clients.conf: one `[user@]host[:port]` per line, `[group]` headers, pdsh-style ranges.
import { isIPv6 } from 'node:net';
import { ConfigError } from './errors.js';
import { meaningfulLines } from './lines.js';
import { countNames, expandRanges, MAX_EXPANSION, RangeError_ } from './ranges.js';
import { bracketHost, type Client } from './client.js';

const GROUP_HEADER = /^\[([A-Za-z_][A-Za-z0-9_.-]*)\]$/;
const USER = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/;
const HOST_CHARS = /^[A-Za-z0-9._\-[\],]+$/;
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

export function parseClients(source: string, file: string): Client[] {
  const clients: Client[] = [];
  const seen = new Map<string, number>();
  let group: string | undefined;
  for (const { line, text } of meaningfulLines(source, file)) {
    const header = GROUP_HEADER.exec(text);
    if (header) {
      group = header[1];
      continue;
    }
    const spec = parseSpec(text, file, line);
    let hosts: string[];
    try {
      const count = spec.ipv6 ? 1 : countNames(spec.hostPattern);
      // The whole file is bounded, not only each line; counted before anything is expanded.
      if (count > MAX_EXPANSION) throw new RangeError_(`range expands to more than ${MAX_EXPANSION} names`);
      if (clients.length + count > MAX_EXPANSION) {
        throw new RangeError_(`more than ${MAX_EXPANSION} clients in the file (${clients.length} before this line)`);
      }
      hosts = spec.ipv6 ? [spec.hostPattern] : expandRanges(spec.hostPattern);
    } catch (e) {
      if (e instanceof RangeError_) throw new ConfigError(e.message, file, line, text);
      throw e;
    }
    for (const host of hosts) {
      if (!spec.ipv6 && host.length > MAX_HOST) throw new ConfigError(`host name longer than ${MAX_HOST} characters`, file, line, text);
      if (!spec.ipv6 && !HOSTNAME.test(host)) throw new ConfigError('bad host name', file, line, text);
      const name = `${spec.user === undefined ? '' : `${spec.user}@`}${bracketHost(host)}${
        spec.port === undefined ? '' : `:${spec.port}`
      }`;
      const key = `${spec.user ?? ''}@${host.toLowerCase()}:${spec.port ?? 22}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        throw new ConfigError(`duplicate client ${name} (also on line ${earlier})`, file, line, text);
      }
      seen.set(key, line);
      const client: Client = { name, host, index: clients.length, file, line };
      if (spec.user !== undefined) client.user = spec.user;
      if (spec.port !== undefined) client.port = spec.port;
      if (group !== undefined) client.group = group;
      clients.push(client);
    }
  }
  if (clients.length === 0) throw new ConfigError('no clients listed', file);
  return clients;
}

function parseSpec(text: string, file: string, line: number): HostSpec {
  const fail = (why: string): never => {
    throw new ConfigError(why, file, line, text);
  };
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
