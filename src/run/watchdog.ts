// Time limit and Ctrl-C for one remote command. Closing the channel does not stop a remote
// process, and sshd refuses the SSH "signal" request for root logins, so the watchdog kills
// the command's process group itself, over a second channel, until the command is gone.
export interface Watch {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** One attempt to kill the remote command; resolves true when a kill was delivered. */
  kill(): Promise<boolean>;
}

export type Watched<T> =
  | { settled: true; value: T; timedOut: boolean; interrupted: boolean }
  | { settled: false; timedOut: boolean; interrupted: boolean };

const RETRY_MS = 300;
const KILL_ATTEMPTS = 10;
/** After the first kill, how long to wait for the command to end before giving up on it. */
const GIVE_UP_MS = 10_000;

export function watch<T>(work: Promise<T>, w: Watch): Promise<Watched<T>> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    let interrupted = false;
    let done = false;
    let killing = false;
    let timer: NodeJS.Timeout | undefined;
    let giveUp: NodeJS.Timeout | undefined;
    const finish = () => {
      done = true;
      clearTimeout(timer);
      clearTimeout(giveUp);
      w.signal?.removeEventListener('abort', onAbort);
    };
    const killLoop = async () => {
      if (killing || done) return;
      killing = true;
      giveUp = setTimeout(() => {
        if (done) return;
        finish();
        work.catch(() => undefined); // abandoned: its end no longer matters
        resolve({ settled: false, timedOut, interrupted });
      }, GIVE_UP_MS);
      // The pid file may not be written yet when the limit strikes early: try again.
      for (let i = 0; i < KILL_ATTEMPTS && !done; i++) {
        const delivered = await w.kill().catch(() => false);
        if (delivered || done) return;
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    };
    const onAbort = () => {
      interrupted = true;
      void killLoop();
    };
    if (w.timeoutMs !== undefined && w.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        void killLoop();
      }, w.timeoutMs);
    }
    if (w.signal?.aborted) onAbort();
    else w.signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        if (done) return;
        finish();
        resolve({ settled: true, value, timedOut, interrupted });
      },
      (err: unknown) => {
        if (done) return;
        finish();
        reject(err);
      },
    );
  });
}
