// What map and jobs print: the live line on a terminal (stderr), a line per client and the
// summary otherwise, the failed tasks and the resume hint.
import { Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobsOutcome } from '../../src/jobs/outcome.js';
import type { TaskRecord } from '../../src/jobs/types.js';
import { JobsProgress, renderJobsOutcome } from '../../src/output/jobs.js';
import { Printer } from '../../src/output/printer.js';

function sink(tty: boolean): Writable & { isTTY?: boolean; text: string } {
  const w = new Writable({
    write(chunk: Buffer, _e, cb) {
      w.text += chunk.toString();
      cb();
    },
  }) as Writable & { isTTY?: boolean; text: string };
  w.text = '';
  w.isTTY = tty;
  return w;
}

const rec = (seq: number, status: TaskRecord['status'], extra: Partial<TaskRecord> = {}): TaskRecord => ({ seq, spec: { id: String(seq + 1), priority: 0, cmd: `job ${seq}` }, status, attempts: 1, ...extra });

test('on a terminal: one live line on stderr, redrawn in place; nothing per client on stdout', () => {
  const out = sink(true);
  const err = sink(true);
  const p = new Printer({ json: false, color: false, stdout: out, stderr: err });
  const progress = new JobsProgress(p);
  progress.begin([rec(0, 'pending'), rec(1, 'pending'), rec(2, 'done')], 2);
  progress.events.started?.(rec(0, 'running'));
  progress.events.clientDone?.({ client: 'n1', slots: 2, done: 1, failed: 0, ms: 10 });
  progress.clear();
  assert.match(err.text, /^\rtasks 1\/3 done \| 0 failed \| 1 running \| 0 tasks\/s \| ETA …\x1b\[K/);
  assert.ok(err.text.endsWith('\r\x1b[K'), 'cleared at the end');
  assert.is(out.text, '');
});

test('not a terminal: the count, a line per client, then the summary, failed tasks and how to resume', () => {
  const out = sink(false);
  const p = new Printer({ json: false, color: false, stdout: out, stderr: sink(false) });
  const progress = new JobsProgress(p);
  const records = [rec(0, 'done', { endedAt: 2000 }), rec(1, 'failed', { host: 'n2', reason: 'remote exit: code 3', endedAt: 2000, attempts: 2 }), rec(2, 'pending')];
  progress.begin(records, 3);
  progress.events.clientDone?.({ client: 'n1', slots: 2, done: 1, failed: 1, ms: 1500 });
  const o = { runId: '20261123-111500.123-ab12', meta: { outputDir: '/out/x', kind: 'jobs', args: [] }, records, clients: [], startedAt: 1000, finishedAt: 3000, interrupted: true, resumed: false, ran: 3, exitCode: 130 } as unknown as JobsOutcome;
  renderJobsOutcome(o, p, 'jobs run');
  assert.equal(out.text.split('\n'), [
    '3 tasks to run (3 in the run)',
    'n1: 1 done, 1 failed, 2 slots (1.50 s)',
    '3 tasks: 1 done, 1 failed, 1 not run (2.00 s, 1 tasks/s)',
    '  2 "job 1" @n2: remote exit: code 3 (2 attempts)',
    'output: /out/x',
    'resume: director jobs resume 20261123-111500.123-ab12',
    '',
  ]);
});

test.run();
