// Faults during map and jobs runs, on real sshd hosts: a host killed mid-run (without
// replicas its files are "data unavailable"; with replicas its tasks move to the other
// holder), a host that stops answering (the keepalive check declares it lost and its tasks
// run elsewhere), the director killed with SIGKILL then `jobs resume` (tasks recorded done
// never run again; side effects counted on the hosts), and Ctrl-C (tasks killed on the
// hosts, the run resumable). Each case is a row of the README's Reliability table.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jobsResume, jobsRun, jobsStatus } from '../../src/commands/jobs.js';
import { map } from '../../src/commands/map.js';
import { replay } from '../../src/jobs/journal.js';
import { loadRun } from '../../src/jobs/run-folder.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { killHost } from '../support/host-control.js';
import { leftOnHosts } from '../support/host-processes.js';
import { journal, placed, taskOpts } from '../support/jobs.js';
import { hostCommands } from '../support/proc.js';
import { record } from '../support/reliability.js';
import { watchDirector } from '../support/run-spawn.js';
import { stallWhenRunning, waitForRunning } from '../support/stall.js';
import { tempDir } from '../support/temp.js';
import { within } from '../support/timeout.js';
import { waitUntil } from '../support/wait.js';

const TEST = 'test/reliability/jobs-faults.test.ts';
let c: TestCluster;

test.before(async () => {
  c = await startCluster(4);
});
test.after(async () => {
  await c.stop();
});

/** Lines a host's tasks appended to a file in its /tmp. */
const hostLines = (host: number, name: string): string[] => {
  const f = join(c.hosts[host]!.tmp, name);
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l !== '') : [];
};

/** When the journal first recorded an attempt lost. */
const firstLost = (cwd: string, runId: string) => journal(cwd, runId).find((e) => e.e === 'end' && e.s === 'lost')?.at;

test('map: a host killed mid-run without replicas: its files fail "data unavailable: held by X (unreachable)", the rest are done once', async () => {
  const cwd = tempDir('director-jobs-kill-');
  const tag = `k${process.pid}`;
  const { record: rec } = await placed(c, cwd, 'killp', Array.from({ length: 40 }, (_, i) => `f_${i + 1}.txt`));
  const script = join(cwd, 'work.sh');
  writeFileSync(script, `sleep 0.3\necho "$DIRECTOR_FILE" >> /tmp/${tag}\n`);
  const victim = 1;
  const name = c.hosts[victim]!.name;
  const running = map({ ...taskOpts(cwd, { slots: 2 }), script, project: 'killp', args: [] }, { fleet: c.fleet() });
  await waitUntil(() => hostLines(victim, tag).length >= 2, 30_000, 'two tasks done on the victim');
  const killedAt = Date.now();
  killHost(c.cluster, victim);
  const o = await within(60_000, 'map after the kill', running);
  try {
    assert.is(o.exitCode, 4);
    const doneThere = new Set(hostLines(victim, tag));
    for (const r of o.records) {
      const holder = rec.files.find((f) => f.path === r.spec.file)!.client;
      if (holder !== name) {
        assert.is(r.status, 'done', `${r.spec.file} on ${holder}`);
        continue;
      }
      if (r.status === 'done') assert.ok(doneThere.has(r.spec.file!), `${r.spec.file} recorded done only if it ran`);
      else assert.equal([r.status, r.reason], ['failed', `data unavailable: held by ${name} (unreachable)`], r.spec.file);
    }
    for (let h = 0; h < 4; h++) {
      if (h === victim) continue;
      const lines = hostLines(h, tag);
      assert.is(new Set(lines).size, lines.length, `host ${h}: no file ran twice`);
      assert.is(lines.length, 10, `host ${h}: all its files`);
    }
    const failed = o.records.filter((r) => r.status === 'failed').length;
    const lostAt = firstLost(cwd, o.runId);
    assert.ok(lostAt !== undefined, 'the running attempts were recorded lost');
    const left = await leftOnHosts(c, [victim]);
    assert.is(left.count, 0, left.which);
    record({
      id: 'jobs-host-killed',
      area: 'fault',
      case: 'map: one of 4 hosts killed (SIGKILL to its sshd and sessions) mid-run, no replicas',
      does: 'the attempts running there end as lost; its files, held nowhere else, fail as "data unavailable: held by X (unreachable)"; every other file is done once (exit 4)',
      processesLeft: left.count,
      detectMs: (lostAt as number) - killedAt,
      figure: `40 files: ${40 - failed} done, ${failed} data unavailable, 0 run twice`,
      test: TEST,
    });
  } finally {
    await c.cluster.startHost(victim);
  }
});

test('map with replicas: a host killed mid-task; its tasks run again on the other holder, every file done', async () => {
  const cwd = tempDir('director-jobs-replica-');
  const tag = `r${process.pid}`;
  const marker = `replmark${process.pid}`;
  // Two copies of each file, placed and verified by data --replicas 2 (the rule's host and the next).
  const { record: rec } = await placed(c, cwd, 'repp', Array.from({ length: 24 }, (_, i) => `r_${i + 1}.txt`), undefined, 2);
  assert.is(rec.files.length, 48);
  const script = join(cwd, 'work.sh');
  writeFileSync(script, `[ -f "$2" ] || exit 3\nsleep 0.4\necho "$DIRECTOR_FILE" >> /tmp/${tag}\n`);
  const victim = 2;
  const running = map({ ...taskOpts(cwd, { slots: 1 }), script, project: 'repp', args: [marker] }, { fleet: c.fleet() });
  await waitUntil(() => hostLines(victim, tag).length >= 1, 30_000, 'a task done on the victim');
  await waitForRunning(c, victim, marker);
  const killedAt = Date.now();
  killHost(c.cluster, victim);
  const o = await within(60_000, 'map after the kill', running);
  try {
    assert.is(o.exitCode, 0, JSON.stringify(o.records.filter((r) => r.status !== 'done').map((r) => r.reason)));
    const holders = (file: string) => rec.files.filter((f) => f.path === file).map((f) => f.client);
    for (const r of o.records) assert.ok(holders(r.spec.file!).includes(r.host!), `${r.spec.file} ran on ${r.host}, a holder`);
    const lost = journal(cwd, o.runId).filter((e) => e.e === 'end' && e.s === 'lost');
    assert.ok(lost.length >= 1, 'the task running on the victim was lost');
    for (const l of lost) {
      if (l.e !== 'end') continue;
      const r = o.records[l.t]!;
      assert.equal([r.status, r.attempts >= 2], ['done', true], `${r.spec.file} retried`);
      assert.is.not(r.host, c.hosts[victim]!.name, `${r.spec.file} retried on the other holder`);
    }
    const lostAt = firstLost(cwd, o.runId) as number;
    record({
      id: 'jobs-host-killed-replicas',
      area: 'fault',
      case: 'map with 2 copies of each file: a holder killed mid-task',
      does: 'the lost task runs again on the other holder (attempt 2); every file is done, each on a client holding it (exit 0)',
      detectMs: lostAt - killedAt,
      figure: `24 files done, ${lost.length} lost attempt(s) retried on the other holder`,
      test: TEST,
    });
  } finally {
    await c.cluster.startHost(victim);
  }
});

test('jobs: a host that stops answering (sshd stopped) is lost after ServerAliveInterval 1 × 3; its tasks run elsewhere', async () => {
  const cwd = tempDir('director-jobs-stall-');
  const marker = `stallmark${process.pid}`;
  const file = join(cwd, 'jobs.txt');
  // 8 tasks for 4 × 2 slots: the victim gets two however late it connects; a retry is quick.
  writeFileSync(file, Array.from({ length: 8 }, () => `[ "$DIRECTOR_TASK_ATTEMPT" -gt 1 ] || sleep 10; : ${marker}`).join('\n'));
  writeFileSync(join(cwd, 'ssh_config'), 'Host *\n  ServerAliveInterval 1\n  ServerAliveCountMax 3\n');
  const victim = 3;
  const running = jobsRun({ ...taskOpts(cwd, { slots: 2 }), jobFile: file }, { fleet: c.fleet({ sshConfig: join(cwd, 'ssh_config') }) });
  const stall = await stallWhenRunning(c, victim, marker);
  try {
    const o = await within(60_000, 'jobs after the stall', running);
    assert.is(o.exitCode, 0, JSON.stringify(o.records.filter((r) => r.status !== 'done').map((r) => r.reason)));
    const lost = journal(cwd, o.runId).filter((e) => e.e === 'end' && e.s === 'lost');
    assert.ok(lost.length >= 1);
    for (const l of lost) if (l.e === 'end') assert.is.not(o.records[l.t]!.host, c.hosts[victim]!.name);
    const detect = (firstLost(cwd, o.runId) as number) - stall.at;
    assert.ok(detect >= 1500 && detect < 8000, `lost ${detect} ms after the stall (3 s of silence)`);
    record({
      id: 'jobs-host-stalled',
      area: 'fault',
      case: 'jobs run: one host\'s sshd stopped (SIGSTOP) mid-task, ServerAliveInterval 1 × ServerAliveCountMax 3',
      does: 'the keepalive check declares the client lost; its running tasks run again on other clients; all done (exit 0)',
      detectMs: detect,
      figure: `8 tasks done, ${lost.length} retried elsewhere`,
      test: TEST,
    });
  } finally {
    stall.resume();
  }
});

test('kill -9 of the director mid-run, then jobs resume: every task done, those recorded done before the kill exactly once', async () => {
  const cwd = tempDir('director-jobs-kill9-');
  const tag = `e${process.pid}`;
  const n = 200;
  writeFileSync(join(cwd, 'jobs.txt'), Array.from({ length: n }, () => `sleep 0.1; echo "$DIRECTOR_TASK_ID" >> /tmp/${tag}`).join('\n'));
  const w = watchDirector([...c.args(), 'jobs', 'run', '-j', '2', 'jobs.txt'], { cwd });
  const jobsDir = join(cwd, '.director', 'jobs');
  let runId = '';
  await waitUntil(
    () => {
      if (!existsSync(jobsDir)) return false;
      runId = readdirOne(jobsDir);
      return runId !== '' && journalDone(cwd, runId) >= 40;
    },
    60_000,
    '40 tasks done in the journal',
  );
  w.child.kill('SIGKILL');
  const killed = await w.done;
  assert.is(killed.signal, 'SIGKILL');
  const run = loadRun(join(cwd, '.director'), runId);
  const atKill = replay(run.specs, run.journal).tasks;
  const st = (await jobsStatus({ stateDir: join(cwd, '.director'), runId })).runs[0];
  assert.equal([st?.owner, st?.running], [undefined, atKill.filter((t) => t.status === 'running').length], 'status: no director on it, the tasks it had running');
  const doneBefore = atKill.filter((t) => t.status === 'done').map((t) => t.spec.id);
  const runningAtKill = atKill.filter((t) => t.status === 'running').length;
  const o = await within(120_000, 'resume', jobsResume({ runId, stateDir: join(cwd, '.director'), failed: false }, { fleet: c.fleet() }));
  assert.is(o.exitCode, 0);
  assert.ok(o.records.every((r) => r.status === 'done'));
  const counts = new Map<string, number>();
  for (let h = 0; h < 4; h++) for (const id of hostLines(h, tag)) counts.set(id, (counts.get(id) ?? 0) + 1);
  for (const r of o.records) assert.ok((counts.get(r.spec.id) ?? 0) >= 1, `task ${r.spec.id} never ran`);
  for (const id of doneBefore) assert.is(counts.get(id), 1, `task ${id}, recorded done before the kill, ran ${counts.get(id)} times`);
  const twice = [...counts.values()].filter((k) => k > 1).length;
  assert.ok([...counts.values()].every((k) => k <= 2), 'no task ran three times');
  assert.ok(twice <= 4 * 2, `${twice} tasks ran twice; at most the 8 in flight may`);
  record({
    id: 'jobs-director-kill9-resume',
    area: 'fault',
    case: `jobs run of ${n} tasks (each appends its id to a file on its host): director killed with SIGKILL mid-run, then jobs resume`,
    does: 'resume runs every task the journal does not show done: none recorded done runs again, none is lost; tasks in flight at the kill run again (at-least-once)',
    figure: `${doneBefore.length} done before the kill ran once; ${runningAtKill} running at the kill; ${twice} ran twice; 0 lost`,
    test: TEST,
  });
});

test('Ctrl-C during jobs run: tasks killed on the hosts (checked), exit 130; resume runs what was left', async () => {
  const cwd = tempDir('director-jobs-sigint-');
  const marker = `intmark${process.pid}`;
  // 8 tasks for 4 × 2 slots: each host gets two, however late it connects. They wait only on
  // their first attempt, so the resume is quick.
  writeFileSync(join(cwd, 'jobs.txt'), Array.from({ length: 8 }, () => `[ "$DIRECTOR_TASK_ATTEMPT" -gt 1 ] || sleep 60; : ${marker}`).join('\n'));
  const w = watchDirector([...c.args(), 'jobs', 'run', '-j', '2', 'jobs.txt'], { cwd });
  await waitUntil(() => c.hosts.every((_, i) => hostCommands(c, i).filter((l) => l.includes(marker)).length >= 2), 30_000, 'two tasks running on every host');
  const runId = readdirOne(join(cwd, '.director', 'jobs'));
  const status = async () => (await jobsStatus({ stateDir: join(cwd, '.director'), runId })).runs[0];
  await waitUntil(async () => (await status())?.running === 8, 5000, 'status: 8 running');
  assert.is((await status())?.owner, w.child.pid, 'status while it runs names its director');
  const sentAt = Date.now();
  w.child.kill('SIGINT');
  const r = await w.done;
  const exitMs = Date.now() - sentAt;
  assert.is(r.code, 130, r.stderr);
  await waitUntil(() => c.hosts.every((_, i) => !hostCommands(c, i).some((l) => l.includes(marker))), 5000, 'tasks gone from the hosts');
  const goneMs = Date.now() - sentAt;
  assert.match(r.stdout, /8 tasks: 0 done, 0 failed, 8 not run/);
  assert.match(r.stdout, new RegExp(`resume: director jobs resume ${runId}`));
  const o = await within(60_000, 'resume', jobsResume({ runId, stateDir: join(cwd, '.director'), failed: false }, { fleet: c.fleet() }));
  assert.is(o.exitCode, 0);
  assert.is(o.ran, 8);
  record({
    id: 'jobs-sigint',
    area: 'fault',
    case: 'SIGINT to director during jobs run (2 tasks running on each of 4 hosts)',
    does: 'kills every running task (the kill checked on each host), journals them as pending, exits 130; jobs resume runs all 8',
    processesLeft: 0,
    detectMs: exitMs,
    figure: `exit 130 after ${exitMs} ms; tasks gone from the hosts within ${goneMs} ms`,
    test: TEST,
  });
});

/** The one entry of a folder, or '' while there is none. */
function readdirOne(dir: string): string {
  const ids = existsSync(dir) ? readdirSync(dir) : [];
  return ids.length === 1 ? (ids[0] as string) : '';
}

/** Tasks the journal records done (each line read whole; a torn tail is left out). */
function journalDone(cwd: string, runId: string): number {
  const file = join(cwd, '.director', 'jobs', runId, 'journal.jsonl');
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"e":"end"') && l.includes('"next":"done"')).length;
}

test.run();
