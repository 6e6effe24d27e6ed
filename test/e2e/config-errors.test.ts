// A missing clients file and bad option values are usage errors; --help and --version work.
// (Bad and hostile clients.conf lines: test/reliability/hostile-config.test.ts.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('director-conf-');

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
