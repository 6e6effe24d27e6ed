// The connection keeper: a background process holding one logged-in connection per client
// (a SessionPool) and running director commands for other director processes of the same
// user over a Unix socket. A command runs here exactly as it would there: the caller's argv
// goes through the same commander program, in the caller's folder and environment, its
// streams and Ctrl-C relayed (served.ts). One command at a time (cwd and environment are the
// process's); a caller that finds the keeper busy runs its command directly.
//
// Who may connect: the socket (0600) sits in the user's 0700 folder, so another user cannot
// reach it; and a caller must present the token of the keeper's card, a 0600 file only the
// same user can read. (Node has no SO_PEERCRED; the token is what proves the caller's user.)
import { timingSafeEqual, randomBytes } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { serveNext } from '../cli/caller.js';
import { EXIT } from '../exit-codes.cjs';
import { writePrivateFile } from '../private-file.js';
import { SessionPool, type KeptStatus } from '../ssh/session-pool.js';
import { listening } from './client.cjs';
import { FrameReader, jsonFrame, KIND, type Frame, type Hello, type Refusal } from './frames.cjs';
import { buildId, keeperPaths, removeKeeperFiles, type KeeperCard, type KeeperPaths } from './place.cjs';
import { ServedRequest } from './served.js';

/** A connection that says nothing for this long is dropped. */
const HELLO_WAIT_MS = 5000;

/** What parses and runs a command line: bin/program.ts's commander program. */
export interface Program {
  parseAsync(argv: string[], opts: { from: 'user' }): Promise<unknown>;
}

export interface KeeperSpec {
  key: string;
  dir: string;
  clientsFile: string;
  /** Idle time before the keeper leaves (0: until disconnect). */
  persistMs: number;
  program: Program;
}

/** What `status --keeper` shows. */
export interface KeeperReport {
  pid: number;
  key: string;
  clientsFile: string;
  startedAt: number;
  persistMs: number;
  /** Since the last command ended (0 while one runs). */
  idleMs: number;
  busy: boolean;
  commands: number;
  alive: number;
  clients: KeptStatus[];
}

export class Keeper {
  readonly pool = new SessionPool();
  readonly paths: KeeperPaths;
  private readonly token = randomBytes(24).toString('hex');
  /** The build this keeper runs, as it was when it started. */
  private readonly build = buildId();
  private readonly startedAt = Date.now();
  private server: Server | undefined;
  private current: { request: ServedRequest; done: Promise<void> } | undefined;
  private idle: NodeJS.Timeout | undefined;
  private lastEnd = Date.now();
  private commands = 0;
  private persistMs: number;
  private stopping: Promise<void> | undefined;
  private resolveStopped!: () => void;
  /** Resolves once the keeper has stopped: connections closed, files removed. */
  readonly stopped = new Promise<void>((r) => (this.resolveStopped = r));

  constructor(private readonly spec: KeeperSpec) {
    this.paths = keeperPaths(spec.dir, spec.key);
    this.persistMs = spec.persistMs;
  }

  /** Listens on the socket and writes the card; refuses when a live keeper has that key already. */
  async start(): Promise<void> {
    if (await listening(this.paths.socket)) throw new Error(`a keeper for these clients already listens on ${this.paths.socket}`);
    rmSync(this.paths.socket, { force: true }); // a stale one
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.paths.socket, () => resolve());
    });
    chmodSync(this.paths.socket, 0o600);
    this.server = server;
    const card: KeeperCard = {
      pid: process.pid,
      token: this.token,
      key: this.spec.key,
      clientsFile: this.spec.clientsFile,
      startedAt: this.startedAt,
      persistMs: this.persistMs,
      build: this.build,
    };
    writePrivateFile(this.paths.card, JSON.stringify(card));
    this.armIdle();
  }

  /** `connect --persist` again: the idle time from now on. */
  setPersist(ms: number): void {
    this.persistMs = ms;
  }

  /** Stops taking commands, stops the running one (its remote commands killed), closes every connection. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearTimeout(this.idle);
      this.server?.close();
      removeKeeperFiles(this.paths);
      if (this.current) {
        this.current.request.abort();
        await this.current.done;
      }
      this.pool.close();
      this.resolveStopped();
    })();
    return this.stopping;
  }

  report(): KeeperReport {
    return {
      pid: process.pid,
      key: this.spec.key,
      clientsFile: this.spec.clientsFile,
      startedAt: this.startedAt,
      persistMs: this.persistMs,
      idleMs: this.current ? 0 : Date.now() - this.lastEnd,
      busy: this.current !== undefined,
      commands: this.commands,
      alive: this.pool.alive,
      clients: this.pool.status(),
    };
  }

  private armIdle(): void {
    clearTimeout(this.idle);
    if (this.persistMs > 0) this.idle = setTimeout(() => void this.stop(), this.persistMs);
  }

  private accept(socket: Socket): void {
    const reader = new FrameReader();
    let request: ServedRequest | undefined;
    let greeted = false;
    const quiet = setTimeout(() => socket.destroy(), HELLO_WAIT_MS);
    socket.on('error', () => undefined);
    socket.on('close', () => clearTimeout(quiet));
    socket.on('data', (d: Buffer) => {
      let frames: Frame[];
      try {
        frames = reader.push(d);
      } catch {
        return socket.destroy();
      }
      for (const f of frames) {
        if (request) request.take(f);
        else if (greeted || f.kind !== KIND.hello) return socket.destroy();
        else {
          greeted = true;
          clearTimeout(quiet);
          request = this.greet(socket, f);
        }
      }
    });
  }

  /** The first frame: who is asking, and for what. */
  private greet(socket: Socket, f: Frame): ServedRequest | undefined {
    let hello: Hello;
    try {
      hello = JSON.parse(f.payload.toString('utf8')) as Hello;
    } catch {
      socket.destroy();
      return undefined;
    }
    if (!this.tokenMatches(hello.token)) return refuse(socket, { why: 'not this keeper\'s token (another user, or an old card)' });
    if (hello.kind === 'status') {
      socket.end(jsonFrame(KIND.answer, this.report()));
      return undefined;
    }
    if (hello.kind === 'stop') {
      socket.end(jsonFrame(KIND.answer, { pid: process.pid, connections: this.pool.alive }));
      void this.stop();
      return undefined;
    }
    if (hello.build !== this.build) return refuse(socket, { why: 'another build of director' });
    if (this.current || this.stopping) return refuse(socket, { why: 'busy with another command', busy: true });
    const taking = { key: this.spec.key, sentAt: Number(hello.sentAt), onAccepted: () => clearTimeout(this.idle) };
    const request = new ServedRequest(socket, hello.tty, { pool: this.pool, persist: (ms) => this.setPersist(ms) }, taking);
    const done = this.run(socket, hello, request);
    this.current = { request, done };
    return request;
  }

  private tokenMatches(token: unknown): boolean {
    const want = Buffer.from(this.token);
    const got = Buffer.from(typeof token === 'string' ? token : '');
    return got.length === want.length && timingSafeEqual(got, want);
  }

  private async run(socket: Socket, hello: Extract<Hello, { kind: 'run' }>, request: ServedRequest): Promise<void> {
    let restore: (() => void) | undefined;
    // Accepted only once the command's action has checked its options against this keeper
    // (served.ts admit): a help, a usage error or another clients file is refused untouched,
    // and the caller parses and runs it itself.
    let refusal = 'not a command this keeper runs';
    try {
      restore = enter(hello);
      serveNext(request);
      await this.spec.program.parseAsync(hello.argv, { from: 'user' });
    } catch (e) {
      const why = (e as Error)?.message ?? String(e);
      if (restore === undefined) refusal = `cannot work in ${hello.cwd}: ${why}`;
      else if (!request.accepted) refusal = why;
      else {
        request.io.stderr.write(`director: ${why}\n`);
        request.finish(EXIT.failed);
      }
    } finally {
      serveNext(undefined);
      restore?.();
    }
    // Only a command it ran counts as use: a refused one leaves the idle time running.
    if (!request.accepted) {
      this.current = undefined;
      if (!socket.destroyed) refuse(socket, { why: refusal });
      return;
    }
    await request.end();
    this.commands++;
    this.lastEnd = Date.now();
    this.current = undefined;
    if (!this.stopping) this.armIdle();
  }
}

function refuse(socket: Socket, r: Refusal): undefined {
  socket.end(jsonFrame(KIND.refused, r));
  return undefined;
}

/**
 * The caller's folder, environment and argv become this process's for the command (what the
 * command code reads, as it would in the caller's own process); the returned function puts
 * the keeper's back.
 */
function enter(hello: Extract<Hello, { kind: 'run' }>): () => void {
  const saved = { argv: process.argv, cwd: process.cwd(), env: { ...process.env } };
  process.chdir(hello.cwd);
  replaceEnv(hello.env);
  process.argv = [saved.argv[0] ?? process.execPath, saved.argv[1] ?? 'director', ...hello.argv];
  return () => {
    process.argv = saved.argv;
    replaceEnv(saved.env);
    process.chdir(saved.cwd);
  };
}

function replaceEnv(next: Record<string, string | undefined>): void {
  for (const k of Object.keys(process.env)) if (!(k in next)) delete process.env[k];
  for (const [k, v] of Object.entries(next)) if (v !== undefined && process.env[k] !== v) process.env[k] = v;
}
