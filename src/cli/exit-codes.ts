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
  interrupted: 130,
} as const;
