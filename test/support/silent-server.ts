// A TCP server that accepts connections and never says a word (for connect timeouts),
// and counts who came (to prove nothing was sent).
import { createServer, type Server, type Socket } from 'node:net';

export interface SilentServer {
  address: string;
  port: number;
  connections(): number;
  close(): Promise<void>;
}

export async function silentServer(address: string): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((s) => {
    count++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, address, ok);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    address,
    port,
    connections: () => count,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}
