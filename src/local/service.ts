// The echo service: a TCP server on 127.0.0.1:<port> answering the requests of protocol.ts.
// It must survive any client: bad bytes, long lines, half-sent lines, idle or vanished peers.
import { createServer, type Server, type Socket } from 'node:net';
import {
  EMPTY_REPLY,
  HOST,
  IDLE_REPLY,
  LineFramer,
  SLOW_REPLY,
  TOO_LONG_REPLY,
  echoReply,
  parseRequest,
  printable,
  shutdownReply,
  unknownReply,
  type ServiceStat,
} from './protocol.js';

export interface ServiceOptions {
  port: number;
  /** A connection with no traffic for this long is closed. */
  idleMs: number;
  /** One line per request, for --foreground. */
  log?: (line: string) => void;
  /** Called after the reply to `shutdown` has been sent. */
  onShutdown: () => void;
}

/** Unanswered replies a slow reader may leave queued before we stop reading its requests. */
const HIGH_WATER = 64 * 1024;
const LINGER_MS = 1000;

export interface Service {
  server: Server;
  listen(): Promise<void>;
  close(): void;
}

export function createService(opts: ServiceOptions): Service {
  const started = Date.now();
  const sockets = new Set<Socket>();
  let requests = 0;
  let stopping = false;

  const stat = (): ServiceStat => ({
    service: 'director-local',
    port: opts.port,
    pid: process.pid,
    uptimeSec: Math.round((Date.now() - started) / 100) / 10,
    memoryMB: Math.round((process.memoryUsage().rss / 1024 / 1024) * 10) / 10,
    requests,
  });

  const server = createServer({ noDelay: true }, (socket) => {
    if (stopping) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const framer = new LineFramer();
    let closing = false;
    // Last words, then close; a peer that never closes its side is cut off a moment later.
    const finish = (text: string) => {
      if (closing) return;
      closing = true;
      socket.end(`${text}\n`);
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    };
    socket.setTimeout(opts.idleMs);
    socket.on('timeout', () => finish(IDLE_REPLY));
    // The idle timeout restarts with every byte, so a client sending one byte now and then would
    // hold its connection for ever: a line once begun must also end within the idle timeout.
    let lineDeadline: NodeJS.Timeout | undefined;
    // `ended`: a line was finished by this chunk, so what is buffered now is a new line with a
    // clock of its own (a busy client whose chunks end mid-line is not cut off).
    const watchLine = (ended: boolean) => {
      if (framer.buffered === 0 || ended) {
        clearTimeout(lineDeadline);
        lineDeadline = undefined;
      }
      if (framer.buffered > 0) lineDeadline ??= setTimeout(() => finish(SLOW_REPLY), opts.idleMs);
    };
    // A peer that resets or vanishes mid-line is no error of ours.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      clearTimeout(lineDeadline);
    });
    socket.on('drain', () => socket.resume());

    const answer = (text: string) => {
      requests++;
      if (!socket.write(`${text}\n`) || socket.writableLength > HIGH_WATER) socket.pause();
    };

    socket.on('data', (chunk: Buffer) => {
      if (closing) return;
      const { lines, overflow } = framer.push(chunk);
      for (const line of lines) {
        if (stopping) return;
        const req = parseRequest(line);
        opts.log?.(`${peer} ${req.kind === 'unknown' ? `unknown: ${printable(req.text)}` : req.kind}`);
        if (req.kind === 'ping') answer(echoReply(opts.port));
        else if (req.kind === 'stat') answer(JSON.stringify(stat()));
        else if (req.kind === 'empty') answer(EMPTY_REPLY);
        else if (req.kind === 'unknown') answer(unknownReply(req.text));
        else return shutdown(socket);
      }
      if (overflow) {
        opts.log?.(`${peer} line too long: closed`);
        requests++;
        finish(TOO_LONG_REPLY);
      }
      watchLine(lines.length > 0);
    });
  });

  const shutdown = (from: Socket) => {
    stopping = true;
    requests++;
    server.close();
    let done = false;
    const exit = () => {
      if (done) return;
      done = true;
      for (const s of sockets) s.destroy();
      opts.onShutdown();
    };
    // Exit once the reply is flushed, or soon anyway if the asker has already gone.
    from.end(`${shutdownReply(opts.port)}\n`, exit);
    setTimeout(exit, LINGER_MS).unref();
  };

  return {
    server,
    listen: () =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: HOST, port: opts.port, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    close: () => {
      stopping = true;
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
