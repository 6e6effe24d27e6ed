// director mkdir on real hosts, each with its own home: created, exists, refused, failed.
// Behaviour through the command function (results per host); the CLI for the usage error,
// the exit codes and the lines it prints. (Hostile names: test/reliability/hostile-args.test.ts.)
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, type MkdirResult } from '../../src/commands/mkdir.js';
import { runDirector } from '../support/cli.js';
import { sharedCluster } from '../support/cluster.js';
import { esc } from '../support/run-e2e.js';

/** Per host, in clients.conf order: "created", "exists" or the error's kind and message. */
const outcomes = (r: MkdirResult) => r.results.map((x) => (x.ok ? (x.value.created ? 'created' : 'exists') : `${x.error.kind}: ${x.error.message}`));

test('mkdir creates <path>/<dirName> with parents on every host, then says exists', async () => {
  const c = await sharedCluster();
  const first = await mkdir({ path: '~/projects/deep', dirName: 'alpha' }, { fleet: c.fleet() });
  assert.is(first.exitCode, 0);
  assert.is(first.target, '~/projects/deep/alpha');
  assert.equal(first.results.map((x) => x.client.name), c.hosts.map((h) => h.name));
  assert.equal(outcomes(first), ['created', 'created', 'created', 'created']);
  for (const h of c.hosts) assert.ok(statSync(join(h.home, 'projects/deep/alpha')).isDirectory(), h.name);
  const again = await mkdir({ path: '~/projects/deep', dirName: 'alpha' }, { fleet: c.fleet() });
  assert.is(again.exitCode, 0);
  assert.equal(outcomes(again), ['exists', 'exists', 'exists', 'exists']);
});

test('mkdir: relative paths are under the remote home; absolute paths are absolute (per-host /tmp)', async () => {
  const c = await sharedCluster();
  const r = await mkdir({ path: 'rel', dirName: 'one' }, { fleet: c.fleet({ hosts: c.hosts[0]!.name }) });
  assert.is(r.exitCode, 0);
  assert.equal(r.results.map((x) => x.client.name), [c.hosts[0]!.name], '-H chose one host');
  assert.ok(existsSync(join(c.hosts[0]!.home, 'rel/one')));
  assert.not.ok(existsSync(join(c.hosts[1]!.home, 'rel/one')), '-H touched only the chosen host');
  const t = await mkdir({ path: '/tmp/abs', dirName: 'two' }, { fleet: c.fleet() });
  assert.is(t.exitCode, 0, outcomes(t).join(', '));
  if (c.cluster.isolated) for (const h of c.hosts) assert.ok(existsSync(join(h.tmp, 'abs/two')), h.name);
});

test('mkdir: a dirName with "/" is refused before any client is contacted (exit 2)', async () => {
  const c = await sharedCluster();
  const r = await runDirector([...c.args(), 'mkdir', '~', 'a/b']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /one folder name, without "\/"/);
  for (const h of c.hosts) assert.not.ok(existsSync(join(h.home, 'a')));
});

test('mkdir: a path that is a file fails on that host with the reason; the others succeed; exit 1', async () => {
  const c = await sharedCluster();
  writeFileSync(join(c.hosts[2]!.home, 'blocker'), 'x');
  const r = await mkdir({ path: '~/blocker', dirName: 'inner' }, { fleet: c.fleet() });
  assert.is(r.exitCode, 1);
  const [a, b, failed, d] = outcomes(r);
  assert.equal([a, b, d], ['created', 'created', 'created']);
  assert.match(failed ?? '', /^remote-exit: .*Not a directory/);
});

test('mkdir CLI: a line per host (created, exists, failed with the reason), the tally, the exit code', async () => {
  const c = await sharedCluster();
  const first = await runDirector([...c.args(), 'mkdir', '~/cli', 'made']);
  assert.is(first.code, 0, first.stderr);
  for (const h of c.hosts) assert.match(first.stdout, `created ~/cli/made @${h.name}`);
  assert.match(first.stdout, /4 ok, 0 failed/);
  const again = await runDirector([...c.args(), '-H', c.hosts[0]!.name, 'mkdir', '~/cli', 'made']);
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, `exists ~/cli/made @${c.hosts[0]!.name}`);
  writeFileSync(join(c.hosts[2]!.home, 'cli-blocker'), 'x');
  const r = await runDirector([...c.args(), 'mkdir', '~/cli-blocker', 'inner']);
  assert.is(r.code, 1);
  assert.match(r.stdout, new RegExp(`failed ~/cli-blocker/inner @${esc(c.hosts[2]!.name)}: remote exit: .*Not a directory`));
  assert.match(r.stdout, /3 ok, 1 failed/);
});

test.run();
