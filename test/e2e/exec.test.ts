// director exec on real sshd hosts: the user's shell code, --fold, --inline, -q, --json,
// standard input to every client, binary output, exit statuses. Behaviour through the
// command function (its RunOutcome); the CLI for views, stdin options and usage errors.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exec } from '../../src/commands/exec.js';
import { fold } from '../../src/nodeset/fold.js';
import { runDirector } from '../support/cli.js';
import { sharedCluster } from '../support/cluster.js';
import { collectOutput, esc, leftovers, onlyRun, workDir, type Summary } from '../support/run-e2e.js';

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

test('exec: the words are shell code joined by spaces, as ssh does; DIRECTOR_HOST_INDEX follows clients.conf', async () => {
  const c = await sharedCluster();
  const out = collectOutput();
  const words = ['echo', '$((20+22))', '"$DIRECTOR_HOST_INDEX/$DIRECTOR_HOST_COUNT"', '|', 'tr', '4', 'X'];
  const r = await exec({ words, gather: false, keepRemote: false }, { fleet: c.fleet(), events: out.events });
  assert.is(r.exitCode, 0);
  assert.equal(r.hosts.map((x) => x.client.name), c.hosts.map((h) => h.name));
  c.hosts.forEach((h, i) => assert.is(out.text(i), `X2 ${i}/X\n`, h.name));
  for (const h of c.hosts) assert.equal(leftovers(h.tmp), []);
});

test('exec --fold: clients with identical output and status make one block naming them folded, with their count', async () => {
  const c = await sharedCluster();
  const cwd = workDir('exec-fold');
  const r = await runDirector([...c.args(), 'exec', '--fold', '--', 'echo same; if [ $DIRECTOR_HOST_INDEX -lt 2 ]; then echo low; else echo high; exit 3; fi'], { cwd });
  assert.is(r.code, 5, r.stderr);
  const [h0, h1, h2, h3] = c.hosts.map((h) => h.name);
  const want =
    `----- ${fold([h0!, h1!])} (2) exit 0 -----\nsame\nlow\n` + `----- ${fold([h2!, h3!])} (2) exit 3 -----\nsame\nhigh\n`;
  assert.ok(r.stdout.startsWith(want), r.stdout);
  assert.not.match(r.stdout, /: same/, 'no live lines under --fold');
  // Same output, different status: not folded.
  const s = await runDirector([...c.args(), 'exec', '--fold', '--', 'echo same; exit $DIRECTOR_HOST_INDEX'], { cwd });
  assert.is((s.stdout.match(/^----- /gm) ?? []).length, 4);
});

test('exec --inline: each client\'s whole output as one block; -q: status lines only', async () => {
  const c = await sharedCluster();
  const cwd = workDir('exec-inline');
  const cmd = 'for i in 1 2 3; do echo "$DIRECTOR_HOST_INDEX.$i"; sleep 0.05; done; echo "e$DIRECTOR_HOST_INDEX" >&2';
  const r = await runDirector([...c.args(), 'exec', '--inline', '--', cmd], { cwd });
  assert.is(r.code, 0, r.stderr);
  c.hosts.forEach((h, i) => {
    assert.match(r.stdout, new RegExp(`----- ${esc(h.name)} \\(exit 0\\) -----\\n${i}\\.1\\n${i}\\.2\\n${i}\\.3\\n`));
    assert.match(r.stderr, new RegExp(`----- ${esc(h.name)} \\(exit 0\\) stderr -----\\ne${i}\\n`));
  });
  const q = await runDirector([...c.args(), 'exec', '-q', '--', cmd], { cwd });
  assert.is(q.code, 0);
  assert.is(q.stdout.trim().split('\n').length, 5, q.stdout);
  // No client's line (`host: 0.1`, `host! e0`); host names such as 127.0.12.1 may hold "0.1".
  assert.not.match(q.stdout + q.stderr, /^\S+[:!] (e\d|\d\.\d)$/m);
});

test('exec: piped stdin reaches every client whole; --stdin <file> too (2 MiB)', async () => {
  const c = await sharedCluster();
  const cwd = workDir('exec-stdin');
  const r = await runDirector([...c.args(), 'exec', '--output', 'out', '--', 'cat; echo "<$DIRECTOR_HOST_INDEX>"'], { cwd, input: 'line one\nline two' });
  assert.is(r.code, 0, r.stderr);
  const { dir } = onlyRun(join(cwd, 'out', 'exec'));
  c.hosts.forEach((h, i) => assert.is(readFileSync(join(dir, h.name, 'stdout'), 'utf8'), `line one\nline two<${i}>\n`));
  const big = randomBytes(2 << 20);
  writeFileSync(join(cwd, 'big.bin'), big);
  const f = await runDirector([...c.args(), '--json', 'exec', '--stdin', 'big.bin', '--', 'md5sum | cut -d" " -f1'], { cwd });
  assert.is(f.code, 0, f.stderr);
  const doc = JSON.parse(f.stdout) as Summary; // --json: the document alone, no live lines
  assert.is(doc.clients.length, 4);
  assert.is(doc.outputDir, undefined, 'nothing kept without -o');
  for (const x of doc.clients) assert.is(x.output?.stdout, `${md5(big)}\n`, x.client);
  // Nothing piped and nothing given: the command sees EOF at once rather than waiting.
  const none = await runDirector([...c.args(), 'exec', '--no-stdin', '--', 'cat; echo done'], { cwd, input: 'ignored' });
  assert.is(none.code, 0);
  assert.not.match(none.stdout, /ignored/);
  assert.match(none.stdout, /: done$/m);
});

test('exec: binary output is gathered byte for byte (md5 in summary.json too)', async () => {
  const c = await sharedCluster();
  const cwd = workDir('exec-binary');
  const blobs = c.hosts.map((h) => {
    const b = randomBytes(1 << 20);
    writeFileSync(join(h.home, 'blob.bin'), b);
    return b;
  });
  const r = await exec({ words: ['cat blob.bin; head -c 1000 blob.bin >&2'], outputRoot: join(cwd, 'out'), gather: true, keepRemote: false }, { fleet: c.fleet() });
  assert.is(r.exitCode, 0);
  const { dir, summary } = onlyRun(join(cwd, 'out', 'exec'));
  assert.is(r.outputDir, dir);
  c.hosts.forEach((h, i) => {
    const host = r.hosts[i]!;
    assert.is(host.dir, join(dir, h.name));
    assert.ok(readFileSync(join(host.dir!, 'stdout')).equals(blobs[i]!), `stdout of ${h.name} intact`);
    assert.ok(readFileSync(join(host.dir!, 'stderr')).equals(blobs[i]!.subarray(0, 1000)));
    assert.equal(host.stdout, { bytes: 1 << 20, md5: md5(blobs[i]!) });
    assert.equal(summary.clients[i]?.stdout, host.stdout, 'summary.json says the same');
    rmSync(join(h.home, 'blob.bin'));
  });
});

test('exec: killed by a signal is exit 3 with the signal recorded; nothing kept without an output folder', async () => {
  const c = await sharedCluster();
  const out = collectOutput();
  const r = await exec(
    { words: ['echo before; [ $DIRECTOR_HOST_INDEX = 1 ] && kill -s TERM $$; echo after'], gather: false, keepRemote: false },
    { fleet: c.fleet(), events: out.events },
  );
  assert.is(r.exitCode, 3);
  assert.equal(r.hosts.map((x) => x.state), ['success', 'signal', 'success', 'success']);
  assert.is(r.hosts[1]?.signal, 'TERM');
  assert.is(out.text(1), 'before\n');
  assert.is(out.text(0), 'before\nafter\n');
  assert.is(r.outputDir, undefined, 'nothing kept without -o');
});

test('exec: --inline with --fold is a usage error; no command is a usage error', async () => {
  const c = await sharedCluster();
  const cwd = workDir('exec-usage');
  const both = await runDirector([...c.args(), 'exec', '--inline', '--fold', '--', 'true'], { cwd });
  assert.is(both.code, 2);
  const none = await runDirector([...c.args(), 'exec', '--', ' '], { cwd });
  assert.is(none.code, 2);
});

test.run();
