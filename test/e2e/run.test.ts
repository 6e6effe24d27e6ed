// director run on real sshd hosts, each with its own home and /tmp: per-client output,
// DIRECTOR_* values, gathered files, arguments, shebang or not, placement lists. Behaviour
// through the command function (its RunOutcome and the files it wrote); the CLI for live
// lines, status lines, the tally, exit codes and usage errors.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, type RunOptions } from '../../src/commands/run.js';
import type { Fleet } from '../../src/ssh/fleet.js';
import { writePlacementRecord } from '../../src/transfer/placement-record.js';
import { runDirector } from '../support/cli.js';
import { sharedCluster } from '../support/cluster.js';
import { esc, leftovers, onlyRun, workDir } from '../support/run-e2e.js';

/** `director run <script> [project]` in `cwd` as the CLI sets it up (output/, .director/). */
function runIn(cwd: string, fleet: Fleet, script: string, over: Partial<RunOptions> = {}) {
  return run({ script: join(cwd, script), args: [], outputRoot: join(cwd, 'output'), stateDir: join(cwd, '.director'), keepRemote: false, ...over }, { fleet });
}

test('run: each client\'s stdout and stderr land in its own files, unmixed; live lines carry one prefix each', async () => {
  const c = await sharedCluster();
  const cwd = workDir('run-split');
  writeFileSync(
    join(cwd, 'talk.sh'),
    '#!/bin/sh\ni=0\nwhile [ $i -lt 500 ]; do echo "out $DIRECTOR_HOST $i"; echo "err $DIRECTOR_HOST $i" >&2; i=$((i+1)); done\nprintf "tail-without-newline $DIRECTOR_HOST"\n',
  );
  const r = await runDirector([...c.args(), 'run', 'talk.sh'], { cwd });
  assert.is(r.code, 0, r.stderr);
  const { dir, summary } = onlyRun(join(cwd, 'output', 'talk.sh'));
  assert.equal(summary.clients.map((x) => x.client), c.hosts.map((h) => h.name));
  for (const h of c.hosts) {
    const out = readFileSync(join(dir, h.name, 'stdout'), 'utf8');
    const err = readFileSync(join(dir, h.name, 'stderr'), 'utf8');
    const want = Array.from({ length: 500 }, (_, i) => `out ${h.name} ${i}\n`).join('') + `tail-without-newline ${h.name}`;
    assert.is(out, want, `stdout of ${h.name}`);
    assert.is(err, Array.from({ length: 500 }, (_, i) => `err ${h.name} ${i}\n`).join(''), `stderr of ${h.name}`);
  }
  // Live: every stdout line is `host: out host n` with the same host twice; stderr lines `host! err host n`.
  const outLines = r.stdout.split('\n').filter((l) => l.includes(' out ') || l.includes('tail-without'));
  assert.is(outLines.length, 4 * 501);
  for (const l of outLines) assert.match(l, /^(\S+): (out \1 \d+|tail-without-newline \1)$/);
  const errLines = r.stderr.split('\n').filter((l) => l.includes(' err '));
  assert.is(errLines.length, 4 * 500);
  for (const l of errLines) assert.match(l, /^(\S+)! err \1 \d+$/);
  assert.not.match(r.stdout, / err /, 'no stderr on stdout');
  // Status lines and the final line.
  for (const h of c.hosts) assert.match(r.stdout, new RegExp(`^\\[[1-4]\\] \\d\\d:\\d\\d:\\d\\d \\[SUCCESS\\] ${esc(h.name)}$`, 'm'));
  assert.match(r.stdout, /^4 ok, 0 failed$/m);
  for (const h of c.hosts) assert.equal(leftovers(h.tmp), [], `remote temporaries removed on ${h.name}`);
});

test('run: DIRECTOR_* values are right on each client; host index follows clients.conf; files in DIRECTOR_OUTPUT_DIR are gathered', async () => {
  const c = await sharedCluster();
  const cwd = workDir('run-env');
  writeFileSync(
    join(cwd, 'env.sh'),
    [
      '#!/bin/sh',
      'echo "host=$DIRECTOR_HOST index=$DIRECTOR_HOST_INDEX count=$DIRECTOR_HOST_COUNT project=$DIRECTOR_PROJECT files=${DIRECTOR_FILES-unset} pwd=$(pwd)"',
      'case "$DIRECTOR_OUTPUT_DIR" in /*) ;; *) echo "not absolute"; exit 9;; esac',
      'mkdir -p "$DIRECTOR_OUTPUT_DIR/sub/deeper"',
      'echo "result of $DIRECTOR_HOST_INDEX" > "$DIRECTOR_OUTPUT_DIR/result.txt"',
      'echo deep > "$DIRECTOR_OUTPUT_DIR/sub/deeper/f.txt"',
      'printf "sp" > "$DIRECTOR_OUTPUT_DIR/with space.txt"',
      'ln -s /etc/passwd "$DIRECTOR_OUTPUT_DIR/link"',
      '',
    ].join('\n'),
  );
  const r = await runIn(cwd, c.fleet(), 'env.sh', { project: 'envproj' });
  assert.is(r.exitCode, 0, JSON.stringify(r.hosts.map((x) => x.error?.message)));
  const { dir, summary } = onlyRun(join(cwd, 'output', 'envproj'));
  assert.is(r.outputDir, dir);
  c.hosts.forEach((h, i) => {
    const out = readFileSync(join(dir, h.name, 'stdout'), 'utf8');
    assert.is(out, `host=${h.name} index=${i} count=4 project=envproj files=unset pwd=/root/director/data/envproj\n`.replace('/root', process.env['HOME'] ?? '/root'));
    assert.is(readFileSync(join(dir, h.name, 'files', 'result.txt'), 'utf8'), `result of ${i}\n`);
    assert.is(readFileSync(join(dir, h.name, 'files', 'sub', 'deeper', 'f.txt'), 'utf8'), 'deep\n');
    assert.is(readFileSync(join(dir, h.name, 'files', 'with space.txt'), 'utf8'), 'sp');
    assert.not.ok(existsSync(join(dir, h.name, 'files', 'link')), 'a symbolic link is not followed');
    const s = r.hosts[i];
    assert.is(s?.files.count, 3);
    assert.equal(s?.files.skipped, ['link: symbolic link']);
    assert.equal(summary.clients[i]?.files, s?.files, 'summary.json says the same');
    assert.ok(statSync(join(h.home, 'director/data/envproj')).isDirectory(), 'project folder made on the client');
    rmSync(join(h.home, 'director'), { recursive: true, force: true });
  });
});

test('run: a script without shebang runs by /bin/sh with its arguments', async () => {
  // (Hostile arguments, byte for byte: test/reliability/hostile-args.test.ts.)
  const c = await sharedCluster();
  const cwd = workDir('run-args');
  writeFileSync(join(cwd, 'noshebang'), 'printf "[%s]\\n" "$@"\necho "shell=$(readlink /proc/$$/exe) sh=$(readlink -f /bin/sh)" >&2\n');
  const args = ['a b', '-x'];
  const r = await runIn(cwd, c.fleet({ hosts: c.hosts[0]!.name }), 'noshebang', { args });
  assert.is(r.exitCode, 0);
  const h = c.hosts[0]!;
  assert.equal(r.hosts.map((x) => x.client.name), [h.name]);
  const { dir } = onlyRun(join(cwd, 'output', 'noshebang'));
  assert.is(readFileSync(join(dir, h.name, 'stdout'), 'utf8'), args.map((a) => `[${a}]\n`).join(''));
  assert.match(readFileSync(join(dir, h.name, 'stderr'), 'utf8'), /^shell=(\S+) sh=\1$/m);
});

test('run: a shebang picks the interpreter; the script sent is the current one, mode 0700, in a fresh folder', async () => {
  const c = await sharedCluster();
  const cwd = workDir('run-fresh');
  const h = c.hosts[1]!;
  const script = join(cwd, 'job');
  writeFileSync(script, '#!/bin/bash\necho "v1 ${BASH_VERSION:+bash}"\n');
  const fleet = c.fleet({ hosts: h.name });
  const one = await runIn(cwd, fleet, 'job', { keepRemote: true });
  assert.is(one.exitCode, 0);
  writeFileSync(script, '#!/bin/sh\necho v2\n');
  const two = await runIn(cwd, fleet, 'job', { keepRemote: true });
  assert.is(two.exitCode, 0);
  const runs = readdirSync(join(cwd, 'output', 'job')).sort();
  assert.is(runs.length, 2, 'two runs, two folders');
  assert.equal([one.outputDir, two.outputDir], runs.map((id) => join(cwd, 'output', 'job', id)));
  assert.is(readFileSync(join(one.outputDir!, h.name, 'stdout'), 'utf8'), 'v1 bash\n');
  assert.is(readFileSync(join(two.outputDir!, h.name, 'stdout'), 'utf8'), 'v2\n');
  const dirs = [one.hosts[0]!.remoteDir!, two.hosts[0]!.remoteDir!];
  assert.is.not(dirs[0], dirs[1], 'each run uploads to a new remote folder');
  for (const d of dirs) {
    assert.match(d, /^\/tmp\/director-run\./);
    const local = join(h.tmp, d.slice('/tmp/'.length));
    assert.is(statSync(join(local, 'script')).mode & 0o777, 0o700);
    assert.is(statSync(local).mode & 0o777, 0o700);
    rmSync(local, { recursive: true });
  }
});

test('run: DIRECTOR_FILES lists exactly the files data placed on each client', async () => {
  const c = await sharedCluster();
  const cwd = workDir('run-files');
  const placed = c.hosts.map((_h, i) => (i === 3 ? [] : [`a_${i}.txt`, `sub dir/b_${i}.json`]));
  const files = c.hosts.flatMap((h, i) =>
    (placed[i] ?? []).map((path) => ({ path, client: h.name, remotePath: `director/data/filesproj/${path}`, size: 2, md5: 'x', time: new Date().toISOString() })),
  );
  writePlacementRecord(join(cwd, '.director'), { version: 1, project: 'filesproj', remoteRoot: '~/director/data', files });
  for (const f of files) {
    const h = c.hosts.find((x) => x.name === f.client)!;
    mkdirSync(join(h.home, 'director/data/filesproj/sub dir'), { recursive: true });
    writeFileSync(join(h.home, f.remotePath), 'x\n');
  }
  writeFileSync(join(cwd, 'list.sh'), '#!/bin/sh\nwhile IFS= read -r f; do [ -f "$f" ] && echo "have $f" || echo "missing $f"; done < "$DIRECTOR_FILES"\n');
  const r = await runIn(cwd, c.fleet(), 'list.sh', { project: 'filesproj' });
  assert.is(r.exitCode, 0);
  c.hosts.forEach((h, i) => {
    const want = [...(placed[i] ?? [])].sort().map((p) => `have ${p}\n`).join('');
    assert.is(readFileSync(join(r.hosts[i]!.dir!, 'stdout'), 'utf8'), want, h.name);
    rmSync(join(h.home, 'director'), { recursive: true, force: true });
  });
});

test('run: non-zero exits are per client: exit 5, the others still succeed', async () => {
  const c = await sharedCluster();
  const cwd = workDir('run-exit');
  writeFileSync(join(cwd, 'e.sh'), '#!/bin/sh\n[ "$DIRECTOR_HOST_INDEX" = 2 ] && exit 7\necho fine\n');
  const o = await runIn(cwd, c.fleet(), 'e.sh');
  assert.is(o.exitCode, 5);
  assert.equal(o.hosts.map((x) => x.state), ['success', 'success', 'exit', 'success']);
  assert.equal(o.hosts.map((x) => x.code), [0, 0, 7, 0]);
  assert.is(o.hosts[2]!.error?.kind, 'remote-exit');
});

test('run CLI: a failed client\'s status line, the tally naming it, exit 5 and --keep-remote\'s note', async () => {
  const c = await sharedCluster();
  const cwd = workDir('run-exit-cli');
  writeFileSync(join(cwd, 'e.sh'), '#!/bin/sh\n[ "$DIRECTOR_HOST_INDEX" = 2 ] && exit 7\necho fine\n');
  const r = await runDirector([...c.args(), 'run', 'e.sh'], { cwd });
  assert.is(r.code, 5, r.stdout);
  const bad = c.hosts[2]!.name;
  assert.match(r.stdout, new RegExp(`\\[FAILURE\\] ${esc(bad)} remote exit: code 7`));
  assert.match(r.stdout, new RegExp(`^3 ok, 1 failed: ${esc(bad)} \\(1\\) remote exit$`, 'm'));
  const { summary } = onlyRun(join(cwd, 'output', 'e.sh'));
  assert.equal(summary.clients.map((x) => x.exitCode), [0, 0, 7, 0]);
  assert.is(summary.exitCode, 5);
  const h = c.hosts[1]!;
  const k = await runDirector([...c.args(), '-H', h.name, 'run', '--keep-remote', 'e.sh'], { cwd });
  assert.is(k.code, 0, k.stderr);
  const kept = new RegExp(`kept ${esc(h.name)}:/tmp/(director-run\\.\\S+)`).exec(k.stdout);
  assert.ok(kept, k.stdout);
  rmSync(join(h.tmp, kept[1]!), { recursive: true });
});

test('run: a missing script or a bad project name is a usage error before any client is contacted', async () => {
  const c = await sharedCluster();
  const cwd = workDir('run-usage');
  const missing = await runDirector([...c.args(), 'run', 'nope.sh'], { cwd });
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /script nope\.sh/);
  writeFileSync(join(cwd, 's.sh'), 'true\n');
  const bad = await runDirector([...c.args(), 'run', 's.sh', '../up'], { cwd });
  assert.is(bad.code, 2);
  const noDash = await runDirector([...c.args(), 'run', 's.sh', 'p', 'extra'], { cwd });
  assert.is(noDash.code, 2);
  assert.match(noDash.stderr, /after "--"/);
  assert.not.ok(existsSync(join(cwd, 'output')));
});

test.run();
