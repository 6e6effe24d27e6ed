// What a person meets at the terminal before anything runs: errors that say where an option
// belongs and which help to read, help that lists the global options, a missing script or
// clients file explained, which configuration file -v used; and --fold's quiet output.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { sharedCluster } from '../support/cluster.js';
import { tempDir } from '../support/temp.js';

/** A folder with no config/, and a home and XDG folder with nothing in them. */
function bare(): { cwd: string; env: Record<string, string> } {
  const cwd = tempDir('director-usage-');
  const home = join(cwd, 'home');
  mkdirSync(home);
  return { cwd, env: { HOME: home, XDG_CONFIG_HOME: join(cwd, 'xdg') } };
}

test('director -q exec: says -q belongs after exec and which help to read', async () => {
  const r = await runDirector(['-q', 'exec', '--', 'true'], bare());
  assert.is(r.code, 2);
  assert.is(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n'), [
    "director: unknown option '-q'",
    '-q is an option of director exec: put it after "exec" (director exec -q …)',
    '(run director exec --help for usage)',
  ]);
});

test('an error inside a command points at that command\'s help, nested ones too', async () => {
  const a = await runDirector(['exec', '--bogus', '--', 'true'], bare());
  assert.is(a.code, 2);
  assert.match(a.stderr, /^director: unknown option '--bogus'\n\(run director exec --help for usage\)\n$/);
  const b = await runDirector(['sandbox', 'up', '--nope'], bare());
  assert.match(b.stderr, /\(run director sandbox up --help for usage\)/);
  const c = await runDirector(['--zzzz', 'status'], bare());
  assert.match(c.stderr, /^director: unknown option '--zzzz'\n\(run director status --help for usage\)\n$/, 'not an option of status either: no "belongs after" line');
});

test('exec --help lists the global options too', async () => {
  const r = await runDirector(['exec', '--help'], bare());
  assert.is(r.code, 0);
  const global = r.stdout.slice(r.stdout.indexOf('Global Options:'));
  assert.ok(global.length > 0, r.stdout);
  for (const flag of ['-t, --timeout', '-p, --parallel', '-H, --hosts', '-g, --group', '-c, --clients', '--json']) assert.ok(global.includes(flag), `${flag} in:\n${global}`);
});

test('run nosuch.sh: a sentence, not a bare ENOENT', async () => {
  const r = await runDirector(['run', 'nosuch.sh'], bare());
  assert.is(r.code, 2);
  assert.not.match(r.stderr, /ENOENT|stat '/);
  assert.match(r.stderr, /^director: run: cannot use script nosuch\.sh \(no such file in \/.+\)\n$/);
});

test('no clients.conf anywhere: the error lists where it looked and every way to give one', async () => {
  const b = bare();
  const r = await runDirector(['status'], b);
  assert.is(r.code, 2);
  for (const want of [join(b.cwd, 'config/clients.conf'), join(b.env.XDG_CONFIG_HOME!, 'director/clients.conf'), '-c FILE', 'DIRECTOR_CLIENTS=FILE', '-w', 'director sandbox up']) {
    assert.ok(r.stderr.includes(want), `${want} in:\n${r.stderr}`);
  }
});

test('-v says which clients.conf was used: $XDG_CONFIG_HOME, then ~/.config', async () => {
  const c = await sharedCluster();
  const b = bare();
  const keys = ['-i', c.cluster.identity, '--known-hosts', c.cluster.knownHosts];
  const xdg = join(b.env.XDG_CONFIG_HOME!, 'director');
  mkdirSync(xdg, { recursive: true });
  writeFileSync(join(xdg, 'clients.conf'), `${c.hosts[0]!.name}\n`);
  const r = await runDirector([...keys, '-v', 'exec', '-q', '--', 'true'], b);
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stderr.includes(`director: clients from ${join(xdg, 'clients.conf')} (found in $XDG_CONFIG_HOME)`), r.stderr);
  assert.match(r.stdout, new RegExp(`\\[SUCCESS\\] ${c.hosts[0]!.name.replace(/\./g, '\\.')}`));
  const home = join(b.env.HOME!, '.config', 'director');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'clients.conf'), `${c.hosts[1]!.name}\n`);
  const h = await runDirector([...keys, '-v', 'exec', '-q', '--', 'true'], { cwd: b.cwd, env: { HOME: b.env.HOME! } });
  assert.ok(h.stderr.includes(`director: clients from ${join(home, 'clients.conf')} (found in ~/.config)`), h.stderr);
  const quiet = await runDirector([...keys, 'exec', '-q', '--', 'true'], b);
  assert.is(quiet.stderr, '', 'without -v nothing is said');
});

test('a bad DIRECTOR_IDENTITY says the path came from that variable', async () => {
  const c = await sharedCluster();
  const b = bare();
  const r = await runDirector(['-c', c.cluster.clientsConf, 'status', '--ssh'], { cwd: b.cwd, env: { ...b.env, DIRECTOR_IDENTITY: 'nokey' } });
  assert.is(r.code, 2);
  assert.match(r.stderr, /identity file .*\/nokey does not exist \(set by DIRECTOR_IDENTITY\)/);
});

test('--fold prints the blocks and the summary, no status line per client; --fold -q the blocks alone', async () => {
  const c = await sharedCluster();
  const cwd = tempDir('director-usage-');
  const cmd = 'echo same; [ $DIRECTOR_HOST_INDEX = 0 ] && exit 3; true';
  const r = await runDirector([...c.args(), 'exec', '--fold', '--', cmd], { cwd });
  assert.is(r.code, 5, r.stderr);
  assert.not.match(r.stdout, /\[(SUCCESS|FAILURE)\]/);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[lines.length - 1]!, /^3 ok, 1 failed: /);
  assert.is(lines.filter((l) => l.startsWith('----- ')).length, 2, r.stdout);
  const q = await runDirector([...c.args(), 'exec', '--fold', '-q', '--', cmd], { cwd });
  assert.is(q.code, 5, q.stderr);
  assert.equal(q.stdout.trim().split('\n').filter((l) => !l.startsWith('----- ')), ['same', 'same'], q.stdout);
});

test.run();
