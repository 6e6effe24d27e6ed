// An exec request and its end of input in one write. A command given no standard input gets
// EOF at once; ssh2 can only send it after the server answered the exec request, as a packet
// of its own: one more write here and one more wake-up of the client's sshd per command. On a
// kept connection that is a quarter of what director writes per command (open, exec, EOF,
// close). RFC 4254 lets EOF follow the request without waiting for its answer.
//
// This reaches into ssh2 1.17's internals (its Protocol's exec, its channel manager, a
// channel's outgoing state), pinned in package.json; where they are not as expected, nothing
// is changed and ssh2 sends EOF itself after the answer, as before.
import type { ClientChannel } from 'ssh2';

interface Internals {
  _sock?: { cork?: () => void; uncork?: () => void };
  _protocol?: { exec?: (id: number, cmd: string, wantReply: boolean) => void };
  _chanMgr?: { _channels?: Record<string, unknown> };
}

interface ChannelInternals {
  incoming?: { id?: number };
  outgoing?: { id?: number; state?: string };
  eof?: () => void;
  close?: () => void;
}

/** Per connection: the local ids of channels whose exec request goes out with their EOF. */
const pending = new WeakMap<object, Set<number>>();

/**
 * Runs ssh2's `exec` so that the exec request goes out together with the channel's EOF.
 * Falls back to a plain exec (EOF after the answer) where ssh2's internals differ.
 */
export function execWithoutInput(
  conn: { exec(command: string, cb: (err: Error | undefined, stream: ClientChannel) => void): unknown },
  command: string,
  cb: (err: Error | undefined, stream: ClientChannel) => void,
): void {
  const inner = conn as unknown as Internals;
  const channels = inner._chanMgr?._channels;
  if (channels === undefined || !patch(inner)) {
    conn.exec(command, cb);
    return;
  }
  // ssh2 reserves the channel's local id synchronously, with a placeholder function: the new one is ours.
  const waiting = pending.get(inner)!;
  const before = new Set(Object.values(channels));
  let local: number | undefined;
  conn.exec(command, (err, stream) => {
    if (local !== undefined) {
      waiting.delete(local); // a refused open never reached the request
      // A refused exec leaves its channel open (ssh2 closes it only for a refused env or pty
      // request): each refusal would hold one of sshd's MaxSessions on a kept connection.
      const chan = err === undefined ? undefined : (channels[local] as ChannelInternals | undefined);
      if (chan !== undefined && typeof chan === 'object' && typeof chan.close === 'function') chan.close();
    }
    cb(err, stream);
  });
  for (const [id, value] of Object.entries(channels)) {
    if (typeof value === 'function' && !before.has(value)) waiting.add((local = Number(id)));
  }
}

/** Wraps the connection's Protocol.exec once; false when ssh2 is not shaped as expected. */
function patch(inner: Internals): boolean {
  if (pending.has(inner)) return true;
  const proto = inner._protocol;
  const exec = proto?.exec;
  if (proto === undefined || typeof exec !== 'function') return false;
  const waiting = new Set<number>();
  pending.set(inner, waiting);
  proto.exec = (id: number, cmd: string, wantReply: boolean) => {
    const chan = channelFor(inner, id);
    const local = chan?.incoming?.id;
    if (chan === undefined || local === undefined || !waiting.delete(local)) return exec.call(proto, id, cmd, wantReply);
    corked(inner._sock, () => {
      exec.call(proto, id, cmd, wantReply);
      // The channel's outgoing state becomes 'eof': ending its stream later sends nothing more.
      chan.eof!();
    });
  };
  return true;
}

/** The open channel whose server-side id is `id`, if it has the shape ssh2 1.17 gives it. */
function channelFor(inner: Internals, id: number): ChannelInternals | undefined {
  for (const c of Object.values(inner._chanMgr?._channels ?? {})) {
    const chan = c as ChannelInternals;
    if (chan !== null && typeof chan === 'object' && chan.outgoing?.id === id && chan.outgoing.state === 'open' && typeof chan.eof === 'function') return chan;
  }
  return undefined;
}

/**
 * Runs `issue` with the transport corked: the packets ssh2 writes meanwhile, one syscall
 * each otherwise, leave in one write.
 */
export function corked<T>(sock: { cork?: () => void; uncork?: () => void } | undefined, issue: () => T): T {
  sock?.cork?.();
  try {
    return issue();
  } finally {
    sock?.uncork?.();
  }
}
