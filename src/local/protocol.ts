// The local echo service's text protocol, pure: framing of newline-terminated requests,
// what a request means, and the words of each reply. Both the service and its clients use it.

export const HOST = '127.0.0.1';
/** Longest request line, newline excluded; a longer one is refused and its connection closed. */
export const MAX_LINE = 4096;

export type Request = { kind: 'ping' | 'stat' | 'shutdown' | 'empty' } | { kind: 'unknown'; text: string };

export interface Framed {
  lines: string[];
  /** The pending line passed MAX_LINE: the caller answers an error and stops reading. */
  overflow: boolean;
}

/**
 * Splits a byte stream into lines, holding at most `max` bytes of an unfinished line, so a
 * client that never sends a newline cannot make us buffer without bound. Lines are decoded
 * as latin1 (one char per byte), so binary garbage survives intact to be escaped in a reply.
 */
export class LineFramer {
  private pending: Buffer[] = [];
  private size = 0;
  private broken = false;

  constructor(private readonly max = MAX_LINE) {}

  push(chunk: Buffer): Framed {
    const lines: string[] = [];
    if (this.broken) return { lines, overflow: true };
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      if (this.size + nl - start > this.max) return this.overflow(lines);
      this.pending.push(chunk.subarray(start, nl));
      lines.push(stripCr(Buffer.concat(this.pending).toString('latin1')));
      this.pending = [];
      this.size = 0;
      start = nl + 1;
    }
    if (this.size + chunk.length - start > this.max) return this.overflow(lines);
    if (start < chunk.length) {
      // Copy: the caller's buffer may be reused, and a small slice must not pin a large chunk.
      this.pending.push(Buffer.from(chunk.subarray(start)));
      this.size += chunk.length - start;
    }
    return { lines, overflow: false };
  }

  /** Bytes of an unfinished line held. */
  get buffered(): number {
    return this.size;
  }

  private overflow(lines: string[]): Framed {
    this.broken = true;
    this.pending = [];
    this.size = 0;
    return { lines, overflow: true };
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Requests are case-insensitive and may carry surrounding blanks (telnet, nc). */
export function parseRequest(line: string): Request {
  const word = line.trim().toLowerCase();
  if (word === 'ping' || word === 'stat' || word === 'shutdown') return { kind: word };
  if (word === '') return { kind: 'empty' };
  return { kind: 'unknown', text: line };
}

export function echoReply(port: number): string {
  return `Echo sent from ${HOST}:${port}`;
}

export function shutdownReply(port: number): string {
  return `Client ${HOST}:${port} shutting down.`;
}

export function unknownReply(text: string): string {
  return `ERR unknown command: ${printable(text)}`;
}

export const EMPTY_REPLY = 'ERR empty request';
export const TOO_LONG_REPLY = `ERR line too long (over ${MAX_LINE} bytes)`;
export const IDLE_REPLY = 'ERR idle timeout';
/** A line begun but not finished within the idle timeout (a client trickling bytes to hold on). */
export const SLOW_REPLY = 'ERR line not finished within the idle timeout';

const ECHO_LIMIT = 80;

/** Request text safe to echo on one line: control and non-ASCII bytes as \xNN, cut short. */
export function printable(text: string): string {
  const cut = text.length > ECHO_LIMIT ? text.slice(0, ECHO_LIMIT) : text;
  let out = '';
  for (const ch of cut) {
    const code = ch.charCodeAt(0);
    out += code >= 0x20 && code < 0x7f && ch !== '\\' ? ch : ch === '\\' ? '\\\\' : `\\x${code.toString(16).padStart(2, '0')}`;
  }
  return cut.length < text.length ? `${out}...` : out;
}

/** What `stat` answers, one line of JSON. `service` lets a client tell our service from another. */
export interface ServiceStat {
  service: 'director-local';
  port: number;
  pid: number;
  uptimeSec: number;
  memoryMB: number;
  requests: number;
}

export function parseStat(line: string): ServiceStat | undefined {
  try {
    const v = JSON.parse(line) as Partial<ServiceStat>;
    if (v.service !== 'director-local' || !Number.isInteger(v.pid) || !Number.isInteger(v.port)) return undefined;
    return v as ServiceStat;
  } catch {
    return undefined;
  }
}
