// Local mode through the CLI, as a person uses it: start_local, ping, shutdown_local, in a
// temp working directory with a port.conf of free high ports.
import { spawn } from 'node:child_process';
import { statSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isAlive, isOurService } from '../../src/local/service-process.js';
import { queryStat } from '../../src/local/supervisor.js';
import { DIRECTOR_BIN } from '../support/cli.js';
import { withEnv, type LocalEnv } from '../support/local-env.js';
import { unsignalled } from '../support/proc.js';
import { waitUntil } from '../support/wait.js';
import { within } from '../support/timeout.js';

const started = (port: number) => `Service started @ 127.0.0.1:${port}`;
const echoed = (port: number) => new RegExp(`^Client 127\\.0\\.0\\.1:${port}: Echo sent from 127\\.0\\.0\\.1:${port} \\(\\d+\\.\\d\\d ms\\)$`);
const lines = (text: string) => text.split('\n').filter((l) => l !== '');

function writeState(env: LocalEnv, services: Array<{ port: number; pid: number }>): void {
  mkdirSync(dirname(env.stateFile), { recursive: true });
  const entries = services.map((s) => ({ ...s, startedAt: new Date().toISOString() }));
  writeFileSync(env.stateFile, JSON.stringify({ version: 1, services: entries }));
}

function exited(pid: number | undefined): Promise<void> {
  return waitUntil(() => pid === undefined || !isAlive(pid), 5000, `pid ${pid} exits`);
}

test('start → ping → shutdown: every port served, then every process gone and the state cleared', () =>
  withEnv(3, async (env) => {
    const start = await env.run(['start_local']);
    assert.is(start.code, 0, start.stdout + start.stderr);
    assert.equal(lines(start.stdout), env.ports.map(started));

    const state = env.state();
    assert.equal(state.services.map((s) => s.port), env.ports);
    for (const s of state.services) {
      assert.ok(isOurService(s.pid, s.port), `pid ${s.pid} is not a service on ${s.port}`);
      assert.ok(!Number.isNaN(Date.parse(s.startedAt)));
    }
    assert.is(statSync(env.stateFile).mode & 0o777, 0o600);

    const ping = await env.run(['ping']);
    assert.is(ping.code, 0, ping.stdout + ping.stderr);
    const got = lines(ping.stdout);
    assert.is(got.length, env.ports.length);
    env.ports.forEach((port, i) => assert.match(got[i] ?? '', echoed(port)));

    const stop = await env.run(['shutdown_local']);
    assert.is(stop.code, 0, stop.stdout + stop.stderr);
    assert.equal(lines(stop.stdout), env.ports.map((p) => `Client 127.0.0.1:${p} stopped`));
    for (const s of state.services) assert.not.ok(isAlive(s.pid), `pid ${s.pid} still alive`);
    assert.equal(env.servicePids(), []);
    assert.not.ok(existsSync(env.stateFile), 'state file left behind');

    const again = await env.run(['shutdown_local']);
    assert.is(again.code, 0);
    assert.match(again.stdout, /No local services running\./);

    const down = await env.run(['ping']);
    assert.is(down.code, 1);
    assert.equal(lines(down.stdout), env.ports.map((p) => `Client 127.0.0.1:${p}: DOWN (connection refused)`));
  }),
);

test('hyphenated aliases; starting again reports "already running" for each port and exits 1', () =>
  withEnv(2, async (env) => {
    assert.is((await env.run(['start-local'])).code, 0);
    const pids = env.state().services.map((s) => s.pid);
    const again = await env.run(['start-local']);
    assert.is(again.code, 1);
    assert.equal(
      lines(again.stdout),
      env.ports.map((p, i) => `Service 127.0.0.1:${p} already running (pid ${pids[i]})`),
    );
    assert.equal(env.state().services.map((s) => s.pid), pids, 'state changed');
    const json = await env.run(['--json', 'start_local']);
    assert.is(json.code, 1);
    const doc = JSON.parse(json.stdout) as { command: string; ok: boolean; clients: Array<{ port: number; state: string; pid: number }> };
    assert.equal(
      doc.clients.map((s) => [s.port, s.state, s.pid]),
      env.ports.map((p, i) => [p, 'already-running', pids[i]]),
    );
    assert.is(doc.ok, false);
    const stop = await env.run(['shutdown-local']);
    assert.is(stop.code, 0);
    for (const pid of pids) await exited(pid);
  }),
);

test('a busy port is reported, the other ports still start, exit 1; ping says timeout for it', () =>
  withEnv(3, async (env) => {
    const busy = env.ports[1]!;
    // A plain server that accepts and never answers.
    const squatter: Server = createServer(() => undefined);
    await within(2000, 'squat', new Promise<void>((r) => squatter.listen({ host: '127.0.0.1', port: busy }, r)));
    try {
      const start = await env.run(['start_local']);
      assert.is(start.code, 1);
      assert.equal(lines(start.stdout), [
        started(env.ports[0]!),
        `Service 127.0.0.1:${busy} not started: port ${busy} in use`,
        started(env.ports[2]!),
      ]);
      assert.equal(env.state().services.map((s) => s.port), [env.ports[0], env.ports[2]]);
      assert.is(env.servicePids().length, 2, 'a failed service process was left behind');

      const ping = await env.run(['-t', '0.5', 'ping']);
      assert.is(ping.code, 1);
      const got = lines(ping.stdout);
      assert.match(got[0] ?? '', echoed(env.ports[0]!));
      assert.is(got[1], `Client 127.0.0.1:${busy}: DOWN (timeout)`);
      assert.match(got[2] ?? '', echoed(env.ports[2]!));
    } finally {
      squatter.close();
    }
    assert.is((await env.run(['shutdown_local'])).code, 0);
  }),
);

test('a service of ours started from another directory counts as already running, not in use', () =>
  withEnv(1, async (env) => {
    const port = env.ports[0]!;
    const other = env.spawnService(port);
    await waitUntil(async () => (await queryStat(port, 300))?.pid === other.pid, 5000, 'service up');
    const start = await env.run(['start_local']);
    assert.is(start.code, 1);
    assert.equal(lines(start.stdout), [`Service 127.0.0.1:${port} already running (pid ${other.pid}, started from another directory)`]);
    assert.not.ok(existsSync(env.stateFile), 'recorded a service it did not start');
  }),
);

test('a stale state file (processes gone, or a pid now used by something else) is replaced on start', () =>
  withEnv(2, async (env) => {
    const dead = spawn('true');
    await within(5000, 'true exits', new Promise((r) => dead.once('exit', r)));
    const sleeper = env.spawnHelper('sleep', ['60']);
    writeState(env, [
      { port: env.ports[0]!, pid: dead.pid! },
      { port: env.ports[1]!, pid: sleeper.pid! },
    ]);
    const start = await env.run(['start_local']);
    assert.is(start.code, 0, start.stdout + start.stderr);
    assert.equal(lines(start.stdout), env.ports.map(started));
    assert.match(start.stderr, `forgot services recorded in .director/local.json that are no longer running: ${env.ports[0]} (pid ${dead.pid}), ${env.ports[1]} (pid ${sleeper.pid})`);
    const pids = env.state().services.map((s) => s.pid);
    assert.not.ok(pids.includes(dead.pid!) || pids.includes(sleeper.pid!), 'stale pids kept');
    assert.ok(isAlive(sleeper.pid!), 'sleep was signalled');
    assert.is((await env.run(['shutdown_local'])).code, 0);
    assert.ok(isAlive(sleeper.pid!), 'sleep was signalled');
  }),
);

test('shutdown never signals a process that is not ours, nor asks a service whose pid differs', () =>
  withEnv(3, async (env) => {
    const [p0, p1, p2] = env.ports as [number, number, number];
    const sleeper = env.spawnHelper('sleep', ['60']);
    const service = env.spawnService(p1);
    const bystander = env.spawnService(p2);
    for (const [port, child] of [[p1, service], [p2, bystander]] as const) {
      await waitUntil(async () => (await queryStat(port, 300))?.pid === child.pid, 5000, `service on ${port}`);
    }
    writeState(env, [
      { port: p0, pid: sleeper.pid! }, // a foreign process
      { port: p0, pid: service.pid! }, // ours, but on another port than the one named
      { port: p2, pid: sleeper.pid! }, // a real service listens on p2, under another pid
    ]);
    const stop = await env.run(['shutdown_local']);
    assert.is(stop.code, 0, stop.stdout + stop.stderr);
    assert.match(stop.stdout, new RegExp(`Client 127\\.0\\.0\\.1:${p0} was not running \\(pid ${sleeper.pid} gone\\)`));
    assert.not.match(stop.stdout, /stopped/);
    // shutdown_local has exited: a signal it sent is pending or acted on, and a service told
    // to shut down has closed its listener before replying.
    assert.ok(unsignalled(sleeper.pid!), 'sleep was signalled');
    assert.ok(unsignalled(service.pid!), 'a service under the wrong port was signalled');
    assert.is((await queryStat(p1, 2000))?.pid, service.pid, 'a service under the wrong port was stopped');
    assert.ok(unsignalled(bystander.pid!), 'a service with another pid was signalled');
    assert.is((await queryStat(p2, 2000))?.pid, bystander.pid, 'a service with another pid was told to shut down');
    assert.not.ok(existsSync(env.stateFile), 'stale entries kept');
  }),
);

test('a frozen service (SIGSTOP) is stopped with SIGKILL after the grace period', () =>
  withEnv(1, async (env) => {
    assert.is((await env.run(['start_local'])).code, 0);
    const [entry] = env.state().services;
    process.kill(entry!.pid, 'SIGSTOP');
    const stop = await env.run(['shutdown_local'], 30_000);
    assert.is(stop.code, 0, stop.stdout + stop.stderr);
    assert.is(lines(stop.stdout)[0], `Client 127.0.0.1:${entry!.port} stopped (SIGKILL)`);
    await exited(entry!.pid);
  }),
);

test('ping: one service down does not stop the others, order is port.conf order, exit 1; --json and -n', () =>
  withEnv(3, async (env) => {
    const [a, b, c] = env.ports as [number, number, number];
    env.writePorts([a, c]);
    assert.is((await env.run(['start_local'])).code, 0);
    env.writePorts([c, b, a]);

    const ping = await env.run(['ping']);
    assert.is(ping.code, 1);
    const got = lines(ping.stdout);
    assert.match(got[0] ?? '', echoed(c));
    assert.is(got[1], `Client 127.0.0.1:${b}: DOWN (connection refused)`);
    assert.match(got[2] ?? '', echoed(a));

    const many = await env.run(['ping', '-n', '4']);
    const stats = new RegExp(`^Client 127\\.0\\.0\\.1:${a}: Echo sent from 127\\.0\\.0\\.1:${a} \\(4 replies, min/avg/max (\\d+\\.\\d\\d)/(\\d+\\.\\d\\d)/(\\d+\\.\\d\\d) ms\\)$`, 'm');
    const m = many.stdout.match(stats);
    assert.ok(m, many.stdout);
    const [min, avg, max] = [Number(m![1]), Number(m![2]), Number(m![3])];
    assert.ok(min <= avg && avg <= max, `${min}/${avg}/${max}`);

    const json = await env.run(['--json', 'ping', '-n', '3']);
    assert.is(json.code, 1);
    const doc = JSON.parse(json.stdout) as {
      command: string;
      count: number;
      ok: boolean;
      clients: Array<{ port: number; ok: boolean; error?: { message: string }; timesMs: number[]; rttMs?: { min: number } }>;
    };
    assert.is(doc.command, 'ping');
    assert.is(doc.count, 3);
    assert.is(doc.ok, false);
    assert.equal(doc.clients.map((p) => [p.port, p.ok]), [[c, true], [b, false], [a, true]]);
    assert.is(doc.clients[1]!.error?.message, 'connection refused');
    assert.is(doc.clients[0]!.timesMs.length, 3);
    assert.type(doc.clients[0]!.rttMs?.min, 'number');

    const bad = await env.run(['ping', '-n', '0']);
    assert.is(bad.code, 2);
    assert.is((await env.run(['shutdown_local'])).code, 0);
  }),
);

test('--foreground: serves and logs requests, Ctrl-C stops every service and clears the state', () =>
  withEnv(2, async (env) => {
    const child = spawn(process.execPath, [DIRECTOR_BIN, '--ports', env.portsFile, 'start_local', '--foreground'], {
      cwd: env.dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await waitUntil(() => env.ports.every((p) => out.includes(started(p))), 10_000, `services up: ${out}`);
      const pids = env.state().services.map((s) => s.pid);
      assert.is(pids.length, 2);
      assert.is((await env.run(['ping'])).code, 0);
      const logged = new RegExp(`\\[127\\.0\\.0\\.1:${env.ports[0]}\\] .* 127\\.0\\.0\\.1:\\d+ ping`);
      await waitUntil(() => logged.test(out), 5000, `request logged: ${out}`);

      child.kill('SIGINT');
      const code = await within(15_000, 'foreground director exits', done);
      assert.is(code, 130);
      for (const p of env.ports) assert.match(out, `Client 127.0.0.1:${p} stopped`);
      for (const pid of pids) assert.not.ok(isAlive(pid), `pid ${pid} still alive`);
      assert.not.ok(existsSync(env.stateFile), 'state not cleared');
    } finally {
      child.kill('SIGKILL');
    }
  }),
);

test('a broken state file or a missing port.conf is an error naming the file, exit 2', () =>
  withEnv(1, async (env) => {
    mkdirSync(dirname(env.stateFile), { recursive: true });
    writeFileSync(env.stateFile, '{"version": 1, "services": [{"port": "x"}]}');
    const r = await env.run(['shutdown_local']);
    assert.is(r.code, 2);
    assert.match(r.stderr, env.stateFile);
    assert.match(r.stderr, /entry 1 wants port, pid and startedAt/);
    const missing = await env.run(['--ports', `${env.dir}/nope.conf`, 'ping']);
    assert.is(missing.code, 2);
    assert.match(missing.stderr, /nope\.conf: cannot read ports file/);
  }),
);

test.run();
