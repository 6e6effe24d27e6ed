// The pure parts of jobs around the scheduler: the job file, the journal's replay, who holds
// what in a placement record, and the live progress line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/config/errors.js';
import { holdersByPath, holdersOfAll } from '../../src/jobs/holders.js';
import { parseJobFile } from '../../src/jobs/jobfile.js';
import { replay, type JournalEntry } from '../../src/jobs/journal.js';
import type { TaskSpec } from '../../src/jobs/types.js';
import { formatCount, progressLine } from '../../src/output/jobs.js';
import type { PlacementRecord } from '../../src/transfer/placement-record.js';

const GOOD: Array<[string, string, Array<Partial<TaskSpec>>]> = [
  ['plain lines, ids are line numbers; blanks and # comments skipped', 'echo a\n\n# note\n  wc -l x  \n', [{ id: '1', cmd: 'echo a', priority: 0 }, { id: '4', cmd: 'wc -l x', priority: 0 }]],
  ['a # inside a command is part of it', 'echo "#not a comment"\n', [{ cmd: 'echo "#not a comment"' }]],
  ['CRLF line ends', 'true\r\nfalse\r\n', [{ cmd: 'true' }, { cmd: 'false' }]],
  [
    'JSON with every key',
    '{"cmd":"grep x","args":["a b","$c"],"stdin":"in.txt","timeout":1.5,"priority":-3,"data":["f_1.txt"],"retries":2,"id":"t-1"}\n',
    [{ id: 't-1', cmd: 'grep x', args: ['a b', '$c'], stdin: '/base/in.txt', timeoutMs: 1500, priority: -3, data: ['f_1.txt'], retries: 2 }],
  ],
  ['JSON without id takes its line number; data as one string', 'true\n{"cmd":"x","data":"a.txt"}\n', [{ id: '1' }, { id: '2', data: ['a.txt'] }]],
  ['an absolute stdin stays as it is', '{"cmd":"cat","stdin":"/etc/hostname"}', [{ stdin: '/etc/hostname' }]],
];

for (const [name, text, want] of GOOD) {
  test(`job file: ${name}`, () => {
    const got = parseJobFile(text, 'jobs.txt', '/base').map((l) => l.spec);
    assert.is(got.length, want.length);
    want.forEach((w, i) => {
      for (const [k, v] of Object.entries(w)) assert.equal(got[i]?.[k as keyof TaskSpec], v, `${k} of task ${i + 1}`);
    });
  });
}

const BAD: Array<[string, string, RegExp]> = [
  ['empty file', '\n# only a comment\n', /^jobs\.txt: no tasks/],
  ['broken JSON', 'true\n{"cmd": }\n', /^jobs\.txt:2: not valid JSON/],
  ['unknown key', '{"cmd":"x","timout":3}', /^jobs\.txt:1: unknown key timout/],
  ['no cmd', '{"args":["x"]}', /^jobs\.txt:1: "cmd" must be a non-empty string/],
  ['bad id', '{"cmd":"x","id":"../up"}', /^jobs\.txt:1: "id" must be/],
  ['duplicate id', '{"cmd":"x","id":"a"}\n{"cmd":"y","id":"a"}', /^jobs\.txt:2: task id "a" is used twice \(lines 1 and 2\)/],
  ['explicit id equal to another line\'s number', 'true\n{"cmd":"y","id":"1"}', /^jobs\.txt:2: task id "1" is used twice/],
  ['timeout not a number', '{"cmd":"x","timeout":"5"}', /"timeout" must be a number of seconds > 0/],
  ['negative retries', '{"cmd":"x","retries":-1}', /"retries" must be a whole number >= 0/],
  ['fractional priority', '{"cmd":"x","priority":1.5}', /"priority" must be a whole number/],
  ['args not strings', '{"cmd":"x","args":[1]}', /"args" must be a list of strings/],
  ['empty data', '{"cmd":"x","data":[]}', /"data" must name at least one file/],
  ['a NUL byte', 'echo \0', /a NUL byte/],
  ['JSON with trailing text', '{"cmd":"x"} junk', /not valid JSON/],
];

for (const [name, text, want] of BAD) {
  test(`job file refused: ${name}`, () => {
    try {
      parseJobFile(text, 'jobs.txt', '/base');
      assert.unreachable('accepted');
    } catch (e) {
      assert.instance(e, ConfigError);
      assert.match((e as Error).message, want);
    }
  });
}

const SPECS: TaskSpec[] = [0, 1, 2, 3].map((i) => ({ id: `t${i}`, priority: 0, cmd: 'true' }));
const at = 1000;
const start = (t: number, a: number, h = 'A'): JournalEntry => ({ e: 'start', t, id: `t${t}`, a, h, at });
const end = (t: number, a: number, next: 'done' | 'retry' | 'failed' | 'pending', s: 'done' | 'exit' | 'lost' = 'done'): JournalEntry => ({
  e: 'end',
  t,
  id: `t${t}`,
  a,
  h: 'A',
  s,
  next,
  x: s === 'done' ? 0 : 1,
  ms: 5,
  at,
});
const lines = (es: JournalEntry[]) => es.map((e) => `${JSON.stringify(e)}\n`).join('');

const REPLAYS: Array<[string, string, string, Partial<{ tornTail: boolean; sessions: number; closed: boolean }>]> = [
  ['nothing yet: all pending', '', 'pending pending pending pending', { sessions: 0 }],
  [
    'done, failed, running at the crash, retried and pending',
    lines([{ e: 'session', at, pid: 1, resume: false }, start(0, 1), end(0, 1, 'done'), start(1, 1), end(1, 1, 'failed', 'exit'), start(2, 1), start(3, 1), end(3, 1, 'retry', 'lost')]),
    'done failed running pending',
    { sessions: 1, closed: false },
  ],
  ['a torn last line is left out', `${lines([start(0, 1), end(0, 1, 'done'), start(1, 1)])}{"e":"end","t":1,"id":"t1","a`, 'done running pending pending', { tornTail: true }],
  [
    'a later session\'s attempt wins over an earlier failure; a fail without attempt',
    lines([start(0, 1), end(0, 1, 'failed', 'exit'), { e: 'close', at, interrupted: false }, { e: 'session', at, pid: 2, resume: true }, start(0, 2), end(0, 2, 'done'), { e: 'fail', t: 1, id: 't1', r: 'data unavailable', at }, { e: 'close', at, interrupted: false }]),
    'done failed pending pending',
    { sessions: 1, closed: true },
  ],
  ['records of a task not in the run are ignored', lines([start(9, 1), end(9, 1, 'done')]), 'pending pending pending pending', {}],
];

for (const [name, text, states, extra] of REPLAYS) {
  test(`journal replay: ${name}`, () => {
    const r = replay(SPECS, text);
    assert.is(r.tasks.map((t) => t.status).join(' '), states);
    for (const [k, v] of Object.entries(extra)) assert.is(r[k as keyof typeof r], v, k);
  });
}

test('journal replay: attempts and the last attempt\'s facts', () => {
  const r = replay(SPECS, lines([start(0, 1, 'A'), end(0, 1, 'retry', 'lost'), start(0, 2, 'B'), { ...(end(0, 2, 'failed', 'exit') as object), h: 'B', r: 'remote exit: code 1' } as JournalEntry]));
  const t = r.tasks[0]!;
  assert.equal([t.status, t.attempts, t.host, t.last, t.exit, t.reason], ['failed', 2, 'B', 'exit', 1, 'remote exit: code 1']);
});

const RECORD: PlacementRecord = {
  version: 1,
  project: 'p',
  remoteRoot: '~/director/data',
  files: [
    { path: 'a.txt', client: 'A', remotePath: 'x', size: 1, md5: '', time: '' },
    { path: 'a.txt', client: 'B', remotePath: 'x', size: 1, md5: '', time: '' },
    { path: 'b.txt', client: 'B', remotePath: 'x', size: 1, md5: '', time: '' },
    { path: 'c.txt', client: 'C', remotePath: 'x', size: 1, md5: '', time: '' },
  ],
};

const HOLDERS: Array<[string[], string[], { holders: string[]; missing?: string }]> = [
  [['a.txt'], ['A', 'B', 'C'], { holders: ['A', 'B'] }],
  [['a.txt', 'b.txt'], ['A', 'B', 'C'], { holders: ['B'] }],
  [['a.txt', 'c.txt'], ['A', 'B', 'C'], { holders: [] }],
  [['a.txt'], ['B'], { holders: ['B'] }],
  [['c.txt'], ['A', 'B'], { holders: [], missing: 'c.txt' }],
  [['zz.txt'], ['A'], { holders: [], missing: 'zz.txt' }],
  [[], ['A'], { holders: [] }],
];

for (const [files, selected, want] of HOLDERS) {
  test(`holders of ${files.join('+') || 'nothing'} among ${selected.join(',')}`, () => {
    assert.equal(holdersOfAll(files, holdersByPath(RECORD), new Set(selected)), want);
  });
}

test('the live line: counts with thousands apart, rate and ETA', () => {
  assert.is(formatCount(22280), '22 280');
  assert.is(formatCount(999), '999');
  assert.is(formatCount(1234567), '1 234 567');
  assert.is(
    progressLine({ done: 12480, total: 22280, failed: 3, running: 16, rate: 410 }),
    'tasks 12 480/22 280 done | 3 failed | 16 running | 410 tasks/s | ETA 24s',
  );
  assert.is(progressLine({ done: 0, total: 10, failed: 0, running: 2, rate: 0 }), 'tasks 0/10 done | 0 failed | 2 running | 0 tasks/s | ETA …');
});

test.run();
