// director map against real sshd hosts with their own homes and /tmp: every task runs on a
// host that holds its file (checked from the hosts' side), with its arguments, the file last
// and in DIRECTOR_FILE; slots are honoured (seen among the host's processes); one connection
// per client whatever the number of tasks; files left in DIRECTOR_OUTPUT_DIR come back; the
// reduce equals the same computation done here.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { map } from '../../src/commands/map.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { acceptedLogins, placed, sum, taskOpts, watchConcurrency, LOG_LOGINS } from '../support/jobs.js';
import { tempDir } from '../support/temp.js';
import { within } from '../support/timeout.js';

let c: TestCluster;

test.before(async () => {
  c = await startCluster(4, { sshdConfig: LOG_LOGINS });
});
test.after(async () => {
  await c.stop();
});

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}\n`).join('');

test('map: each file once, on a host that holds it (seen there), with the arguments, the file last and in DIRECTOR_FILE; reduce = local sum; one connection per client', async () => {
  const cwd = tempDir('director-map-');
  const names = [...Array.from({ length: 24 }, (_, i) => `t_${i + 1}.txt`), "sub/we ird $x 'q'_5.txt", 'dash-_7.txt'];
  const counts = new Map(names.map((n, i) => [n, (i * 7) % 23]));
  const { made, record } = await placed(c, cwd, 'mapp', names, () => 1);
  for (const h of c.hosts) for (const f of record.files.filter((x) => x.client === h.name)) writeFileSync(join(h.home, 'director/data/mapp', f.path), lines(counts.get(f.path)!));
  const script = join(cwd, 'count.sh');
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      'printf "%s|%s|%s|%s\\n" "$DIRECTOR_HOST" "$DIRECTOR_FILE" "$DIRECTOR_TASK_ID" "$(pwd)" >> /tmp/map-seen',
      '[ "$DIRECTOR_FILE" = "$3" ] || { echo "last argument differs from DIRECTOR_FILE" >&2; exit 9; }',
      '[ "$1" = "a b" ] && [ "$2" = \'$HOME\' ] || { echo "bad args: $1 $2" >&2; exit 8; }',
      'wc -l < "$3"',
      '',
    ].join('\n'),
  );
  const before = acceptedLogins(c);
  const o = await within(60_000, 'map', map({ ...taskOpts(cwd, { reduce: { command: 'awk "{s+=\\$1} END {print s}"', files: false } }), script, project: 'mapp', args: ['a b', '$HOME'] }, { fleet: c.fleet() }));
  assert.is(o.exitCode, 0, JSON.stringify(o.records.filter((r) => r.status !== 'done').map((r) => r.reason)));
  // Host side: who ran what.
  const ran = new Map<string, string>();
  c.hosts.forEach((h, i) => {
    const seen = existsSync(join(h.tmp, 'map-seen')) ? readFileSync(join(h.tmp, 'map-seen'), 'utf8').trim().split('\n') : [];
    for (const line of seen) {
      const [host, file, , pwd] = line.split('|');
      assert.is(host, h.name, 'DIRECTOR_HOST is the host that ran it');
      assert.not.ok(ran.has(file!), `${file} ran twice`);
      ran.set(file!, h.name);
      assert.ok(pwd!.endsWith('/director/data/mapp'), `ran in the project folder: ${pwd}`);
      assert.ok(existsSync(join(c.hosts[i]!.home, 'director/data/mapp', file!)), `${file} is on ${h.name}`);
    }
  });
  assert.equal([...ran.keys()].sort(), [...made.files.keys()].sort(), 'every file ran once');
  for (const f of record.files) assert.is(ran.get(f.path), f.client, `${f.path} ran where the record puts it`);
  // The reduce against the same sum made here.
  const want = sum([...counts.values()]);
  assert.is(readFileSync(o.reduce!.stdout, 'utf8'), `${want}\n`);
  assert.is(o.reduce?.code, 0);
  // Per-task output and summary.json.
  for (const r of o.records) assert.is(readFileSync(join(o.meta.outputDir, 'tasks', r.spec.id, 'stdout'), 'utf8'), `${counts.get(r.spec.file!)}\n`);
  const summary = JSON.parse(readFileSync(join(o.meta.outputDir, 'summary.json'), 'utf8')) as { counts: { done: number }; tasks: Array<{ host: string; state: string; attempts: number }> };
  assert.is(summary.counts.done, names.length);
  assert.ok(summary.tasks.every((t) => t.state === 'done' && t.attempts === 1));
  // One login per client for 26 tasks; nothing left in the hosts' /tmp.
  const after = acceptedLogins(c);
  assert.equal(after.map((n, i) => n - before[i]!), [1, 1, 1, 1]);
  for (const h of c.hosts) assert.equal(readdirSync(h.tmp).filter((n) => n.startsWith('director-jobs.')), [], `temporary folder left on ${h.name}`);
});

test('map -j 3: at most 3 tasks at once on a host, as its own processes show; the default is its core count', async () => {
  const cwd = tempDir('director-map-slots-');
  await placed(c, cwd, 'slotp', Array.from({ length: 32 }, (_, i) => `s_${i + 1}.txt`));
  const marker = `slotmark${process.pid}`;
  const script = join(cwd, 'slow.sh');
  writeFileSync(script, 'sleep 0.4\n'); // no shebang: run by /bin/sh, the marker in its arguments
  const watch = watchConcurrency(c, marker);
  const o = await within(90_000, 'map -j 3', map({ ...taskOpts(cwd, { slots: 3 }), script, project: 'slotp', args: [marker] }, { fleet: c.fleet() }));
  const most = watch.stop();
  assert.is(o.exitCode, 0);
  assert.ok(most.every((n) => n <= 3), `most at once per host: ${most}`);
  assert.ok(most.some((n) => n === 3), `3 at once somewhere: ${most}`);
  assert.ok(o.clients.every((t) => t.slots === 3));
  const cores = (await import('node:os')).cpus().length;
  const d = await within(90_000, 'map default slots', map({ ...taskOpts(cwd), script, project: 'slotp', args: ['x'] }, { fleet: c.fleet() }));
  assert.ok(d.clients.every((t) => t.slots === Math.min(cores, 8)), `default slots ${d.clients.map((t) => t.slots)} for ${cores} cores`);
});

test('map: files a task leaves in DIRECTOR_OUTPUT_DIR come back per task; --reduce-files gets their paths', async () => {
  const cwd = tempDir('director-map-files-');
  const { record } = await placed(c, cwd, 'filep', Array.from({ length: 10 }, (_, i) => `f_${i + 1}.txt`));
  const script = join(cwd, 'out.sh');
  writeFileSync(script, '#!/bin/sh\nmkdir -p "$DIRECTOR_OUTPUT_DIR/sub"\necho "$DIRECTOR_TASK_ID" > "$DIRECTOR_OUTPUT_DIR/sub/id"\n[ "$DIRECTOR_TASK_ID" = 3 ] || wc -c < "$1" > "$DIRECTOR_OUTPUT_DIR/n"\n');
  const o = await within(60_000, 'map files', map({ ...taskOpts(cwd, { slots: 1, reduce: { command: 'cat', files: true } }), script, project: 'filep', args: [] }, { fleet: c.fleet() }));
  assert.is(o.exitCode, 0);
  for (const r of o.records) {
    const dir = join(o.meta.outputDir, 'tasks', r.spec.id, 'files');
    assert.is(readFileSync(join(dir, 'sub', 'id'), 'utf8'), `${r.spec.id}\n`, 'each task its own files, never another\'s');
    assert.is(existsSync(join(dir, 'n')), r.spec.id !== '3', `task ${r.spec.id}: n only where written (the slot folder was emptied between tasks)`);
  }
  const got = readFileSync(o.reduce!.stdout, 'utf8');
  // --reduce-files: per task its files in path order (n, then sub/id), tasks in order.
  const want = record.files.map((f, i) => (String(i + 1) === '3' ? `${i + 1}\n` : `${f.size}\n${i + 1}\n`)).join('');
  assert.is(got, want);
});

test('map -p 1 over 4 clients: a client with nothing left leaves so that the next connects; every file done on its holder', async () => {
  const cwd = tempDir('director-map-p1-');
  const { record } = await placed(c, cwd, 'onep', Array.from({ length: 12 }, (_, i) => `o_${i + 1}.txt`));
  const script = join(cwd, 'who.sh');
  writeFileSync(script, 'echo "$DIRECTOR_HOST"\n');
  const o = await within(60_000, 'map -p 1', map({ ...taskOpts(cwd), script, project: 'onep', args: [] }, { fleet: c.fleet({ parallel: '1' }) }));
  assert.is(o.exitCode, 0, JSON.stringify(o.records.map((r) => r.reason)));
  for (const r of o.records) {
    const holder = record.files.find((f) => f.path === r.spec.file)!.client;
    assert.is(readFileSync(join(o.meta.outputDir, 'tasks', r.spec.id, 'stdout'), 'utf8'), `${holder}\n`);
  }
  assert.equal(o.clients.map((t) => t.done), [3, 3, 3, 3]);
});

test.run();
