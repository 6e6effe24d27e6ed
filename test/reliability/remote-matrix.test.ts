// director's own remote steps on every kind of remote the matrix has (login shells bash, dash,
// zsh, busybox ash, fish, tcsh; dropbear; busybox tools first on PATH; a chatty .bashrc; no
// SFTP): what it reports is what happened on the host, checked from the host's side.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir } from '../../src/commands/mkdir.js';
import { ALL_KINDS } from '../support/matrix-kinds.js';
import { matrixSupported, startMatrix, type Matrix } from '../support/matrix.js';
import { record } from '../support/reliability.js';

const TEST = 'test/reliability/remote-matrix.test.ts';
let matrix: Matrix | undefined;

test.before(async () => {
  if (matrixSupported()) matrix = await startMatrix(ALL_KINDS);
});
test.after(async () => {
  await matrix?.stop();
});

/** A folder name with every character a shell could act on. */
const HOSTILE = `-a b'c"d$(touch pwn)\`e\`;f|g&h*i!j\\k`;

test('mkdir on every kind of remote: created when made, exists when there, and the folder is really there', async () => {
  const m = matrix;
  if (!m) return console.log('  (skipped: the matrix needs root)');
  const first = await mkdir({ path: '~/mx', dirName: HOSTILE }, { fleet: m.fleet() });
  const said = (r: typeof first) => r.results.map((x) => (x.ok ? (x.value.created ? 'created' : 'exists') : `failed: ${x.error.message}`));
  assert.equal(said(first), m.hosts.map(() => 'created'), m.hosts.map((h) => h.kind).join(', '));
  for (const h of m.hosts) {
    assert.ok(statSync(join(h.home, 'mx', HOSTILE)).isDirectory(), `${h.kind}: the folder exists`);
    assert.not.ok(existsSync(join(h.home, 'pwn')) || existsSync(join(h.home, 'mx', 'pwn')), `${h.kind}: nothing ran`);
  }
  const again = await mkdir({ path: '~/mx', dirName: HOSTILE }, { fleet: m.fleet() });
  assert.equal(said(again), m.hosts.map(() => 'exists'));
  // A file where the folder should be: a failure with mkdir's reason, not "exists".
  for (const h of m.hosts) writeFileSync(join(h.home, 'mx', 'plain'), 'x');
  const onFile = await mkdir({ path: '~/mx/plain', dirName: 'sub' }, { fleet: m.fleet() });
  for (const [i, r] of onFile.results.entries()) {
    assert.not.ok(r.ok, m.hosts[i]!.kind);
    if (!r.ok) assert.match(r.error.message, /Not a directory/, m.hosts[i]!.kind);
  }
  assert.is(onFile.exitCode, 1);
  record({
    id: 'matrix-mkdir',
    area: 'fault',
    case: `mkdir with a hostile name on ${m.hosts.length} kinds of remote (${m.hosts.map((h) => h.kind).join(', ')})`,
    does: 'runs under /bin/sh whatever the login shell; created/exists from mkdir\'s own status, never from output an rc file can pollute',
    figure: `${m.hosts.length}/${m.hosts.length} created, then exists; 0 canaries`,
    test: TEST,
  });
});

test.run();
