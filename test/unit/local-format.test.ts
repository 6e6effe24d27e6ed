// How local-mode results read (pure): ping lines, min/avg/max, start and stop lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allAnswered } from '../../src/commands/ping.js';
import { allStarted } from '../../src/commands/start-local.js';
import { pingLine, startLine, stopLine } from '../../src/output/local.js';
import { Printer } from '../../src/output/printer.js';
import { summarize } from '../../src/local/stats.js';

const p = new Printer({ json: false, color: false });
const echo = 'Echo sent from 127.0.0.1:15001';

test('summarize: min/avg/max, none for no samples', () => {
  assert.equal(summarize([0.3, 0.1, 0.2]), { min: 0.1, avg: (0.3 + 0.1 + 0.2) / 3, max: 0.3 });
  assert.equal(summarize([5]), { min: 5, avg: 5, max: 5 });
  assert.is(summarize([]), undefined);
});

test('ping line: one reply, with its time in ms to two places', () => {
  assert.is(pingLine({ port: 15001, ok: true, reply: echo, times: [0.2149] }, 1, p), `Client 127.0.0.1:15001: ${echo} (0.21 ms)`);
});

test('ping line: several replies as min/avg/max', () => {
  const line = pingLine({ port: 15001, ok: true, reply: echo, times: [0.1, 0.25, 0.4] }, 3, p);
  assert.is(line, `Client 127.0.0.1:15001: ${echo} (3 replies, min/avg/max 0.10/0.25/0.40 ms)`);
});

test('ping line: DOWN with the reason, and how far it got', () => {
  assert.is(pingLine({ port: 15002, ok: false, error: 'connection refused', times: [] }, 1, p), 'Client 127.0.0.1:15002: DOWN (connection refused)');
  assert.is(pingLine({ port: 15002, ok: false, error: 'timeout', times: [] }, 1, p), 'Client 127.0.0.1:15002: DOWN (timeout)');
  assert.is(pingLine({ port: 15002, ok: false, error: 'timeout', times: [0.1, 0.2] }, 5, p), 'Client 127.0.0.1:15002: DOWN (timeout after 2 of 5 replies)');
});

test('ping ok only when every port answered', () => {
  assert.ok(allAnswered([{ port: 1, ok: true, reply: echo, times: [1] }]));
  assert.not.ok(allAnswered([{ port: 1, ok: true, reply: echo, times: [1] }, { port: 2, ok: false, error: 'timeout', times: [] }]));
});

test('start lines and what counts as success', () => {
  assert.is(startLine({ port: 15001, outcome: 'started', pid: 7 }, p), 'Service started @ 127.0.0.1:15001');
  assert.is(startLine({ port: 15001, outcome: 'in-use', message: 'port 15001 in use' }, p), 'Service 127.0.0.1:15001 not started: port 15001 in use');
  assert.is(startLine({ port: 15001, outcome: 'already-running', pid: 7, recorded: true }, p), 'Service 127.0.0.1:15001 already running (pid 7)');
  assert.not.ok(allStarted([{ port: 1, outcome: 'started', pid: 2 }, { port: 3, outcome: 'already-running', pid: 4, recorded: true }]));
  assert.ok(allStarted([{ port: 1, outcome: 'started', pid: 2 }]));
});

test('stop lines say how, when it took more than asking', () => {
  assert.is(stopLine({ port: 15001, pid: 9, outcome: 'stopped', how: 'shutdown' }, p), 'Client 127.0.0.1:15001 stopped');
  assert.is(stopLine({ port: 15001, pid: 9, outcome: 'stopped', how: 'SIGKILL' }, p), 'Client 127.0.0.1:15001 stopped (SIGKILL)');
  assert.is(stopLine({ port: 15001, pid: 9, outcome: 'not-running' }, p), 'Client 127.0.0.1:15001 was not running (pid 9 gone)');
});

test.run();
