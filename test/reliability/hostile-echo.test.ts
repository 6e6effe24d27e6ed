// The echo service that `director start` runs on clients (src/services/echo/: node, python3 and
// perl programs), against the hostile clients of the local service's suite
// (hostile-local.test.ts): binary garbage, oversize lines, floods of bytes and of connections,
// hang-ups, trickled bytes, half-close, a client that never reads, a file limit. Each program
// runs here under its interpreter, as a client would run it; after each abuse it is alive and
// answers a fresh client exactly as the local service does.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SLOW_REPLY } from '../../src/local/protocol.js';
import { echoCommand, echoProgram, type Interpreter } from '../../src/services/echo/programs.js';
import { atExit } from '../support/at-exit.js';
import { freePorts } from '../support/local-env.js';
import { floodWithoutNewline, halfClose, hangUps, idleClients, openMany, pingEach, pingOnce, rawClient } from '../support/local-socket.js';
import { openFiles, peakRssMB } from '../support/proc.js';
import { record } from '../support/reliability.js';
import { within } from '../support/timeout.js';
import { waitUntil } from '../support/wait.js';

const TEST = 'test/reliability/hostile-echo.test.ts';
const BIN: Record<Interpreter, string> = { node: process.execPath, python3: '/usr/bin/python3', perl: '/usr/bin/perl' };
const children = new Set<ChildProcess>();
atExit(() => children.forEach((c) => c.kill('SIGKILL')));

interface Svc {
  port: number;
  pid: number;
  child: ChildProcess;
}

/** The program under its interpreter, as the service's command runs it; ready once it answers. */
async function serve(interpreter: Interpreter, idleMs: number, maxFiles?: number): Promise<Svc> {
  const [port] = (await freePorts(1)) as [number];
  const program = echoProgram(interpreter);
  // The command director records, with the program read from the source tree instead of ./.
  const words = echoCommand(program, '127.0.0.1', [port], idleMs).replace(/^exec \S+ \.\/\S+ /, '').split(' ');
  const argv = [BIN[interpreter], program.path, ...words];
  const [cmd, ...args] = maxFiles === undefined ? argv : ['prlimit', `--nofile=${maxFiles}:${maxFiles}`, ...argv];
  const child = spawn(cmd!, args, { stdio: 'ignore' });
  children.add(child);
  await waitUntil(
    async () => {
      try {
        const c = await rawClient(port, 500);
        c.write('ping\n');
        const [line] = await c.lines(1, 500);
        c.destroy();
        return line === `Echo sent from 127.0.0.1:${port}`;
      } catch {
        return false;
      }
    },
    10_000,
    `${interpreter} echo on ${port}`,
    50,
  );
  return { port, pid: child.pid!, child };
}

async function stillServing(s: Svc): Promise<number> {
  const { reply, ms } = await pingOnce(s.port);
  assert.is(reply, `Echo sent from 127.0.0.1:${s.port}`);
  assert.is(s.child.exitCode, null, 'the service died');
  return ms;
}

function stop(s: Svc): void {
  s.child.kill('SIGKILL');
  children.delete(s.child);
}

/** Each abuse, run against one fresh service of the interpreter; returns a figure for the row. */
const CASES: Array<[string, (i: Interpreter) => Promise<string>]> = [
  [
    'requests as the local service answers them: several per connection, case and blanks forgiven, stat, unknown, empty, garbage escaped',
    async (i) => {
      const s = await serve(i, 5000);
      const c = await rawClient(s.port);
      c.write('ping\r\n  PING \nstat\nfrobnicate now\n\n');
      c.write(Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x5c, 0x0a]));
      c.write(`${'x'.repeat(4096)}\n`);
      const [a, b, stat, unknown, empty, garbage, long] = await c.lines(7);
      assert.is(a, `Echo sent from 127.0.0.1:${s.port}`);
      assert.is(b, a);
      const st = JSON.parse(stat ?? '{}') as Record<string, unknown>;
      assert.equal([st['service'], st['interpreter'], st['port'], st['pid']], ['director-echo', i, s.port, s.pid]);
      assert.type(st['memoryMB'], 'number');
      assert.is(unknown, 'ERR unknown command: frobnicate now');
      assert.is(empty, 'ERR empty request');
      assert.is(garbage, 'ERR unknown command: \\x00\\xff\\xfe\\x1b[2J\\\\');
      assert.match(long ?? '', /^ERR unknown command: x{80}\.\.\.$/);
      c.destroy();
      stop(s);
      return 'protocol';
    },
  ],
  [
    'a line of 4097 bytes: ERR line too long, connection closed; 8 MB without a newline: cut off, not buffered',
    async (i) => {
      const s = await serve(i, 5000);
      const big = await rawClient(s.port);
      big.write('ping\n');
      big.write('y'.repeat(4097));
      await big.closed();
      assert.equal(big.received().split('\n'), [`Echo sent from 127.0.0.1:${s.port}`, 'ERR line too long (over 4096 bytes)', '']);
      const before = peakRssMB(s.pid);
      assert.match(await floodWithoutNewline(s.port), /^ERR line too long/);
      await stillServing(s);
      const peak = peakRssMB(s.pid);
      assert.ok(peak - before < 40, `peak RSS grew ${before} -> ${peak} MB`);
      stop(s);
      return `8 MB flood: peak RSS ${peak} MB`;
    },
  ],
  [
    'hang-ups and resets mid-line, 20 times: no harm',
    async (i) => {
      const s = await serve(i, 5000);
      await hangUps(s.port);
      const ms = await stillServing(s);
      stop(s);
      return `fresh client after 20 hang-ups in ${ms} ms`;
    },
  ],
  [
    'silent, partial and trickling clients closed at the idle timeout; a busy client ending mid-line is not',
    async (i) => {
      const idle = 700;
      const s = await serve(i, idle);
      const idlers = await idleClients(s.port);
      const { silent, partial, trickle, at } = idlers;
      const busy = await rawClient(s.port);
      busy.write('pi');
      // Meanwhile a busy client writes for 1 s, each write ending one request and starting the next.
      const busyDone = (async () => {
        for (let k = 0; k < 10; k++) {
          await new Promise((r) => setTimeout(r, 100));
          busy.write('ng\npi');
        }
        busy.write('ng\n');
        return busy.lines(11);
      })();
      try {
        // Each close is timed when it happens, from before its client's connect.
        const times = await within(
          idle * 8,
          'the idle clients closed',
          Promise.all(
            [silent, partial, trickle].map(
              (c, k) => new Promise<number>((ok) => (c.socket.closed ? ok(Date.now() - at[k]!) : c.socket.once('close', () => ok(Date.now() - at[k]!)))),
            ),
          ),
        );
        assert.is(silent.received(), 'ERR idle timeout\n');
        assert.is(partial.received(), 'ERR idle timeout\n');
        assert.is(trickle.received(), `${SLOW_REPLY}\n`);
        for (const ms of times) assert.ok(ms >= idle - 50, `closed after ${ms} ms, before the idle timeout`);
        const replies = await busyDone;
        assert.is(replies.filter((l) => l.startsWith('ERR')).length, 0, replies.join('\n'));
        await stillServing(s);
        return `closed after ${times.join(' / ')} ms; busy client 11/11 answered`;
      } finally {
        idlers.stop();
        busy.destroy();
        stop(s);
      }
    },
  ],
  [
    'a client that shuts its write side, mid-line or after a request: answered, closed at once',
    async (i) => {
      const s = await serve(i, 5000);
      assert.is((await halfClose(s.port, 'pin')).received, '');
      assert.is((await halfClose(s.port, 'ping\n')).received, `Echo sent from 127.0.0.1:${s.port}\n`);
      await stillServing(s);
      stop(s);
      return 'half-close';
    },
  ],
  [
    '2000 connections at once: each answered, a fresh client served meanwhile, all closed by the idle timeout',
    async (i) => {
      const idle = 3000;
      const s = await serve(i, idle);
      const conns = await openMany(s.port, 2000);
      try {
        const { answered, closed } = await pingEach(conns, `Echo sent from 127.0.0.1:${s.port}`, 30_000);
        assert.is(answered, 2000);
        const fresh = await stillServing(s);
        await waitUntil(() => closed() === 2000, idle + 20_000, `idle connections closed (${closed()}/2000)`);
        return `2000/2000 answered, fresh client in ${fresh} ms, all closed by the idle timeout`;
      } finally {
        for (const so of conns) so.destroy();
        stop(s);
      }
    },
  ],
  [
    '2000 connections against a limit of 256 open files: no crash, serving again once they go',
    async (i) => {
      const s = await serve(i, 2000, 256);
      const conns: Socket[] = [];
      for (let k = 0; k < 2000; k++) {
        const so = connect({ host: '127.0.0.1', port: s.port });
        so.on('error', () => undefined);
        conns.push(so);
      }
      await waitUntil(() => openFiles(s.pid) >= 256 - 12 || s.child.exitCode !== null, 20_000, 'the service out of file descriptors');
      assert.is(s.child.exitCode, null, 'the service died when it ran out of file descriptors');
      const t0 = Date.now();
      for (const so of conns) so.destroy();
      await waitUntil(
        async () => {
          try {
            await stillServing(s);
            return true;
          } catch {
            return false;
          }
        },
        15_000,
        'answering again after the flood',
      );
      const ms = Date.now() - t0;
      stop(s);
      return `answering again ${ms} ms after the flood`;
    },
  ],
  [
    'a client that sends 2 million pings and reads nothing is paused, not buffered for',
    async (i) => {
      const s = await serve(i, 5000);
      const c = await rawClient(s.port);
      c.socket.pause();
      c.write('ping\n'.repeat(2_000_000));
      const rss = () => peakRssMB(s.pid);
      // The service stops reading once its replies wait unread: its memory stops growing.
      let last = -1;
      await waitUntil(
        () => {
          const now = rss();
          const flat = now === last;
          last = now;
          return flat;
        },
        20_000,
        'memory flat',
        500,
      );
      const peak = rss();
      await stillServing(s);
      c.destroy();
      stop(s);
      return `peak RSS ${peak} MB while unread`;
    },
  ],
];

const figures = new Map<Interpreter, string[]>();
for (const interpreter of ['node', 'python3', 'perl'] as const) {
  for (const [name, body] of CASES) {
    test(`echo (${interpreter}): ${name}`, async () => {
      if (!existsSync(BIN[interpreter])) return console.log(`  (skipped: no ${interpreter} here)`);
      figures.set(interpreter, [...(figures.get(interpreter) ?? []), await body(interpreter)]);
    });
  }
  test(`echo (${interpreter}): the record`, () => {
    const done = figures.get(interpreter) ?? [];
    if (done.length !== CASES.length) return;
    record({
      id: `echo-hostile-${interpreter}`,
      area: 'hostile',
      case: `echo service of director start run by ${interpreter}: garbage, 4097-byte line, 8 MB flood, hang-ups, idle/trickling/half-closed clients, 2000 connections, 256-file limit, a client that never reads`,
      does: 'answers as the local service does (same replies, escapes, limits and timeouts), stays alive and serves a fresh client after each',
      figure: `${done.length}/${CASES.length} cases; ${done.filter((f) => /RSS|answered|again/.test(f)).join('; ')}`,
      test: TEST,
    });
  });
}

test.run();
