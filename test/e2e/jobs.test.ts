// director jobs run / resume / status against real sshd hosts. Behaviour through the command
// functions: priorities and FIFO from the journal with one slot, standard input, arguments,
// retries after a non-zero exit, a task's own time limit (killed, checked on the host), data
// tasks on their holders. The CLI for parsing, exit codes, the report and --json.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jobsResume, jobsRun } from '../../src/commands/jobs.js';
import { runDirector } from '../support/cli.js';
import { envelopeOf } from '../support/json-schema.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { acceptedLogins, journal, LOG_LOGINS, placed, sum, taskOpts } from '../support/jobs.js';
import { hostCommands } from '../support/proc.js';
import { tempDir } from '../support/temp.js';
import { within } from '../support/timeout.js';
import { waitUntil } from '../support/wait.js';

let c: TestCluster;

test.before(async () => {
  c = await startCluster(3, { sshdConfig: LOG_LOGINS });
});
test.after(async () => {
  await c.stop();
});

function jobFile(cwd: string, lines: Array<string | object>): string {
  const f = join(cwd, 'jobs.txt');
  writeFileSync(f, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return f;
}

test('one slot: tasks start by priority, first come first within a priority (the journal\'s start order)', async () => {
  const cwd = tempDir('director-jobs-prio-');
  const f = jobFile(cwd, [
    { cmd: 'true', priority: 1, id: 'a' },
    { cmd: 'true', id: 'b' },
    { cmd: 'true', priority: 5, id: 'c' },
    { cmd: 'true', priority: 1, id: 'd' },
    'true',
    { cmd: 'true', priority: -1, id: 'f' },
    { cmd: 'true', priority: 5, id: 'g' },
  ]);
  const o = await within(60_000, 'jobs run', jobsRun({ ...taskOpts(cwd, { slots: 1 }), jobFile: f }, { fleet: c.fleet({ hosts: c.hosts[0]!.name }) }));
  assert.is(o.exitCode, 0);
  const j = journal(cwd, o.runId);
  const starts = j.filter((e) => e.e === 'start');
  assert.equal(starts.map((e) => (e.e === 'start' ? e.id : '')), ['c', 'g', 'a', 'd', 'b', '5', 'f']);
  // One at a time: each start comes after the previous end.
  let lastEnd = 0;
  for (const e of j) {
    if (e.e === 'start') assert.ok(e.at >= lastEnd, 'started before the previous task ended');
    if (e.e === 'end') lastEnd = e.at;
  }
});

test('stdin file, arguments, a retry after a non-zero exit, a task\'s own time limit (killed on the host), data tasks on their holders', async () => {
  const cwd = tempDir('director-jobs-feat-');
  const { record } = await placed(c, cwd, 'jobp', ['d_1.txt', 'd_2.txt', 'd_3.txt']);
  writeFileSync(join(cwd, 'in.txt'), 'hello\nworld\n');
  const mark = `sleep 4${process.pid % 1000}.5`;
  const f = jobFile(cwd, [
    { id: 'stdin', cmd: 'tr a-z A-Z', stdin: 'in.txt' },
    { id: 'args', cmd: 'printf "[%s]" "$@"', args: ['a b', '$x', ''] },
    { id: 'retry', cmd: '[ "$DIRECTOR_TASK_ATTEMPT" -ge 2 ] || exit 7; echo "attempt $DIRECTOR_TASK_ATTEMPT"', retries: 1 },
    { id: 'fails', cmd: 'exit 7' },
    { id: 'slow', cmd: `${mark}; echo never`, timeout: 0.5 },
    ...record.files.map((x) => ({ id: `data-${x.path}`, cmd: 'wc -c < "$1"; echo "$DIRECTOR_HOST"', args: [x.path], data: [x.path] })),
  ]);
  const o = await within(60_000, 'jobs run', jobsRun({ ...taskOpts(cwd), jobFile: f, project: 'jobp' }, { fleet: c.fleet() }));
  // A task that printed nothing has no stdout file.
  const out = (id: string) => {
    const f = join(o.meta.outputDir, 'tasks', id, 'stdout');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  };
  const rec = (id: string) => o.records.find((r) => r.spec.id === id)!;
  assert.is(out('stdin'), 'HELLO\nWORLD\n');
  assert.is(out('args'), '[a b][$x][]');
  assert.equal([rec('retry').status, rec('retry').attempts, out('retry')], ['done', 2, 'attempt 2\n']);
  assert.equal([rec('fails').status, rec('fails').attempts, rec('fails').exit, rec('fails').reason], ['failed', 1, 7, 'remote exit: code 7']);
  assert.equal([rec('slow').status, rec('slow').last], ['failed', 'timeout']);
  assert.match(rec('slow').reason ?? '', /^timed out: after 0\.5s; the remote command was killed$/);
  assert.not.ok(existsSync(join(o.meta.outputDir, 'tasks', 'slow', 'stdout')), 'nothing printed: no file');
  await waitUntil(() => c.hosts.every((_, i) => !hostCommands(c, i).some((l) => l.includes(mark))), 5000, 'the timed-out task gone from its host');
  for (const x of record.files) {
    const r = rec(`data-${x.path}`);
    assert.is(r.host, x.client, `${x.path} ran on its holder`);
    assert.is(out(`data-${x.path}`), `${x.size}\n${x.client}\n`);
  }
  assert.is(o.exitCode, 3, 'a timed-out task: exit 3 (over 5 for the non-zero exit)');
  // resume --failed runs the two failed ones again, and nothing else.
  const again = await within(60_000, 'resume --failed', jobsResume({ runId: o.runId, stateDir: join(cwd, '.director'), failed: true }, { fleet: c.fleet() }));
  assert.is(again.ran, 2);
  const starts = journal(cwd, o.runId).filter((e) => e.e === 'start');
  assert.is(starts.length, o.records.length + 1 + 2, 'every task once, the retry, and the two failed ones again');
});

test('CLI: a bad job file stops with file:line (exit 2) before any login; the report, -j capped, status, --json', async () => {
  const cwd = tempDir('director-jobs-cli-');
  const before = sum(acceptedLogins(c));
  writeFileSync(join(cwd, 'bad.txt'), 'true\n{"cmd": "x", "priorty": 2}\n');
  const bad = await runDirector([...c.args(), 'jobs', 'run', 'bad.txt'], { cwd });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /^director: bad\.txt:2: unknown key priorty/m);
  writeFileSync(join(cwd, 'data.txt'), '{"cmd": "x", "data": ["a.txt"]}\n');
  const noProject = await runDirector([...c.args(), 'jobs', 'run', 'data.txt'], { cwd });
  assert.is(noProject.code, 2);
  assert.match(noProject.stderr, /data\.txt:1: a task with "data" needs --project/);
  const noRecord = await runDirector([...c.args(), 'map', 'bad.txt', 'nothing'], { cwd });
  assert.is(noRecord.code, 2);
  assert.match(noRecord.stderr, /map: project nothing has no placed files/);
  assert.is(sum(acceptedLogins(c)), before, 'no client was contacted');

  writeFileSync(join(cwd, 'ok.txt'), Array.from({ length: 12 }, (_, i) => `echo ${i}`).join('\n'));
  const r = await runDirector([...c.args(), 'jobs', 'run', '-j', '20', 'ok.txt'], { cwd });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /-j: at most 8 tasks at once per client/);
  assert.match(r.stdout, /^12 tasks to run \(12 in the run\)$/m);
  for (const h of c.hosts) assert.match(r.stdout, new RegExp(`^${h.name.replace(/\./g, '\\.')}: \\d+ done, 0 failed, 8 slots \\(`, 'm'));
  assert.match(r.stdout, /^12 tasks: 12 done, 0 failed \(/m);
  const runId = /output: .*\/(\S+)$/m.exec(r.stdout)?.[1] ?? '';
  assert.match(r.stdout, new RegExp(`^output: ${cwd}/output/ok\\.txt/${runId}$`, 'm'));

  const st = await runDirector(['jobs', 'status'], { cwd });
  assert.is(st.code, 0);
  const stJson = envelopeOf((await runDirector(['--json', 'jobs', 'status', runId], { cwd })).stdout) as unknown as { command: string; runs: Array<{ runId: string }> };
  assert.equal([stJson.command, stJson.runs.map((x) => x.runId)], ['jobs status', [runId]]);
  assert.match(st.stdout, new RegExp(`^${runId}  jobs ${cwd}/ok\\.txt  12/12 done, 0 failed, 0 pending  finished$`, 'm'));
  const none = await runDirector(['jobs', 'status', 'bogus'], { cwd });
  assert.is(none.code, 2);

  const j = await runDirector([...c.args(), '--json', 'jobs', 'run', 'ok.txt'], { cwd });
  assert.is(j.code, 0);
  const doc = envelopeOf(j.stdout) as unknown as { command: string; counts: { done: number }; clients: Array<{ host: string; ok: boolean; done: number }>; tasks: Array<{ id: string; state: string; host: string }> };
  assert.is(doc.command, 'jobs run');
  assert.equal(doc.clients.map((x) => [x.host, x.ok]), c.hosts.map((h) => [h.name, true]));
  assert.is(sum(doc.clients.map((x) => x.done)), 12);
  assert.is(doc.counts.done, 12);
  assert.equal(doc.tasks.map((t) => t.id), Array.from({ length: 12 }, (_, i) => String(i + 1)));
  assert.ok(doc.tasks.every((t) => t.state === 'done' && c.hosts.some((h) => h.name === t.host)));

  const resumed = await runDirector([...c.args(), 'jobs', 'resume', runId], { cwd });
  assert.is(resumed.code, 0);
  assert.match(resumed.stdout, /^0 tasks to run \(12 in the run\)$/m);
});

test.run();
