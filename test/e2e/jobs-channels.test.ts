// A client's tasks share its one connection, and sshd bounds the channels on one (MaxSessions):
// eight tasks killed at once under sshd's default of 10 are each killed and checked (a kill
// whose channel is refused waits for one to free), and a server with fewer channels than the
// slots refuses some: director lowers that client's slots to what the server opened (and
// earns them back, up to what it allows) and every task still runs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jobsRun } from '../../src/commands/jobs.js';
import { startCluster } from '../support/cluster.js';
import { taskOpts } from '../support/jobs.js';
import { hostCommands } from '../support/proc.js';
import { tempDir } from '../support/temp.js';
import { within } from '../support/timeout.js';
import { waitUntil } from '../support/wait.js';

test('MaxSessions 10, 8 tasks timing out together: every one killed and checked, none left', async () => {
  const c = await startCluster(1, { sshdConfig: ['MaxSessions 10'] });
  try {
    const cwd = tempDir('director-jobs-kill8-');
    const mark = `sleep 47${process.pid % 100}.5`;
    writeFileSync(join(cwd, 'jobs.txt'), Array.from({ length: 8 }, () => mark).join('\n'));
    const o = await within(30_000, 'jobs run', jobsRun({ ...taskOpts(cwd, { slots: 8, timeoutMs: 1000 }), jobFile: join(cwd, 'jobs.txt') }, { fleet: c.fleet() }));
    assert.is(o.exitCode, 3);
    for (const r of o.records) assert.is(r.reason, 'timed out: after 1s; the remote command was killed', `task ${r.spec.id}`);
    await waitUntil(() => !hostCommands(c, 0).some((l) => l.includes(mark)), 3000, 'no task left on the host');
  } finally {
    await c.stop();
  }
});

test('MaxSessions 3 under -j 8: refused channels lower the slots; every task runs once', async () => {
  const c = await startCluster(1, { sshdConfig: ['MaxSessions 3'] });
  try {
    const cwd = tempDir('director-jobs-refused-');
    writeFileSync(join(cwd, 'jobs.txt'), Array.from({ length: 30 }, (_, i) => `sleep 0.2; echo ${i}`).join('\n'));
    const notices: string[] = [];
    const o = await within(60_000, 'jobs run', jobsRun({ ...taskOpts(cwd, { slots: 8 }), jobFile: join(cwd, 'jobs.txt') }, { fleet: c.fleet(), events: { notice: (m) => notices.push(m) } }));
    assert.is(o.exitCode, 0, JSON.stringify(o.records.filter((r) => r.status !== 'done').map((r) => r.reason)));
    assert.ok(o.records.every((r) => r.attempts === 1), 'a refused channel is not an attempt');
    assert.ok((o.clients[0]?.slots ?? 9) <= 4, `slots lowered to ${o.clients[0]?.slots} (3 channels, one more now and then to probe)`);
    assert.match(notices.join('\n'), /refused a channel \(its sshd's MaxSessions\): fewer tasks at once there \([1-3] now\)/);
  } finally {
    await c.stop();
  }
});

test.run();
