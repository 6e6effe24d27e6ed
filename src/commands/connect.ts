// director connect [--persist 10m]: a background keeper holding one logged-in connection per
// client, which later commands with the same clients file and ssh settings run in. Three
// parts: starting the keeper process (here, in the foreground), the keeper process itself
// (serveKeeper), and, inside it, connecting the selected clients and saying how each went
// (connectKept: also what `connect` does when a keeper already runs).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { EXIT } from '../exit-codes.cjs';
import type { Fleet, HostResult } from '../ssh/fleet.js';
import { Keeper, type Program } from '../keeper/server.js';

export interface ConnectResult {
  pid: number;
  persistMs: number;
  results: HostResult<void>[];
  /** 0 when every selected client is connected. */
  exitCode: number;
}

/** Inside the keeper: every selected client connected (those kept already answer at once). */
export async function connectKept(opts: { persistMs: number }, deps: { fleet: Fleet; persist?: (ms: number) => void }): Promise<ConnectResult> {
  deps.persist?.(opts.persistMs);
  const results = await deps.fleet.run(async () => undefined);
  return { pid: process.pid, persistMs: opts.persistMs, results, exitCode: results.every((r) => r.ok) ? EXIT.ok : EXIT.failed };
}

/** How long the keeper may take to listen. */
const START_WAIT_MS = 15_000;

/**
 * Starts the keeper: this same director, same Node flags and arguments plus `--serve`, detached, its output
 * in `log`. Resolves with its pid once it listens; throws with its last words if it does not.
 */
export async function startKeeper(opts: { bin: string; argv: string[]; log: string }): Promise<number> {
  const fd = openSync(opts.log, 'a', 0o600);
  // With this process's Node flags, as the keeper is director too, but a young generation of
  // 16 MB semi-spaces instead of the shebang's 4: a command's channels live ~0.1–0.2 s, and
  // with small semi-spaces they outlive scavenges and get promoted. Measured on 64 clients:
  // 0.52–0.59 → 0.45–0.46 ms of keeper CPU per command per client, RSS 83 → 105 MB.
  const flags = [...process.execArgv.filter((f) => !f.startsWith('--max-semi-space-size')), '--max-semi-space-size=16'];
  const child = spawn(process.execPath, [...flags, opts.bin, ...opts.argv, '--serve'], {
    detached: true,
    stdio: ['ignore', fd, fd, 'ipc'],
  });
  closeSync(fd);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the keeper did not start within ${START_WAIT_MS / 1000}s`)), START_WAIT_MS);
      child.once('message', (m: { ready?: boolean; failed?: string }) => {
        clearTimeout(timer);
        if (m.ready) resolve();
        else reject(new Error(m.failed ?? 'the keeper failed to start'));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the keeper exited at start (status ${code}): ${lastWords(opts.log)}`));
      });
    });
  } catch (e) {
    child.kill('SIGTERM');
    throw new Error(`${(e as Error).message} (log: ${opts.log})`);
  }
  child.removeAllListeners('exit');
  child.disconnect();
  child.unref();
  return child.pid!;
}

function lastWords(log: string): string {
  try {
    return readFileSync(log, 'utf8').trim().split('\n').slice(-2).join(' / ') || 'nothing in its log';
  } catch {
    return 'no log';
  }
}

/**
 * The keeper process: listens, tells its starter it is ready (over IPC), runs commands until
 * `disconnect`, its idle limit, or SIGTERM/Ctrl-C (`signal`); then every connection is closed.
 */
export async function serveKeeper(spec: { key: string; dir: string; clientsFile: string; persistMs: number; program: Program }, signal: AbortSignal): Promise<number> {
  const keeper = new Keeper(spec);
  try {
    await keeper.start();
  } catch (e) {
    process.send?.({ failed: (e as Error).message });
    throw e;
  }
  process.send?.({ ready: true });
  process.disconnect?.();
  // Nothing of the starter's folder is held: the keeper works in each caller's.
  process.chdir('/');
  const onAbort = () => void keeper.stop();
  signal.addEventListener('abort', onAbort, { once: true });
  await keeper.stopped;
  signal.removeEventListener('abort', onAbort);
  return EXIT.ok;
}
