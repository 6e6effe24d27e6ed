/** One client as parsed from clients.conf (after range expansion). */
export interface Client {
  /** The client as written in clients.conf, ranges expanded: `[user@]host[:port]`. */
  name: string;
  user?: string;
  /** Host name or address; an IPv6 address is kept without brackets. */
  host: string;
  port?: number;
  /** 0-based position among the clients this command works on, in clients.conf order. */
  index: number;
  /** The `[group]` this client is under, if any. */
  group?: string;
  /** Where it was written, for messages. */
  file: string;
  line: number;
}

/** `host` or `[v6]` as it is written in names and in known_hosts. */
export function bracketHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
