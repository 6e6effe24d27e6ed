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
