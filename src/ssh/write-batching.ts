// ssh2 writes every SSH packet to its socket with a write of its own: a 64 KiB chunk on a
// channel is two 32 KiB packets (the size OpenSSH allows per packet), two syscalls, and over
// loopback each write also delivers to the peer's socket inside the syscall. Here the packets
// one turn of the event loop produces leave in one writev: the socket is corked at the first
// write of a turn and uncorked on the next tick. Nothing waits longer than that turn.
import type { Writable } from 'node:stream';

export function batchWrites(sock: Writable | undefined): void {
  if (sock === undefined || typeof sock.cork !== 'function') return;
  const write = sock.write.bind(sock) as (...args: unknown[]) => boolean;
  let corked = false;
  const flush = () => {
    corked = false;
    if (!sock.destroyed) sock.uncork();
  };
  sock.write = ((...args: unknown[]) => {
    if (!corked && !sock.destroyed) {
      corked = true;
      sock.cork();
      process.nextTick(flush);
    }
    return write(...args);
  }) as typeof sock.write;
}
