// A missing clients file and bad option values are usage errors; --help and --version work.
// (Bad and hostile clients.conf lines: test/reliability/hostile-config.test.ts.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { silentServer, type SilentServer } from '../support/silent-server.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('director-conf-');
// Counts connections: a usage error must send nothing.
let watch: SilentServer;

test.before(async () => {
  watch = await silentServer('127.0.0.79');
});
test.after(async () => {
  await watch.close();
});

test('a missing clients file and bad option values exit 2 with a clear message', async () => {
  const r = await runDirector(['-c', join(dir, 'nope.conf'), 'status']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /nope\.conf: cannot read clients file \(no such file\)/);
  const p = await runDirector(['-c', join(dir, 'nope.conf'), '-p', 'zero', 'status']);
  assert.is(p.code, 2);
  assert.match(p.stderr, /--parallel wants a whole number/);
  const u = await runDirector(['frobnicate']);
  assert.is(u.code, 2);
  writeFileSync(join(dir, 'bad-port.conf'), 'node1:99999\n');
  const i = await runDirector(['-i', join(dir, 'no-key'), '-c', join(dir, 'bad-port.conf'), 'status']);
  assert.is(i.code, 2);
  const good = join(dir, 'one.conf');
  writeFileSync(good, `127.0.0.79:${watch.port}\n`);
  const before = watch.connections();
  const f = await runDirector(['-c', good, '-F', join(dir, 'no-ssh-config'), '--connect-timeout', '1', 'status', '--ssh']);
  assert.is(f.code, 2, f.stdout + f.stderr);
  assert.match(f.stderr, /Can't open user config file .*no-ssh-config: No such file or directory/);
  assert.is(watch.connections(), before, 'nothing sent with a missing -F file');
});

test('--help lists every command; --version prints the version', async () => {
  const h = await runDirector(['--help']);
  assert.is(h.code, 0);
  for (const cmd of ['status', 'mkdir', 'sandbox']) assert.match(h.stdout, new RegExp(`^  ${cmd}\\b`, 'm'));
  const v = await runDirector(['--version']);
  assert.is(v.code, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+/);
  const m = await runDirector(['mkdir', '--help']);
  assert.match(m.stdout, /<dirName>/);
});

test.run();
