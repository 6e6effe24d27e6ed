// The matrix of real remotes (test/support/matrix.ts): each kind really is what it claims,
// shown with OpenSSH's own ssh and sftp, and director logs in to every one of them and runs a
// command on those whose login shell is POSIX. What director does beyond that on fish, tcsh,
// busybox tools, chatty rc files and a host without SFTP is issue 12's to fix, not asserted here.
import { existsSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SSHD } from '../../src/sandbox/cluster.js';
import { runDirector } from '../support/cli.js';
import { leftOnHosts } from '../support/host-processes.js';
import { ALL_KINDS, BUSYBOX, BUSYBOX_FIRST, CHATTY_LINE, POSIX_KINDS } from '../support/matrix-kinds.js';
import { DROPBEAR, type MatrixHost } from '../support/matrix-host.js';
import { matrixSupported, startMatrix, type Matrix } from '../support/matrix.js';
import { hostIsIsolated, hostNamespace, hostPath, processesIn } from '../support/proc.js';
import { refSftp, refSsh } from '../support/reference-ssh.js';

let matrix: Matrix | undefined;
/** The matrix of every kind, or undefined (and the tests say they skip) when not root. */
function m(): Matrix | undefined {
  if (matrix === undefined) console.log('  (skipped: the matrix needs root)');
  return matrix;
}

test.before(async () => {
  if (matrixSupported()) matrix = await startMatrix(ALL_KINDS);
});
test.after(async () => {
  await matrix?.stop();
});

test('matrix: each host is its own server, user, home and mount namespace', () => {
  const c = m();
  if (!c) return;
  assert.equal(c.hosts.map((h) => h.kind), ALL_KINDS);
  assert.is(new Set(c.hosts.map((h) => `${h.address}:${h.port}`)).size, c.hosts.length);
  for (const h of c.hosts) {
    // exe, not the command line: sshd rewrites its process title.
    assert.is(readlinkSync(`/proc/${c.pid(h.index) ?? 0}/exe`), h.server === 'dropbear' ? DROPBEAR : SSHD, h.kind);
    assert.ok(hostIsIsolated(c, h.index), h.kind);
    // The per-test home is what the host sees at the user's passwd home.
    writeFileSync(join(h.home, 'which-host'), h.name);
    assert.ok(existsSync(hostPath(c, h.index, join(h.homeInHost, 'which-host'))), h.kind);
  }
});

/** Prints the user, the shell's $0 and the shell's own process name, in the shell's syntax. */
const shellProbe = (h: MatrixHost) =>
  h.kind === 'fish' ? 'id -un; echo fish; ps -o comm= -p $fish_pid; true' : 'id -un; echo "$0"; ps -o comm= -p $$; true';

for (const kind of ALL_KINDS) {
  test(`matrix ${kind}: OpenSSH's ssh logs in as the kind's user, in its login shell`, async () => {
    const c = m();
    if (!c) return;
    const h = c.host(kind);
    const r = await refSsh(c, h, [shellProbe(h)]);
    assert.is(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => !l.startsWith(CHATTY_LINE));
    assert.equal(lines, [h.user, h.shellName, h.shellName, ''], `${kind}: ${r.stdout}`);
  });
}

test('matrix dropbear: the server that answers is dropbear', async () => {
  const c = m();
  if (!c) return;
  const r = await refSsh(c, c.host('dropbear'), ['true'], { options: ['-v'] });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /remote software version dropbear_/);
});

test('matrix busybox-path: tar, md5sum, xargs and mktemp on PATH are busybox', async () => {
  const c = m();
  if (!c) return;
  const r = await refSsh(c, c.host('busybox-path'), [`for t in ${BUSYBOX_FIRST.join(' ')}; do readlink "$(command -v $t)"; done`]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n'), BUSYBOX_FIRST.map(() => BUSYBOX));
});

test('matrix chatty: a non-interactive `ssh host true` prints the .bashrc line on stdout', async () => {
  const c = m();
  if (!c) return;
  const r = await refSsh(c, c.host('chatty'), ['true']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${CHATTY_LINE} (.bashrc)\n`);
});

test('matrix no-sftp: sftp -b fails there, and works on an OpenSSH and a dropbear host', async () => {
  const c = m();
  if (!c) return;
  const none = await refSftp(c, c.host('no-sftp'), 'pwd\n');
  assert.is.not(none.code, 0);
  assert.match(none.stderr, /subsystem request failed/);
  for (const kind of ['bash', 'dropbear'] as const) {
    const h = c.host(kind);
    const r = await refSftp(c, h, 'pwd\n');
    assert.is(r.code, 0, `${kind}: ${r.stderr}`);
    assert.match(r.stdout, `Remote working directory: ${h.homeInHost}`);
  }
});

test('matrix: director status --ssh says SSH OK for every host', async () => {
  const c = m();
  if (!c) return;
  const r = await runDirector([...c.args(), 'status', '--ssh']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  for (const h of c.hosts) assert.match(r.stdout, new RegExp(`^Client: ${h.name.replace(/\./g, '\\.')} ON .* SSH OK$`, 'm'), h.kind);
  assert.match(r.stdout, `${c.hosts.length} ok, 0 failed`);
});

test('matrix: director exec runs `echo hi` on every POSIX-shell host and leaves nothing running', async () => {
  const c = m();
  if (!c) return;
  const posix = c.hosts.filter((h) => POSIX_KINDS.includes(h.kind));
  const r = await runDirector([...c.argsFor(posix), 'exec', '--', 'echo hi']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  for (const h of posix) assert.ok(r.stdout.includes(`${h.name}: hi\n`), `${h.kind}: ${r.stdout}`);
  const left = await leftOnHosts(c);
  assert.is(left.count, 0, left.which);
});

test('matrix: stop() ends every server and session and removes the hosts\' files', async () => {
  if (!m()) return;
  const small = await startMatrix(['dash', 'dropbear']);
  const namespaces = small.hosts.map((h) => hostNamespace(small, h.index));
  const pids = small.hosts.map((h) => small.pid(h.index));
  await small.stop();
  assert.equal(small.hosts.map((h) => small.pid(h.index)), [undefined, undefined], `were ${pids.join(', ')}`);
  assert.equal(namespaces.map((ns) => processesIn(ns).length), [0, 0]);
  assert.ok(small.hosts.every((h) => !existsSync(h.dir) && !existsSync(h.home)));
});

test.run();
