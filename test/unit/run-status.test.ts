// Status lines after a run, block labels, and the exit status that stands for them all.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT } from '../../src/exit-codes.cjs';
import { byFinish, clockTime, statusLine } from '../../src/output/run.js';
import { endWords } from '../../src/output/run-blocks.js';
import { endOfExec, exitCodeFor, stateOfError, stateOfExec } from '../../src/run/exit-status.js';
import { HostError } from '../../src/ssh/host-error.js';
import { capturePrinter, hostRun } from '../support/run-fixtures.js';

const at = new Date(2026, 10, 23, 11, 15, 2).getTime(); // local time

test('status lines: [n] hh:mm:ss [SUCCESS|FAILURE] host reason', () => {
  const { p } = capturePrinter();
  assert.is(clockTime(at), '11:15:02');
  assert.is(statusLine(hostRun(0, { order: 1, finishedAt: at }), p), '[1] 11:15:02 [SUCCESS] 10.0.0.1');
  const exit = endOfExec({ code: 3, signal: null, timedOut: false, interrupted: false }, undefined);
  assert.is(
    statusLine(hostRun(1, { order: 2, finishedAt: at, state: exit.state, code: 3, ...(exit.error ? { error: exit.error } : {}) }), p),
    '[2] 11:15:02 [FAILURE] 10.0.0.2 remote exit: code 3',
  );
  const t = endOfExec({ code: null, signal: 'KILL', timedOut: true, interrupted: false }, 2500);
  assert.is(
    statusLine(hostRun(2, { order: 3, finishedAt: at, state: t.state, code: null, timedOut: true, ...(t.error ? { error: t.error } : {}) }), p),
    '[3] 11:15:02 [FAILURE] 10.0.0.3 timed out: after 2.5s; the remote command was killed',
  );
  // "killed" only when the channel ended after the kill; otherwise why it could not be confirmed.
  const deaf = endOfExec({ code: null, signal: null, timedOut: true, interrupted: false, killUnconfirmed: 'the client stopped answering' }, 10_000);
  assert.is(deaf.error?.message, 'after 10s; the kill could not be confirmed: the client stopped answering');
  const cut = endOfExec({ code: null, signal: null, timedOut: false, interrupted: true, killUnconfirmed: 'the connection was lost' }, undefined);
  assert.equal([cut.state, cut.error?.message], ['interrupted', 'the kill could not be confirmed: the connection was lost']);
  // Processes that outlived the kill: the client failed (exit 1), not a clean "timed out" (3).
  const kept = endOfExec({ code: null, signal: null, timedOut: true, interrupted: false, killFailed: true, killUnconfirmed: 'kill failed: 2 processes remain: 41 42' }, 2000);
  assert.equal([kept.state, kept.error?.kind, kept.error?.message], ['failed', 'timeout', 'after 2s; the kill could not be confirmed: kill failed: 2 processes remain: 41 42']);
  assert.is(exitCodeFor([kept.state, 'success']), EXIT.failed);
  const down = hostRun(3, { order: 4, finishedAt: at, state: 'unreachable', code: null, error: new HostError('unreachable', 'connection refused') });
  assert.is(statusLine(down, p), '[4] 11:15:02 [FAILURE] 10.0.0.4 unreachable: connection refused');
  const skipped = hostRun(4, { order: 5, finishedAt: at, files: { count: 0, bytes: 0, skipped: ['ln: symbolic link'] } });
  assert.match(statusLine(skipped, p), /\[SUCCESS\] 10\.0\.0\.5 \(1 output entries not fetched: ln: symbolic link\)$/);
});

test('status lines are listed in the order clients finished', () => {
  const hosts = [hostRun(0, { order: 3 }), hostRun(1, { order: 1 }), hostRun(2, { order: 2 })];
  assert.equal(byFinish(hosts).map((h) => h.client.index), [1, 2, 0]);
});

test('block labels say how a client ended', () => {
  assert.is(endWords(hostRun(0)), 'exit 0');
  assert.is(endWords(hostRun(0, { state: 'exit', code: 7 })), 'exit 7');
  assert.is(endWords(hostRun(0, { state: 'signal', code: null, signal: 'SEGV' })), 'signal SEGV');
  assert.is(endWords(hostRun(0, { state: 'timeout', code: null, signal: 'KILL', timedOut: true })), 'timed out');
  assert.is(endWords(hostRun(0, { state: 'unreachable', code: null, error: new HostError('auth', 'x') })), 'auth');
});

test('how a command ended becomes a state', () => {
  const e = (over: Partial<{ code: number | null; signal: string | null; timedOut: boolean; interrupted: boolean }>) =>
    stateOfExec({ code: null, signal: null, timedOut: false, interrupted: false, ...over });
  assert.is(e({ code: 0 }), 'success');
  assert.is(e({ code: 2 }), 'exit');
  assert.is(e({}), 'exit', 'no exit status is not a success');
  assert.is(e({ signal: 'TERM' }), 'signal');
  assert.is(e({ signal: 'KILL', timedOut: true }), 'timeout');
  assert.is(e({ code: 0, timedOut: true }), 'timeout', 'a limit that struck wins over a late exit 0');
  assert.is(e({ signal: 'KILL', interrupted: true }), 'interrupted');
  for (const k of ['unreachable', 'connect-timeout', 'auth', 'host-key'] as const) assert.is(stateOfError(k), 'unreachable', k);
  assert.is(stateOfError('io'), 'failed');
  assert.is(stateOfError('remote-exit'), 'exit');
  assert.is(stateOfError('interrupted'), 'interrupted');
});

test('exit status: 0 all well; 4 unreachable > 3 timeout/signal > 5 non-zero > 1 other', () => {
  assert.is(exitCodeFor([]), EXIT.ok);
  assert.is(exitCodeFor(['success', 'success']), 0);
  assert.is(exitCodeFor(['success', 'exit']), 5);
  assert.is(exitCodeFor(['exit', 'signal']), 3);
  assert.is(exitCodeFor(['exit', 'timeout', 'success']), 3);
  assert.is(exitCodeFor(['timeout', 'unreachable', 'exit']), 4);
  assert.is(exitCodeFor(['failed', 'success']), 1);
  assert.is(exitCodeFor(['failed', 'exit']), 5);
  assert.is(exitCodeFor(['unreachable', 'interrupted']), 130);
});

test.run();
