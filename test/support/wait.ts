// Waiting for a state instead of sleeping a fixed time: poll until it holds, fail with a
// message when it does not within `ms`.

/** Polls `check` until true; fails with `what` after `ms`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, ms: number, what: string, everyMs = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
