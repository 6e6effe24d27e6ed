// Exit codes, documented in the README. run/exec follow parallel-ssh for 3, 4 and 5.
export const EXIT = {
  ok: 0,
  /** Some client failed (status, mkdir, data). */
  failed: 1,
  /** Usage or configuration error: nothing was sent to any client. */
  usage: 2,
  /** run/exec: a client timed out or was killed by a signal. */
  timeout: 3,
  /** run/exec: a client could not be reached or logged in to. */
  unreachable: 4,
  /** run/exec: a remote command exited non-zero. */
  remoteExit: 5,
  /** Ctrl-C (SIGINT): 128 + 2, as a shell reports it. */
  interrupted: 130,
  /** SIGTERM: 128 + 15. */
  terminated: 143,
  /** The reader of stdout went away (`director … | head -1`): 128 + SIGPIPE, as a shell reports it. */
  outputClosed: 141,
} as const;

/** The reason an interrupted command's AbortSignal carries: which signal stopped it. */
export class Interrupt extends Error {
  /** SIGPIPE stands for a closed stdout (Node ignores the signal itself and reports EPIPE). */
  constructor(readonly by: 'SIGINT' | 'SIGTERM' | 'SIGPIPE') {
    super(by === 'SIGINT' ? 'interrupted' : by === 'SIGTERM' ? 'terminated' : 'output closed');
  }
}

/** 130 after SIGINT, 143 after SIGTERM, 141 after a closed stdout: the exit status of a command that was stopped. */
export function interruptedExit(signal: AbortSignal | undefined): number {
  const by = signal?.reason instanceof Interrupt ? signal.reason.by : 'SIGINT';
  return by === 'SIGTERM' ? EXIT.terminated : by === 'SIGPIPE' ? EXIT.outputClosed : EXIT.interrupted;
}
