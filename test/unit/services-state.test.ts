// What a client's facts about a service mean (services/state.ts), the answers of the start and
// stop scripts, the facts parser, and the checks of every value a user gives: table by table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseFacts, type ServiceFacts } from '../../src/services/facts.js';
import { parseGrace, parseLogLimit, parsePort, parseRestart, serviceCommand, serviceDir } from '../../src/services/names.js';
import { parseStartWords } from '../../src/services/start-script.js';
import { exitSignal, judgeService, type ServiceState } from '../../src/services/state.js';
import { parseStopWords } from '../../src/services/stop-script.js';
import { stateWords } from '../../src/output/service.js';

const SYS = { uptimeS: 1000, hz: 100, pageSize: 4096 };

function facts(over: Partial<ServiceFacts>): ServiceFacts {
  return { name: 'hb', supervisor: 'live', supervisorPid: 10, restarts: 0, stopRequested: false, meta: { ports: '8080', restart: 'no' }, procs: [], listening: [], ...over };
}

const supervisor = { pid: 10, ppid: 1, cpuTicks: 1, startTicks: 90_000, rssPages: 100 };
const child = { pid: 11, ppid: 10, cpuTicks: 2000, startTicks: 80_000, rssPages: 1000 };
const grandchild = { pid: 12, ppid: 11, cpuTicks: 500, startTicks: 90_000, rssPages: 24 };

const cases: Array<[string, Partial<ServiceFacts>, ServiceState, Record<string, unknown>?]> = [
  [
    'supervisor and command alive: running, figures from the command and its descendants',
    { procs: [supervisor, child, grandchild], child: { pid: 11, startTicks: 80_000 }, listening: [{ port: 8080, ours: true }] },
    'running',
    { pid: 11, uptimeS: 200, rssBytes: 1024 * 4096, cpuPercent: 12.5, processes: 2, ports: [{ port: 8080, state: 'listening' }] },
  ],
  [
    'the recorded child pid now names another process (other start ticks): not running',
    { procs: [supervisor, { ...child, startTicks: 95_000 }], child: { pid: 11, startTicks: 80_000 } },
    'unknown',
  ],
  [
    'command gone, supervisor waiting to restart it (on-failure)',
    { meta: { restart: 'on-failure' }, procs: [supervisor], child: { pid: 11, startTicks: 80_000 }, exit: { status: 137, pid: 11 }, restarts: 2 },
    'restarting',
    { restarts: 2, exit: { status: 137, signal: 'KILL' } },
  ],
  ['killed by hand, the supervisor recorded it and left', { supervisor: 'gone', child: { pid: 11 }, exit: { status: 137, pid: 11 } }, 'crashed', { exit: { status: 137, signal: 'KILL' } }],
  ['exited 3 on its own', { supervisor: 'gone', child: { pid: 11 }, exit: { status: 3, pid: 11 } }, 'crashed', { exit: { status: 3 } }],
  ['exited 0 on its own', { supervisor: 'gone', child: { pid: 11 }, exit: { status: 0, pid: 11 } }, 'stopped', { note: 'exited 0' }],
  ['an exit of an earlier command does not count for this one', { supervisor: 'gone', child: { pid: 11 }, exit: { status: 0, pid: 9 } }, 'crashed', { note: 'its supervisor was killed; exit status unknown' }],
  ['stopped by director stop', { supervisor: 'gone', child: { pid: 11 }, stopRequested: true }, 'stopped'],
  ['the supervisor pid now names another process', { supervisor: 'reused', child: { pid: 11 }, exit: { status: 1, pid: 11 } }, 'crashed'],
  ['supervisor killed, its command still runs', { supervisor: 'orphans', procs: [child], child: { pid: 11, startTicks: 80_000 } }, 'running', { note: 'its supervisor is gone' }],
  ['no pid recorded', { supervisor: 'none' }, 'unknown'],
  ['port held by another process only', { procs: [supervisor, child], child: { pid: 11, startTicks: 80_000 }, listening: [{ port: 8080, ours: false }] }, 'running', { ports: [{ port: 8080, state: 'taken' }] }],
];

for (const [name, over, state, more] of cases) {
  test(`judge: ${name}`, () => {
    const s = judgeService(facts(over), SYS);
    assert.is(s.state, state);
    for (const [k, v] of Object.entries(more ?? {})) assert.equal((s as unknown as Record<string, unknown>)[k], v, k);
  });
}

test('exit statuses above 128 name their signal', () => {
  assert.is(exitSignal(137), 'KILL');
  assert.is(exitSignal(143), 'TERM');
  assert.is(exitSignal(1), undefined);
  assert.is(exitSignal(128), undefined);
});

test('the facts parser: one block per service, a cut-short answer is undefined', () => {
  const lines = [
    'sys 1234.56 100 4096 1700000000',
    'svc hb',
    'sup live 10',
    'child 11 80000 1699999000',
    'exit -',
    'restarts 2',
    'meta ports=8080',
    'meta restart=on-failure',
    `cmd ${Buffer.from('echo hi; sleep 9').toString('base64')}`,
    'proc 11 10 5 6 80000 1000',
    'listen 8080 other',
    'listen 8080 ours',
    `log ${Buffer.from('last words\n').toString('base64')}`,
    'svc other',
    'sup gone 20',
    'stopreq',
    'end',
  ];
  const f = parseFacts(lines);
  assert.ok(f);
  assert.is(f!.uptimeS, 1234.56);
  assert.equal(f!.services.map((s) => s.name), ['hb', 'other']);
  const hb = f!.services[0]!;
  assert.equal(hb.child, { pid: 11, startTicks: 80000, startedAt: 1699999000 });
  assert.is(hb.exit, undefined);
  assert.is(hb.restarts, 2);
  assert.equal(hb.meta, { ports: '8080', restart: 'on-failure' });
  assert.is(hb.command, 'echo hi; sleep 9');
  assert.equal(hb.procs, [{ pid: 11, ppid: 10, cpuTicks: 11, startTicks: 80000, rssPages: 1000 }]);
  assert.equal(hb.listening, [{ port: 8080, ours: true }]);
  assert.is(hb.lastLogLine, 'last words');
  assert.is(f!.services[1]!.stopRequested, true);
  assert.is(parseFacts(lines.slice(0, -1)), undefined, 'no end line');
  assert.equal(parseFacts(['none'])?.services, []);
});

test('start and stop answers', () => {
  assert.equal(parseStartWords(['started', '10', '11', 'setsid', '-']), { outcome: 'started', supervisorPid: 10, pid: 11, detachedBy: 'setsid' });
  assert.equal(parseStartWords(['started', '10', '11', 'perl', '7']), { outcome: 'started', supervisorPid: 10, pid: 11, detachedBy: 'perl', replacedPid: 7 });
  assert.equal(parseStartWords(['already', '10', '-']), { outcome: 'already-running', supervisorPid: 10 });
  assert.equal(parseStartWords(['exited', '127', Buffer.from('sh: x: not found\n').toString('base64')]), { outcome: 'exited', status: 127, lastLines: 'sh: x: not found' });
  assert.equal(parseStartWords(['busy', '-']), { outcome: 'busy' });
  assert.equal(parseStartWords(['nodetach']), { outcome: 'no-detach' });
  assert.is(parseStartWords(['started', 'x']), undefined);
  assert.is(parseStartWords([]), undefined);
  assert.equal(parseStopWords(['term']), { outcome: 'stopped', how: 'term' });
  assert.equal(parseStopWords(['kill', '']), { outcome: 'stopped', how: 'kill' });
  assert.equal(parseStopWords(['kill', '12', '13']), { outcome: 'kill-failed', left: [12, 13] });
  assert.equal(parseStopWords(['notrunning']), { outcome: 'not-running' });
  assert.equal(parseStopWords(['none']), { outcome: 'no-such-service' });
  assert.is(parseStopWords(['what']), undefined);
});

test('user values: names, ports, policies, grace, log limits and commands are checked before any client', () => {
  assert.is(serviceDir('web-1.a_b'), 'director/services/web-1.a_b');
  for (const bad of ['', '.x', '-x', 'a/b', '..', 'a b', "a'b", 'x'.repeat(65)]) assert.throws(() => serviceDir(bad), /service name/, bad);
  assert.is(parsePort('8080'), 8080);
  for (const bad of ['0', '65536', '80x', '-1', '']) assert.throws(() => parsePort(bad), /--port/);
  assert.is(parseRestart(undefined), 'no');
  assert.is(parseRestart('on-failure'), 'on-failure');
  assert.throws(() => parseRestart('always'), /--restart/);
  assert.is(parseGrace(undefined), 10);
  assert.is(parseGrace('0'), 0);
  for (const bad of ['-1', '1.5', 'x', '3601']) assert.throws(() => parseGrace(bad), /--grace/);
  assert.is(parseLogLimit('512K'), 512 * 1024);
  assert.is(parseLogLimit('10m'), 10 * 1024 * 1024);
  for (const bad of ['1K', '10X', 'x', '']) assert.throws(() => parseLogLimit(bad), /--log-limit/);
  assert.is(serviceCommand(['node', 'app.js', '"a b"']), 'node app.js "a b"');
  assert.throws(() => serviceCommand([' ']), /give the command/);
  assert.throws(() => serviceCommand(['a\0b']), /NUL/);
});

test('--fold groups by the state words, which leave out what changes by the second', () => {
  const a = judgeService(facts({ procs: [supervisor, child], child: { pid: 11, startTicks: 80_000 }, listening: [{ port: 8080, ours: true }] }), SYS);
  const b = judgeService(facts({ procs: [{ ...supervisor, pid: 20 }, { ...child, pid: 21, ppid: 20, cpuTicks: 5 }], supervisorPid: 20, child: { pid: 21, startTicks: 80_000 }, listening: [{ port: 8080, ours: true }] }), SYS);
  assert.is(stateWords(a), 'running, port 8080 listening');
  assert.is(stateWords(a), stateWords(b));
  const crashed = judgeService(facts({ supervisor: 'gone', child: { pid: 11 }, exit: { status: 137, pid: 11 } }), SYS);
  assert.is(stateWords(crashed), 'crashed (exit 137, SIGKILL), port 8080 not listening');
});

test.run();
