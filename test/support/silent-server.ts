// A TCP server that accepts connections and never says a word (for connect timeouts),
// counts who came (to prove nothing was sent) and times how long each caller waited
// before hanging up (a connect timeout measured from the server's side).
import { createServer, type Server, type Socket } from 'node:net';

export interface SilentServer {
  address: string;
  port: number;
  connections(): number;
  /** Per connection that the caller closed, ms from accept to the caller's hang-up. */
  heldMs(): number[];
  close(): Promise<void>;
}

/** Listens on address:port (port 0: any free one). */
export async function silentServer(address: string, port = 0): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let count = 0;
  const held: number[] = [];
  const server: Server = createServer((s) => {
    count++;
    const accepted = performance.now();
    sockets.add(s);
    s.on('error', () => undefined);
    s.resume(); // read and drop what the caller says, or its hang-up ('end') is never seen
    // 'end' is the caller's FIN; a reset shows up as 'close' alone.
    let ended = false;
    const hungUp = () => {
      if (ended) return;
      ended = true;
      held.push(Math.round(performance.now() - accepted));
    };
    s.on('end', hungUp);
    s.on('close', () => {
      if (sockets.delete(s)) hungUp();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, address, ok);
  });
  const addr = server.address();
  return {
    address,
    port: typeof addr === 'object' && addr ? addr.port : 0,
    connections: () => count,
    heldMs: () => [...held],
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) {
          sockets.delete(s);
          s.destroy();
        }
        server.close(() => ok());
      }),
  };
}
