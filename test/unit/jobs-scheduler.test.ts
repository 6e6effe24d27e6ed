// The jobs scheduler, table by table: each case is a few clients, a few tasks and a script of
// steps with what the scheduler must answer at each.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Scheduler, type AttemptEnd, type TaskDef } from '../../src/jobs/scheduler.js';

/** [id, priority, holders, exitRetries, lostRetries] */
type TaskRow = [string, number, string[], number?, number?];

type Step =
  /** the task `client` gets next (null: none), optionally with its attempt number */
  | ['next', string, string | null, number?]
  /** an attempt ends; the decision wanted, and a pattern its reason must match */
  | ['finish', string, AttemptEnd['kind'], string, RegExp?]
  /** a client is lost: the decisions wanted, "id:next" */
  | ['lose', string, string[], RegExp?]
  | ['join', string, number]
  | ['shouldLeave', string, boolean]
  | ['leave', string, string[]]
  | ['counts', string];

interface Case {
  name: string;
  /** client → slots; 0 = not connected yet (waiting) */
  clients: Record<string, number>;
  tasks: TaskRow[];
  steps: Step[];
  attemptsBefore?: number;
}

const CASES: Case[] = [
  {
    name: 'one slot: higher priority first, FIFO within a priority',
    clients: { A: 1 },
    tasks: [['t1', 0, []], ['t2', 5, []], ['t3', 5, []], ['t4', 1, []], ['t5', -2, []]],
    steps: [
      ['next', 'A', 't2'],
      ['next', 'A', null],
      ['finish', 't2', 'done', 'done'],
      ['next', 'A', 't3'],
      ['finish', 't3', 'done', 'done'],
      ['next', 'A', 't4'],
      ['finish', 't4', 'done', 'done'],
      ['next', 'A', 't1'],
      ['finish', 't1', 'done', 'done'],
      ['next', 'A', 't5'],
      ['finish', 't5', 'done', 'done'],
      ['counts', '0/0/5/0'],
    ],
  },
  {
    name: 'slots: never more than a client\'s slots at once',
    clients: { A: 2 },
    tasks: [['t1', 0, []], ['t2', 0, []], ['t3', 0, []]],
    steps: [
      ['next', 'A', 't1'],
      ['next', 'A', 't2'],
      ['next', 'A', null],
      ['counts', '1/2/0/0'],
      ['finish', 't1', 'done', 'done'],
      ['next', 'A', 't3'],
    ],
  },
  {
    name: 'locality: a task with data runs only on a holder; one without data anywhere',
    clients: { A: 1, B: 1 },
    tasks: [['t1', 0, ['B']], ['t2', 0, []], ['t3', 0, ['A']], ['t4', 0, ['B']]],
    steps: [
      ['next', 'A', 't2'],
      ['next', 'B', 't1'],
      ['finish', 't2', 'done', 'done'],
      ['next', 'A', 't3'],
      ['finish', 't3', 'done', 'done'],
      ['next', 'A', null],
      ['finish', 't1', 'done', 'done'],
      ['next', 'B', 't4'],
    ],
  },
  {
    name: 'locality before FIFO across holders: a holder\'s own task beats an earlier task it cannot run',
    clients: { A: 1, B: 1 },
    tasks: [['t1', 9, ['B']], ['t2', 0, ['A']]],
    steps: [['next', 'A', 't2'], ['next', 'B', 't1']],
  },
  {
    name: 'data only on a lost client: "data unavailable: held by B (unreachable)"',
    clients: { A: 1, B: 1 },
    tasks: [['t1', 0, ['B']], ['t2', 0, ['B']], ['t3', 0, []]],
    steps: [
      ['next', 'B', 't1'],
      ['lose', 'B', ['t1:failed', 't2:failed'], /^data unavailable: held by B \(unreachable\)$/],
      ['next', 'A', 't3'],
      ['counts', '0/1/0/2'],
    ],
  },
  {
    name: 'a lost client\'s task is retried on another holder (replicas), attempt 2',
    clients: { A: 1, B: 1, C: 1 },
    tasks: [['t1', 0, ['A', 'B']]],
    steps: [
      ['next', 'A', 't1', 1],
      ['lose', 'A', ['t1:retry'], /^client lost: unreachable$/],
      ['next', 'C', null],
      ['next', 'B', 't1', 2],
      ['finish', 't1', 'done', 'done'],
    ],
  },
  {
    name: 'lost retries run out (default 1): the task fails as client lost',
    clients: { A: 1, B: 1 },
    tasks: [['t1', 0, [], 0, 1]],
    steps: [
      ['next', 'A', 't1', 1],
      ['lose', 'A', ['t1:retry']],
      ['next', 'B', 't1', 2],
      ['lose', 'B', ['t1:failed'], /^client lost/],
    ],
  },
  {
    name: 'lost with no retries left and the last holder gone',
    clients: { A: 1, B: 1 },
    tasks: [['t1', 0, ['A'], 0, 0], ['t2', 0, ['A'], 0, 0]],
    steps: [
      ['next', 'A', 't1'],
      ['lose', 'A', ['t1:failed', 't2:failed']],
      ['counts', '0/0/0/2'],
    ],
  },
  {
    name: 'non-zero exit: no retry by default',
    clients: { A: 1 },
    tasks: [['t1', 0, []]],
    steps: [['next', 'A', 't1'], ['finish', 't1', 'exit', 'failed', /^code 3$/], ['next', 'A', null], ['counts', '0/0/0/1']],
  },
  {
    name: 'non-zero exit with a retry goes to another client, even if it is busy',
    clients: { A: 1, B: 1 },
    tasks: [['t1', 0, [], 1], ['t2', 0, []], ['t3', 0, []]],
    steps: [
      ['next', 'A', 't1'],
      ['next', 'B', 't2'],
      ['finish', 't1', 'exit', 'retry'],
      ['next', 'A', 't3'],
      ['finish', 't2', 'done', 'done'],
      ['next', 'B', 't1', 2],
      ['finish', 't1', 'done', 'done'],
    ],
  },
  {
    name: 'a retry keeps its place: ahead of later tasks of its priority',
    clients: { A: 1, B: 1 },
    tasks: [['t1', 0, [], 1], ['t2', 0, []], ['t3', 0, []]],
    steps: [
      ['next', 'A', 't1'],
      ['finish', 't1', 'exit', 'retry'],
      ['next', 'B', 't1', 2],
      ['next', 'A', 't2'],
    ],
  },
  {
    name: 'a retry falls back to the client it failed on when no other is left',
    clients: { A: 1 },
    tasks: [['t1', 0, [], 2]],
    steps: [
      ['next', 'A', 't1', 1],
      ['finish', 't1', 'exit', 'retry'],
      ['next', 'A', 't1', 2],
      ['finish', 't1', 'exit', 'retry'],
      ['next', 'A', 't1', 3],
      ['finish', 't1', 'exit', 'failed'],
    ],
  },
  {
    name: 'a retry with data waits for a holder it has not failed on',
    clients: { A: 1, B: 1, C: 1 },
    tasks: [['t1', 0, ['A', 'B'], 1], ['t2', 0, ['B']]],
    steps: [
      ['next', 'A', 't1'],
      ['next', 'B', 't2'],
      ['finish', 't1', 'exit', 'retry'],
      ['next', 'A', null],
      ['next', 'C', null],
      ['finish', 't2', 'done', 'done'],
      ['next', 'B', 't1', 2],
    ],
  },
  {
    name: 'interrupted (Ctrl-C) or refused: pending again, the attempt not counted',
    clients: { A: 1 },
    tasks: [['t1', 0, []]],
    steps: [
      ['next', 'A', 't1', 1],
      ['finish', 't1', 'interrupted', 'pending'],
      ['next', 'A', 't1', 1],
      ['finish', 't1', 'refused', 'pending'],
      ['next', 'A', 't1', 1],
      ['counts', '0/1/0/0'],
    ],
  },
  {
    name: 'the last client gone: pending tasks fail "no client left to run it"',
    clients: { A: 1 },
    tasks: [['t1', 0, []], ['t2', 0, []]],
    steps: [['next', 'A', 't1'], ['lose', 'A', ['t1:failed', 't2:failed']], ['counts', '0/0/0/2']],
  },
  {
    name: 'a holder not yet connected keeps its tasks pending; it joins and runs them',
    clients: { A: 1, B: 0 },
    tasks: [['t1', 0, ['B']]],
    steps: [
      ['next', 'A', null],
      ['next', 'B', null],
      ['shouldLeave', 'A', true],
      ['leave', 'A', []],
      ['join', 'B', 1],
      ['next', 'B', 't1'],
    ],
  },
  {
    name: 'an idle client stays while no client waits to connect',
    clients: { A: 1, B: 1 },
    tasks: [['t1', 0, ['B']], ['t2', 0, ['B']]],
    steps: [['next', 'B', 't1'], ['shouldLeave', 'A', false], ['shouldLeave', 'B', false]],
  },
  {
    name: 'a stale end (the attempt was settled when its client was lost) changes nothing',
    clients: { A: 1, B: 1 },
    tasks: [['t1', 0, []]],
    steps: [
      ['next', 'A', 't1', 1],
      ['lose', 'A', ['t1:retry']],
      ['next', 'B', 't1', 2],
      ['counts', '0/1/0/0'],
    ],
  },
  {
    name: 'resume: attempt numbers go on from the earlier sessions',
    clients: { A: 1 },
    tasks: [['t1', 0, []]],
    attemptsBefore: 3,
    steps: [['next', 'A', 't1', 4]],
  },
];

for (const k of CASES) {
  test(k.name, () => {
    const ids = k.tasks.map((t) => t[0]);
    const defs: TaskDef[] = k.tasks.map(([, priority, holders, exitRetries, lostRetries], seq) => ({
      seq,
      priority,
      holders,
      exitRetries: exitRetries ?? 0,
      lostRetries: lostRetries ?? 1,
      attemptsBefore: k.attemptsBefore,
    }));
    const s = new Scheduler(defs, Object.keys(k.clients));
    for (const [name, slots] of Object.entries(k.clients)) if (slots > 0) s.join(name, slots);
    const attempts = new Map<string, number>();
    const seqOf = (id: string) => {
      const seq = ids.indexOf(id);
      if (seq < 0) throw new Error(`no task ${id}`);
      return seq;
    };
    const label = (d: { seq: number; next: string }) => `${ids[d.seq]}:${d.next}`;
    k.steps.forEach((step, i) => {
      const at = `step ${i + 1} ${JSON.stringify(step)}`;
      switch (step[0]) {
        case 'next': {
          const got = s.next(step[1]);
          assert.is(got === undefined ? null : ids[got.seq], step[2], at);
          if (got) {
            attempts.set(ids[got.seq]!, got.attempt);
            assert.is(got.client, step[1], at);
            if (step[3] !== undefined) assert.is(got.attempt, step[3], `${at}: attempt`);
          }
          break;
        }
        case 'finish': {
          const [, id, kind, want, reason] = step;
          const end: AttemptEnd = kind === 'exit' ? { kind, reason: 'code 3' } : kind === 'lost' ? { kind, reason: 'gone' } : ({ kind } as AttemptEnd);
          const d = s.finish(seqOf(id), attempts.get(id) ?? -1, end);
          assert.is(d?.next, want, at);
          if (reason) assert.match(d?.reason ?? '', reason, at);
          break;
        }
        case 'lose': {
          const ds = s.lose(step[1], 'unreachable');
          assert.equal(ds.map(label).sort(), [...step[2]].sort(), at);
          if (step[3]) for (const d of ds) assert.match(d.reason ?? '', step[3], at);
          break;
        }
        case 'join':
          s.join(step[1], step[2]);
          break;
        case 'shouldLeave':
          assert.is(s.shouldLeave(step[1]), step[2], at);
          break;
        case 'leave':
          assert.equal(s.leave(step[1]).map(label), step[2], at);
          break;
        case 'counts': {
          const c = s.counts;
          assert.is(`${c.pending}/${c.running}/${c.done}/${c.failed}`, step[1], `${at}: pending/running/done/failed`);
          break;
        }
      }
    });
  });
}

test('100 000 tasks over 8 clients: each started once, holders honoured, quickly', () => {
  const clients = Array.from({ length: 8 }, (_, i) => `c${i}`);
  const defs: TaskDef[] = Array.from({ length: 100_000 }, (_, seq) => ({
    seq,
    priority: seq % 3,
    holders: seq % 2 === 0 ? [clients[seq % 8]!] : [],
    exitRetries: 0,
    lostRetries: 1,
  }));
  const s = new Scheduler(defs, clients);
  for (const c of clients) s.join(c, 4);
  const started = new Set<number>();
  const t0 = performance.now();
  while (!s.finished) {
    for (const c of clients) {
      const got = s.next(c);
      if (!got) continue;
      assert.not.ok(started.has(got.seq), `task ${got.seq} started twice`);
      started.add(got.seq);
      const def = defs[got.seq]!;
      if (def.holders.length > 0) assert.ok(def.holders.includes(c), `task ${got.seq} on ${c}`);
      s.finish(got.seq, got.attempt, { kind: 'done' });
    }
  }
  assert.is(started.size, 100_000);
  // Not a speed test: a bound that only an accidental O(n²) would break.
  assert.ok(performance.now() - t0 < 20_000, `took ${performance.now() - t0} ms`);
});

test.run();
