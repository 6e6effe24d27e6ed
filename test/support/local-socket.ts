// A raw TCP client for poking the local service with anything, bytes included.
import { connect, type Socket } from 'node:net';
import { within } from './timeout.js';

export interface RawClient {
  socket: Socket;
  /** Everything received so far, as latin1 text. */
  received(): string;
  /** Resolves when `n` lines have arrived. */
  lines(n: number, ms?: number): Promise<string[]>;
  /** Resolves when the service has closed the connection. */
  closed(ms?: number): Promise<void>;
  write(data: string | Buffer): void;
  destroy(): void;
}

export function rawClient(port: number, ms = 5000): Promise<RawClient> {
  const socket = connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  let ended = false;
  const waiters = new Set<() => void>();
  const poke = () => {
    for (const w of waiters) w();
  };
  socket.on('data', (d: Buffer) => {
    chunks.push(d);
    poke();
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    ended = true;
    poke();
  });
  const text = () => Buffer.concat(chunks).toString('latin1');
  const until = (what: string, ok: () => boolean, limit: number) =>
    within(
      limit,
      what,
      new Promise<void>((resolve) => {
        const check = () => {
          if (!ok()) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
    );
  const client: RawClient = {
    socket,
    received: text,
    lines: async (n, limit = 5000) => {
      await until(`${n} lines from ${port}`, () => text().split('\n').length - 1 >= n || ended, limit);
      return text().split('\n').slice(0, n);
    },
    closed: (limit = 5000) => until(`close by ${port}`, () => ended, limit),
    write: (data) => socket.write(data),
    destroy: () => socket.destroy(),
  };
  return within(
    ms,
    `connect to ${port}`,
    new Promise<RawClient>((resolve, reject) => {
      socket.once('connect', () => resolve(client));
      socket.once('error', reject);
    }),
  );
}

/** `n` connections opened at once; resolves with them once all connected. */
export async function openMany(port: number, n: number): Promise<Socket[]> {
  return within(
    30_000,
    `${n} connections`,
    Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<Socket>((ok, fail) => {
            const so = connect({ host: '127.0.0.1', port });
            so.once('connect', () => ok(so));
            so.once('error', fail);
          }),
      ),
    ),
  );
}

export interface Flood {
  /** Connections whose first reply was `expected`. */
  answered: number;
  /** Connections the service has closed so far (a live count). */
  closed(): number;
}

/** A ping on every connection; resolves once each has answered or closed. */
export async function pingEach(conns: readonly Socket[], expected: string, ms = 20_000): Promise<Flood> {
  let answered = 0;
  let closed = 0;
  await within(
    ms,
    `${conns.length} pings`,
    Promise.all(
      conns.map(
        (so) =>
          new Promise<void>((ok) => {
            so.on('error', () => undefined);
            so.once('data', (d: Buffer) => {
              if (d.toString() === `${expected}\n`) answered++;
              ok();
            });
            so.once('close', () => {
              closed++;
              ok();
            });
            so.write('ping\n');
          }),
      ),
    ),
  );
  return { answered, closed: () => closed };
}

export interface IdleClients {
  /** Connected, never writes. */
  silent: RawClient;
  /** Wrote half a request ("pin"), nothing after. */
  partial: RawClient;
  /** One byte every 200 ms: never idle, but its line never ends. */
  trickle: RawClient;
  /** When each began to connect (the service's clock starts later, at accept). */
  at: number[];
  /** Stops the trickle and drops all three. */
  stop(): void;
}

/** Three clients that hold a connection to `port` without finishing a request. */
export async function idleClients(port: number): Promise<IdleClients> {
  const at: number[] = [];
  const timed = async () => {
    at.push(Date.now());
    return rawClient(port);
  };
  const silent = await timed();
  const partial = await timed();
  partial.write('pin');
  const trickle = await timed();
  const drip = setInterval(() => trickle.write('p'), 200);
  return {
    silent,
    partial,
    trickle,
    at,
    stop: () => {
      clearInterval(drip);
      for (const c of [silent, partial, trickle]) c.destroy();
    },
  };
}

/** One ping on a fresh connection: the reply line and how long connect-and-reply took. */
export async function pingOnce(port: number): Promise<{ reply: string | undefined; ms: number }> {
  const t0 = Date.now();
  const c = await rawClient(port);
  c.write('ping\n');
  const [reply] = await c.lines(1);
  c.destroy();
  return { reply, ms: Date.now() - t0 };
}

/** `mb` MiB of "A" without a newline, until the service closes the connection; what it answered. */
export async function floodWithoutNewline(port: number, mb = 8): Promise<string> {
  const c = await rawClient(port);
  const chunk = Buffer.alloc(1024 * 1024, 0x41);
  for (let i = 0; i < mb && !c.socket.destroyed; i++) c.write(chunk);
  await c.closed();
  return c.received();
}

/** `n` clients that each send half a request and hang up, every other one with a reset. */
export async function hangUps(port: number, n = 20): Promise<void> {
  for (let i = 0; i < n; i++) {
    const c = await rawClient(port);
    c.write('pin');
    if (i % 2) c.socket.resetAndDestroy();
    else c.destroy();
  }
}

/** A client that writes `text`, shuts its write side and waits for the close: what it got, and how long the close took. */
export async function halfClose(port: number, text: string): Promise<{ received: string; ms: number }> {
  const c = await rawClient(port);
  c.write(text);
  const t0 = Date.now();
  c.socket.end();
  await c.closed(2000);
  return { received: c.received(), ms: Date.now() - t0 };
}
