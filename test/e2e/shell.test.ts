// director shell on real sshd hosts: a person at a pseudo-terminal (prompt, views, Ctrl-C
// stopping a line with nothing left on the hosts, history, leaving), a script on piped stdin
// (lines in order, groups, -w, :inline, the last line's exit status), and a host that dies
// while the shell is idle (the next line says so, a later one reconnects once it is back).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { sharedCluster, startCluster } from '../support/cluster.js';
import { killHost } from '../support/host-control.js';
import { processesWith } from '../support/proc.js';
import { esc, workDir } from '../support/run-e2e.js';
import { distinctiveSleep } from '../support/run-spawn.js';
import { typeInto } from '../support/typist.js';
import { waitUntil } from '../support/wait.js';

const PROMPT = /director> $/;

test('at a terminal: prompt, lines on every client, :fold, Ctrl-C stops a line (nothing left) and the prompt comes back; history kept', async () => {
  const c = await sharedCluster();
  const cwd = workDir('shell-tty');
  const sh = typeInto([...c.args(), 'shell'], { cwd, terminal: true });
  try {
    await sh.seen(/connected to 4 of 4 clients/);
    await sh.seen(PROMPT);
    let at = sh.text().length;
    sh.type('echo "hi $DIRECTOR_HOST_INDEX/$DIRECTOR_HOST_COUNT"\r');
    let out = await sh.seen(/4 ok, 0 failed\n[\s\S]*director> $/, at);
    c.hosts.forEach((h, i) => assert.match(out, new RegExp(`^${esc(h.name)}: hi ${i}/4$`, 'm')));
    assert.not.match(out, /\[SUCCESS\]/, 'the shell prints status lines for failures only');
    at = sh.text().length;
    sh.type(':fold\recho same\r');
    out = await sh.seen(/4 ok, 0 failed\n[\s\S]*director> $/, at);
    assert.match(out, /^----- .* \(4\) exit 0 -----\nsame\n/m);
    const sleep = distinctiveSleep();
    at = sh.text().length;
    sh.type(`:live\r${sleep}; echo never\r`);
    await waitUntil(() => processesWith(sleep).filter((l) => l.startsWith('sleep ')).length === 4, 20_000, 'the sleep running on the 4 hosts');
    sh.type('\x03');
    out = await sh.seen(/0 ok, 4 failed[\s\S]*director> $/, at);
    assert.match(out, /interrupted: the remote command was killed/);
    assert.not.match(out, /: never$/m);
    assert.equal(processesWith(sleep), [], 'nothing left on the hosts once the prompt is back');
    // The connections are the same ones: the next line needs no new login.
    at = sh.text().length;
    sh.type('echo after\r');
    out = await sh.seen(/4 ok, 0 failed\n[\s\S]*director> $/, at);
    c.hosts.forEach((h) => assert.match(out, new RegExp(`^${esc(h.name)}: after$`, 'm')));
    at = sh.text().length;
    sh.type('\x03');
    await sh.seen(/Ctrl-C again to leave/, at);
    sh.type('\x03');
    assert.is(await sh.exit(), 0, 'the last line succeeded');
  } finally {
    sh.child.kill('SIGKILL');
  }
  const history = readFileSync(join(cwd, '.director', 'history'), 'utf8');
  assert.match(history, /^echo "hi \$DIRECTOR_HOST_INDEX\/\$DIRECTOR_HOST_COUNT"\n:fold\necho same\n:live\nsleep 4242\.\d+; echo never\necho after\n$/);
});

test('piped stdin: lines run in order; @group and -w pick clients (re-indexed); :inline; exit status of the last line', async () => {
  const c = await sharedCluster();
  const cwd = workDir('shell-piped');
  const [h0, h1, h2, h3] = c.hosts.map((h) => h.name) as [string, string, string, string];
  const conf = join(cwd, 'clients.conf');
  writeFileSync(conf, `[web]\n${h0}\n${h1}\n[db]\n${h2}\n${h3}\n`);
  const args = ['-c', conf, '-i', c.cluster.identity, '--known-hosts', c.cluster.knownHosts];
  const script = [
    'echo "first $DIRECTOR_HOST_INDEX"',
    '@db echo "db $DIRECTOR_HOST_INDEX/$DIRECTOR_HOST_COUNT"',
    `-w ${h1} echo only`,
    '@nosuch true',
    ':inline',
    'echo "last $DIRECTOR_HOST_INDEX"; exit 3',
  ].join('\n');
  const r = await runDirector([...args, 'shell'], { cwd, input: `${script}\n` });
  assert.is(r.code, 5, `${r.stdout}\n${r.stderr}`);
  const out = r.stdout;
  const first = out.indexOf('first');
  const db = out.indexOf(': db ');
  const only = out.indexOf(': only');
  const last = out.indexOf('last 0');
  assert.ok(first >= 0 && first < db && db < only && only < last, out);
  assert.match(out, new RegExp(`^${esc(h2)}: db 0/2$`, 'm'));
  assert.match(out, new RegExp(`^${esc(h3)}: db 1/2$`, 'm'));
  assert.is((out.match(/: only$/gm) ?? []).length, 1);
  assert.match(out, new RegExp(`^${esc(h1)}: only$`, 'm'));
  assert.match(r.stderr, /no group "nosuch" in clients\.conf \(groups: web, db\)/);
  assert.match(out, new RegExp(`----- ${esc(h3)} \\(exit 3\\) -----\\nlast 3\\n`));
  assert.match(out, /^0 ok, 4 failed: .* remote exit$/m);
  assert.not.match(r.stdout + r.stderr, /director> /, 'no prompt when no one is typing');
});

test('a host killed while the shell is idle: the next line reports it; a later line reconnects once it is back', async () => {
  const own = await startCluster(2);
  const cwd = workDir('shell-host-dies');
  const sh = typeInto([...own.args(), '--connect-timeout', '5', 'shell'], { cwd, terminal: false });
  try {
    await sh.seen(/connected to 2 of 2 clients/);
    let at = sh.text().length;
    sh.type('echo one\n');
    await sh.seen(/2 ok, 0 failed/, at);
    killHost(own.cluster, 1);
    // The shell hears of it as its connection closes: :hosts says lost, and why.
    let out = '';
    await waitUntil(async () => {
      at = sh.text().length;
      sh.type(':hosts\n');
      out = await sh.seen(/of 2 connected/, at);
      return /1 of 2 connected/.test(out);
    }, 10_000, 'the shell seeing the connection lost');
    assert.match(out, new RegExp(`lost ${esc(own.hosts[1]!.name)}: connection lost \\(connection closed\\)`));
    at = sh.text().length;
    sh.type('echo two\n');
    out = await sh.seen(/1 ok, 1 failed: .* unreachable/, at);
    assert.match(out, new RegExp(`^${esc(own.hosts[0]!.name)}: two$`, 'm'));
    assert.match(out, new RegExp(`\\[FAILURE\\] ${esc(own.hosts[1]!.name)} unreachable: connection refused`));
    at = sh.text().length;
    sh.type(':hosts\n');
    out = await sh.seen(/1 of 2 connected/, at);
    assert.match(out, new RegExp(`failed ${esc(own.hosts[1]!.name)}: connection refused`));
    await own.cluster.startHost(1);
    at = sh.text().length;
    sh.type('echo three\n:hosts\n');
    out = await sh.seen(/2 of 2 connected/, at);
    assert.match(out, new RegExp(`^${esc(own.hosts[1]!.name)}: three$`, 'm'));
    assert.match(out, /2 ok, 0 failed/);
    assert.match(out, new RegExp(`connected ${esc(own.hosts[1]!.name)} \\(used \\d+s ago, 2 connections so far\\)`));
    assert.match(out, new RegExp(`connected ${esc(own.hosts[0]!.name)} \\(used \\d+s ago\\)`), 'the other client kept its first connection');
    sh.end();
    assert.is(await sh.exit(), 0);
  } finally {
    sh.child.kill('SIGKILL');
    await own.stop();
  }
});

test.run();
