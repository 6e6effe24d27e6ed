// A throwaway place for local-mode tests: a temp working directory (so .director/local.json
// lands there), a port.conf of free high ports, and cleanup of every process a test started,
// also when the test fails or the run is interrupted.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, isServiceArgv, readArgv, serviceArgs } from '../../src/local/service-process.js';
import { readState, stateFileIn, type LocalState } from '../../src/local/state.js';
import { atExit } from './at-exit.js';
import { runDirector, type CliResult } from './cli.js';
import { Claims } from './claims.js';
import { allPids } from './proc.js';
import { waitUntil } from './wait.js';

/** Test ports live here, away from the real config's 15001-15004. */
const LOW = 15100;
const HIGH = 15499;
/** Claimed across test processes: a port another file of the suite is about to use is not free for this one. */
const ports = new Claims('/var/tmp/director-test-ports');
const handedOut = new Set<number>();

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** `n` ports of the test range that nothing listens on and no other test process holds, not handed to an earlier test. */
export async function freePorts(n: number): Promise<number[]> {
  const pick = async (usable: (port: number) => boolean): Promise<number[]> => {
    const out: number[] = [];
    for (let port = LOW; port <= HIGH && out.length < n; port++) {
      if (usable(port) && ports.claim(port) && (await portFree(port))) out.push(port);
    }
    return out;
  };
  let out = await pick((p) => !handedOut.has(p));
  if (out.length < n) {
    // Reuse this process's own ports: the earlier tests have cleaned up.
    handedOut.clear();
    out = await pick((p) => ports.held(p));
    if (out.length < n) out = await pick(() => true);
  }
  if (out.length < n) throw new Error(`only ${out.length} free ports in ${LOW}-${HIGH}`);
  for (const p of out) handedOut.add(p);
  return out;
}

const live = new Set<LocalEnv>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  atExit(() => {
    for (const env of live) env.killAll();
  });
}

export class LocalEnv {
  readonly portsFile: string;
  private helpers = new Set<ChildProcess>();

  private constructor(
    readonly dir: string,
    readonly ports: number[],
  ) {
    this.portsFile = join(dir, 'port.conf');
    this.writePorts(ports);
  }

  static async create(count: number): Promise<LocalEnv> {
    hookExit();
    const env = new LocalEnv(mkdtempSync(join(tmpdir(), 'director-local-')), await freePorts(count));
    live.add(env);
    return env;
  }

  /** Rewrites port.conf (e.g. to ping a port that was never started). */
  writePorts(ports: readonly number[], file = this.portsFile): string {
    writeFileSync(file, `# test ports\n${ports.join('\n')}\n`);
    return file;
  }

  run(args: string[], timeoutMs = 30_000): Promise<CliResult> {
    return runDirector(['--ports', this.portsFile, ...args], { cwd: this.dir, timeoutMs });
  }

  get stateFile(): string {
    return stateFileIn(this.dir);
  }

  state(): LocalState {
    return readState(this.stateFile);
  }

  /**
   * A service process started by the test itself (not through start_local); `maxFiles` caps its
   * open files (prlimit execs the service, so the pid is the service's).
   */
  spawnService(port: number, extra: string[] = [], maxFiles?: number): ChildProcess {
    const [module, ...rest] = serviceArgs(port);
    const argv = [process.execPath, module ?? '', ...rest, ...extra];
    const [cmd, ...args] = maxFiles === undefined ? argv : ['prlimit', `--nofile=${maxFiles}:${maxFiles}`, ...argv];
    const child = spawn(cmd!, args, { stdio: 'ignore' });
    this.helpers.add(child);
    return child;
  }

  /** Any other helper process, killed at cleanup. */
  spawnHelper(cmd: string, args: string[]): ChildProcess {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    this.helpers.add(child);
    return child;
  }

  /** pids of director service processes on this env's ports, found in /proc. */
  servicePids(): number[] {
    const out: number[] = [];
    for (const pid of allPids()) {
      const argv = readArgv(pid);
      if (argv && isAlive(pid) && this.ports.some((p) => isServiceArgv(argv, p))) out.push(pid);
    }
    return out;
  }

  /** SIGKILL every service on our ports and every helper. Synchronous, for exit handlers. */
  killAll(): void {
    for (const pid of this.servicePids()) signal(pid, 'SIGKILL');
    for (const h of this.helpers) if (h.pid !== undefined && h.exitCode === null) signal(h.pid, 'SIGKILL');
  }

  async cleanup(): Promise<void> {
    this.killAll();
    await waitUntil(() => this.servicePids().length === 0, 5000, 'services gone at cleanup');
    live.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

/** Runs a test body in a fresh env and always cleans up. */
export async function withEnv(count: number, body: (env: LocalEnv) => Promise<void>): Promise<void> {
  const env = await LocalEnv.create(count);
  try {
    await body(env);
  } finally {
    await env.cleanup();
  }
}
