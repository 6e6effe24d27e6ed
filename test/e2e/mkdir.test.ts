// director mkdir on real hosts, each with its own home: created, exists, refused, failed.
// (Hostile names: test/reliability/hostile-args.test.ts.)
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { sharedCluster } from '../support/cluster.js';

test('mkdir creates <path>/<dirName> with parents on every host, then says exists', async () => {
  const c = await sharedCluster();
  const first = await runDirector([...c.args(), 'mkdir', '~/projects/deep', 'alpha']);
  assert.is(first.code, 0, first.stderr);
  for (const h of c.hosts) {
    assert.ok(statSync(join(h.home, 'projects/deep/alpha')).isDirectory(), h.name);
    assert.match(first.stdout, `created ~/projects/deep/alpha @${h.name}`);
  }
  const again = await runDirector([...c.args(), 'mkdir', '~/projects/deep', 'alpha']);
  assert.is(again.code, 0);
  for (const h of c.hosts) assert.match(again.stdout, `exists ~/projects/deep/alpha @${h.name}`);
  assert.match(again.stdout, /4 ok, 0 failed/);
});

test('mkdir: relative paths are under the remote home; absolute paths are absolute (per-host /tmp)', async () => {
  const c = await sharedCluster();
  const r = await runDirector([...c.args(), '-H', c.hosts[0]!.name, 'mkdir', 'rel', 'one']);
  assert.is(r.code, 0, r.stderr);
  assert.ok(existsSync(join(c.hosts[0]!.home, 'rel/one')));
  assert.not.ok(existsSync(join(c.hosts[1]!.home, 'rel/one')), '-H touched only the chosen host');
  const t = await runDirector([...c.args(), 'mkdir', '/tmp/abs', 'two']);
  assert.is(t.code, 0, t.stderr);
  if (c.cluster.isolated) for (const h of c.hosts) assert.ok(existsSync(join(h.tmp, 'abs/two')), h.name);
});

test('mkdir: a dirName with "/" is refused before any client is contacted (exit 2)', async () => {
  const c = await sharedCluster();
  const r = await runDirector([...c.args(), 'mkdir', '~', 'a/b']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /one folder name, without "\/"/);
  for (const h of c.hosts) assert.not.ok(existsSync(join(h.home, 'a')));
});

test('mkdir: a path that is a file fails on that host with the reason; exit 1', async () => {
  const c = await sharedCluster();
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(c.hosts[2]!.home, 'blocker'), 'x');
  const r = await runDirector([...c.args(), 'mkdir', '~/blocker', 'inner']);
  assert.is(r.code, 1);
  assert.match(r.stdout, new RegExp(`failed ~/blocker/inner @${c.hosts[2]!.name.replace(/\./g, '\\.')}: remote exit: .*Not a directory`));
  assert.match(r.stdout, /3 ok, 1 failed/);
});

test.run();
