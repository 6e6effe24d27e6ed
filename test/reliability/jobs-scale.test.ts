// 20 000 tasks over 4 hosts through the CLI: every task is an exec channel over the one
// connection per client, never a connection of its own (each host's sshd logs every login it
// accepts); summary.json says each is done, and tasks that printed nothing leave no files. Figures: logins,
// tasks/s, client CPU per task and peak RSS. (Speed is compared in bench/, not asserted here.)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { acceptedLogins, LOG_LOGINS, sum } from '../support/jobs.js';
import { record } from '../support/reliability.js';
import { watchDirector } from '../support/run-spawn.js';
import { tempDir } from '../support/temp.js';

const TEST = 'test/reliability/jobs-scale.test.ts';
const TASKS = 20_000;
const HOSTS = 4;
let c: TestCluster;

test.before(async () => {
  c = await startCluster(HOSTS, { sshdConfig: LOG_LOGINS });
});
test.after(async () => {
  await c.stop();
});

/** user + system CPU of a process so far, in ms (USER_HZ 100). */
function cpuMs(pid: number): number | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return undefined;
  }
}

test(`${TASKS} tasks over ${HOSTS} clients: ${HOSTS} logins in all, each task done once`, async () => {
  const cwd = tempDir('director-jobs-scale-');
  writeFileSync(join(cwd, 'jobs.txt'), `${Array.from({ length: TASKS }, () => 'true').join('\n')}\n`);
  const before = acceptedLogins(c);
  const started = Date.now();
  const w = watchDirector([...c.args(), 'jobs', 'run', '-j', '8', 'jobs.txt'], { cwd, timeoutMs: 590_000 });
  let cpu = 0;
  const sampler = setInterval(() => (cpu = cpuMs(w.child.pid ?? 0) ?? cpu), 100);
  const r = await w.done;
  clearInterval(sampler);
  const wallMs = Date.now() - started;
  assert.is(r.code, 0, r.stderr.slice(-2000));
  const logins = acceptedLogins(c).map((n, i) => n - before[i]!);
  assert.equal(logins, Array(HOSTS).fill(1), `logins per host: ${logins}`);
  const runDir = join(cwd, 'output', 'jobs.txt');
  const [runId] = readdirSync(runDir);
  const summary = JSON.parse(readFileSync(join(runDir, runId!, 'summary.json'), 'utf8')) as { counts: { done: number }; tasks: Array<{ attempts: number }> };
  assert.is(summary.counts.done, TASKS);
  assert.ok(summary.tasks.every((t) => t.attempts === 1));
  assert.is(readdirSync(join(runDir, runId!, 'tasks')).length, 0, 'tasks that printed nothing leave no files');
  record({
    id: 'jobs-20000-tasks',
    area: 'fault',
    case: `jobs run of ${TASKS} trivial tasks over ${HOSTS} clients (-j 8), logins counted in each sshd's log`,
    does: 'every task is an exec channel over the client\'s one connection: one login per client for the whole run',
    figure: `${sum(logins)} logins for ${TASKS} tasks; ${Math.round(TASKS / (wallMs / 1000))} tasks/s on 2 shared cores; client CPU ${(cpu / TASKS).toFixed(2)} ms/task; peak RSS ${(r.peakKb / 1024).toFixed(0)} MB`,
    test: TEST,
  });
});

test.run();
