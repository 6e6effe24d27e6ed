// run in one command per client (small scripts) and through SFTP (big ones): both gather the
// same way and leave nothing behind on the hosts, also when the command is killed.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { sharedCluster } from '../support/cluster.js';
import { hostCommands } from '../support/proc.js';
import { leftovers, onlyRun, workDir } from '../support/run-e2e.js';
import { waitUntil } from '../support/wait.js';

const SCRIPT = '#!/bin/sh\necho "hi from $DIRECTOR_HOST_INDEX"\necho "r$DIRECTOR_HOST_INDEX" > "$DIRECTOR_OUTPUT_DIR/r.txt"\n';

for (const [label, padding] of [
  ['small script (inline, one command)', 0],
  ['big script (uploaded over SFTP)', 200_000],
] as const) {
  test(`run, ${label}: output and files gathered, no remote leftovers`, async () => {
    const c = await sharedCluster();
    const cwd = workDir('run-inline');
    writeFileSync(join(cwd, 's.sh'), SCRIPT + `# ${'x'.repeat(padding)}\n`);
    const r = await runDirector([...c.args(), 'run', 's.sh'], { cwd });
    assert.is(r.code, 0, r.stdout + r.stderr);
    const { dir } = onlyRun(join(cwd, 'output', 's.sh'));
    c.hosts.forEach((h, i) => {
      assert.is(readFileSync(join(dir, h.name, 'stdout'), 'utf8'), `hi from ${i}\n`);
      assert.is(readFileSync(join(dir, h.name, 'stderr'), 'utf8'), '', 'no marker left in stderr');
      assert.is(readFileSync(join(dir, h.name, 'files', 'r.txt'), 'utf8'), `r${i}\n`);
      assert.equal(leftovers(h.tmp), [], h.name);
    });
  });
}

test('run: a script that writes no result files leaves no files folder; --keep-remote keeps and names the folder', async () => {
  const c = await sharedCluster();
  const cwd = workDir('run-keep');
  writeFileSync(join(cwd, 'q.sh'), 'echo quiet\n');
  const r = await runDirector([...c.args(), 'run', 'q.sh'], { cwd });
  assert.is(r.code, 0, r.stderr);
  const { dir } = onlyRun(join(cwd, 'output', 'q.sh'));
  for (const h of c.hosts) {
    assert.not.ok(existsSync(join(dir, h.name, 'files', 'x')));
    assert.equal(leftovers(h.tmp), []);
  }
  const k = await runDirector([...c.args(), '-H', c.hosts[0]!.name, 'run', '--keep-remote', 'q.sh'], { cwd });
  assert.is(k.code, 0, k.stderr);
  const kept = leftovers(c.hosts[0]!.tmp);
  assert.is(kept.length, 1);
  assert.match(k.stdout, new RegExp(`kept ${c.hosts[0]!.name.replace(/\./g, '\\.')}:/tmp/${kept[0]}`));
  assert.ok(existsSync(join(c.hosts[0]!.tmp, kept[0]!, 'script')));
  rmSync(join(c.hosts[0]!.tmp, kept[0]!), { recursive: true, force: true });
});

test('run: a timed-out inline command is killed, what it wrote is fetched, and its temporary folder removed', async () => {
  const c = await sharedCluster();
  const cwd = workDir('run-kill');
  writeFileSync(join(cwd, 'slow.sh'), '#!/bin/sh\necho "so far $DIRECTOR_HOST_INDEX" > "$DIRECTOR_OUTPUT_DIR/partial.txt"\nsleep 4848.5\n');
  const r = await runDirector([...c.args(), '-t', '1', 'run', 'slow.sh'], { cwd, timeoutMs: 30_000 });
  assert.is(r.code, 3, r.stdout + r.stderr);
  // sshd tears the killed session down on its own time.
  await waitUntil(() => c.hosts.every((_, i) => !hostCommands(c, i).some((x) => x.includes('4848.5'))), 5000, 'sleep 4848.5 gone from every host');
  const { dir } = onlyRun(join(cwd, 'output', 'slow.sh'));
  for (const [i, h] of c.hosts.entries()) {
    assert.is(readFileSync(join(dir, h.name, 'files', 'partial.txt'), 'utf8'), `so far ${i}\n`, h.name);
    assert.equal(leftovers(h.tmp), [], h.name);
  }
});

test.run();
