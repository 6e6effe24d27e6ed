// A reader that goes away (`director exec -- uname | head -1`) closes director's stdout, and
// the next write fails with EPIPE (Node ignores SIGPIPE itself). That must not be a stack
// trace: the command stops as on Ctrl-C (remote commands stopped, records written), prints
// nothing more, and exits 141 as a program killed by SIGPIPE would.
type Watched = NodeJS.WritableStream & { destroyed?: boolean };

/** Calls `onClosed` once when a write to any of `streams` fails; returns the unwatch. */
export function watchClosedOutput(streams: readonly Watched[], onClosed: (e: NodeJS.ErrnoException) => void): () => void {
  let told = false;
  // Any write error means the output is gone (EPIPE; EIO from a terminal that closed): an
  // 'error' with no listener would crash the process, so every stream keeps this one.
  const onError = (e: NodeJS.ErrnoException) => {
    if (told) return;
    told = true;
    onClosed(e);
  };
  for (const s of streams) s.on('error', onError);
  return () => {
    // The listener stays: a write still queued when the command ends may fail after it.
    told = true;
  };
}
