// The director process's side of the keeper, run before anything else is loaded (bin): hand
// the command line (argv, cwd, environment, terminal facts) to a keeper of this user, then
// relay its stdout and stderr here, this process's standard input when the command reads it,
// Ctrl-C and SIGTERM there, and its exit status back. The keeper decides whether the command
// is one it runs with its clients and settings (it parses the argv with the same program and
// computes the same key); until it accepts, anything amiss (no keeper, a stale socket, busy,
// other settings, a bad command line) means: run the command here. After it accepted, the
// command is never run twice: a keeper that goes away mid-command is an error.
// This path decides how fast a warm command starts: no commander, no ssh2, no hashing here.
import { connect, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { isatty } from 'node:tty';
import { EXIT } from '../exit-codes.cjs';
import { ANSWER_WAIT_MS, FrameReader, jsonFrame, frame, KIND, monotonicMs, parseJson, type Frame, type Hello, type Refusal } from './frames.cjs';
import { buildId, listCards, ownedFile, privateKeeperDir, type KeeperCard, type KeeperPaths } from './place.cjs';

/** A keeper that does not accept a connection at once is not there. */
const CONNECT_WAIT_MS = 2000;

export interface FoundKeeper {
  paths: KeeperPaths;
  card: KeeperCard;
}

/** Words that never go to a keeper: help and version are printed here, --no-keeper says so. */
const NOT_KEPT = new Set(['-h', '--help', '-V', '--version', '--no-keeper']);

/** Might a keeper run this command line? (The keeper decides; this only spares it the obvious.) */
export function keeperWanted(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  const off = env['DIRECTOR_NO_KEEPER'];
  if (off !== undefined && off !== '' && off !== '0') return false;
  const end = argv.indexOf('--');
  const words = end === -1 ? argv : argv.slice(0, end);
  return words.length > 0 && words[0] !== 'help' && !words.some((w) => NOT_KEPT.has(w));
}

/**
 * This user's keepers of this build whose card and socket are the user's own; first those
 * kept for the clients file this command line seems to name (each other one costs a refusal).
 */
export function keepers(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = [], cwd = process.cwd()): FoundKeeper[] {
  const dir = privateKeeperDir(env);
  if (dir === undefined) return [];
  const build = buildId();
  const likely = likelyClientsFiles(argv, env, cwd);
  const rank = (k: FoundKeeper) => {
    const at = likely.indexOf(k.card.clientsFile);
    return at === -1 ? likely.length : at;
  };
  const mine = listCards(dir).filter((k) => k.card.build === build && ownedFile(k.paths.card) && ownedFile(k.paths.socket));
  return mine.sort((a, b) => rank(a) - rank(b));
}

/** Where the clients file may be (-c, else DIRECTOR_CLIENTS, else ./config): an order to try keepers in, not a decision. */
function likelyClientsFiles(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): string[] {
  const named: string[] = [];
  argv.forEach((w, i) => {
    if ((w === '-c' || w === '--clients') && argv[i + 1] !== undefined) named.push(argv[i + 1]!);
    else if (w.startsWith('--clients=')) named.push(w.slice('--clients='.length));
  });
  const fromEnv = env['DIRECTOR_CLIENTS'];
  if (fromEnv !== undefined && fromEnv !== '') named.push(fromEnv);
  named.push(join('config', 'clients.conf'));
  return named.map((f) => resolve(cwd, f));
}

/**
 * Runs `argv` (the words after `director`) in the first keeper that takes it. Resolves with
 * the exit status, or undefined when the command should run here instead.
 */
export async function viaKeeper(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number | undefined> {
  if (!keeperWanted(argv, env)) return undefined;
  for (const found of keepers(env, argv)) {
    const code = await runIn(found, argv);
    if (code !== undefined) return code;
  }
  return undefined;
}

/** Runs `argv` in this keeper: its exit status, or undefined when it did not take the command. */
export async function runIn(found: FoundKeeper, argv: string[]): Promise<number | undefined> {
  const socket = await open(found.paths.socket);
  if (socket === undefined) return undefined;
  const hello: Hello = {
    kind: 'run',
    token: found.card.token,
    build: buildId(),
    sentAt: monotonicMs(),
    argv,
    cwd: process.cwd(),
    env: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined)),
    tty: {
      // isatty, not process.stdin: that stream is made only if the command reads it.
      stdin: isatty(0),
      stdout: process.stdout.isTTY === true,
      stderr: process.stderr.isTTY === true,
      columns: process.stdout.columns ?? process.stderr.columns,
    },
  };
  socket.write(jsonFrame(KIND.hello, hello));
  return relay(socket, found.card.pid);
}

/** Asks a keeper a question (status, stop); undefined when it does not answer. */
export async function askKeeper<T>(paths: KeeperPaths, card: KeeperCard, kind: 'status' | 'stop', waitMs = 5000): Promise<T | undefined> {
  const socket = await open(paths.socket);
  if (socket === undefined) return undefined;
  socket.write(jsonFrame(KIND.hello, { kind, token: card.token } satisfies Hello));
  return new Promise<T | undefined>((resolve) => {
    const reader = new FrameReader();
    const done = (v: T | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), waitMs);
    socket.on('data', (d: Buffer) => {
      try {
        const answer = reader.push(d).find((f) => f.kind === KIND.answer);
        if (answer) done(parseJson<T>(answer));
      } catch {
        done(undefined);
      }
    });
    socket.on('close', () => done(undefined));
    socket.on('error', () => done(undefined));
  });
}

/** Does something accept connections on this socket? */
export async function listening(path: string): Promise<boolean> {
  const socket = await open(path);
  socket?.destroy();
  return socket !== undefined;
}

function open(path: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const fail = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(undefined);
    };
    const timer = setTimeout(fail, CONNECT_WAIT_MS);
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

/** After the hello: the keeper's answer, then the command's streams until its exit status. */
function relay(socket: Socket, pid: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const reader = new FrameReader();
    let accepted = false;
    let settled = false;
    let interrupts = 0;
    let readingStdin = false;
    const onSignal = (by: 'SIGINT' | 'SIGTERM') => {
      interrupts++;
      // The second one means "now", as it does without a keeper; the keeper still stops the remote commands.
      if (interrupts > 1 || !accepted) {
        socket.destroy();
        process.exit(by === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
      }
      socket.write(jsonFrame(KIND.abort, { by }));
    };
    const onInt = () => onSignal('SIGINT');
    const onTerm = () => onSignal('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    // A keeper that says nothing (stopped, stuck) is not waited for: past ADMIT_WITHIN_MS it
    // would refuse this command anyway, so after ANSWER_WAIT_MS it runs here. The check waits
    // one turn of the event loop, so an answer already on the socket is read first.
    const silence = setTimeout(
      () =>
        setImmediate(() => {
          if (accepted || settled) return;
          if (process.env['DIRECTOR_DEBUG']) process.stderr.write(`director: keeper pid ${pid} did not answer within ${ANSWER_WAIT_MS / 1000}s: running directly\n`);
          settle(undefined);
        }),
      ANSWER_WAIT_MS,
    );
    const settle = (code: number | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(silence);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (readingStdin) process.stdin.pause();
      socket.destroy();
      resolve(code);
    };
    // Our reader went away (`| head`): the command stops as it would here, silently, exit 141.
    let outputClosed = false;
    const onOutputError = () => {
      if (outputClosed) return;
      outputClosed = true;
      // No 'drain' will come from a closed stdout: read on (and drop) until the exit status.
      socket.resume();
      if (!socket.destroyed) socket.write(jsonFrame(KIND.abort, { by: 'SIGPIPE' }));
    };
    process.stdout.on('error', onOutputError);
    process.stderr.on('error', onOutputError);
    const write = (out: NodeJS.WriteStream, data: Buffer) => {
      if (outputClosed) return;
      // The keeper waits for us: a slow terminal slows the command down, as it would here.
      if (!out.write(data)) {
        socket.pause();
        out.once('drain', () => socket.resume());
      }
    };
    const sendStdin = () => {
      readingStdin = true;
      process.stdin.on('data', (d: Buffer) => {
        if (!socket.write(frame(KIND.stdin, d))) {
          process.stdin.pause();
          socket.once('drain', () => process.stdin.resume());
        }
      });
      process.stdin.on('end', () => socket.write(frame(KIND.stdinEnd)));
      process.stdin.on('error', () => socket.write(frame(KIND.stdinEnd)));
      process.stdin.resume();
    };
    const onFrame = (f: Frame) => {
      if (f.kind === KIND.accepted) {
        accepted = true;
        clearTimeout(silence);
      }
      else if (f.kind === KIND.refused) {
        const r = parseJson<Refusal>(f);
        if (process.env['DIRECTOR_DEBUG']) process.stderr.write(`director: keeper refused (${r.why}): running directly\n`);
        settle(undefined);
      } else if (f.kind === KIND.stdout) write(process.stdout, f.payload);
      else if (f.kind === KIND.stderr) write(process.stderr, f.payload);
      else if (f.kind === KIND.wantStdin) sendStdin();
      else if (f.kind === KIND.exit) settle(parseJson<{ code: number }>(f).code);
    };
    socket.on('data', (d: Buffer) => {
      try {
        for (const f of reader.push(d)) onFrame(f);
      } catch (e) {
        lost(`its answer was garbled (${(e as Error).message})`);
      }
    });
    const lost = (why: string) => {
      if (settled) return;
      if (!accepted) return settle(undefined);
      process.stderr.write(`director: the connection keeper (pid ${pid}) went away during the command (${why}); what the clients did is unknown\n`);
      settle(EXIT.failed);
    };
    socket.on('error', (e) => lost(e.message));
    socket.on('close', () => lost('its socket closed'));
  });
}
