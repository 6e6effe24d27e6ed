// Faults during copy and gather, against real sshd hosts: a client killed mid-copy (the
// others finish; nothing half-written at a final name; a rerun clears its temporaries and
// completes), Ctrl-C during copy (no temporary left on any host) and during gather (none
// left here), and a 1 GB sparse file copied and verified by md5 on the hosts.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { makeData, md5 } from '../support/data-files.js';
import { killHost } from '../support/host-control.js';
import { hostNamespace, hostProcessesMatching, processesWith, writingFileEndingWith } from '../support/proc.js';
import { inHost, record } from '../support/reliability.js';
import { watchDirector } from '../support/run-spawn.js';
import { tempDir, tmpfsOver } from '../support/temp.js';
import { waitUntil } from '../support/wait.js';
import { within } from '../support/timeout.js';

const TEST = 'test/reliability/copy-faults.test.ts';
const MB = 1024 * 1024;
const HOME_IN_HOST = userInfo().homedir;

let c: TestCluster;
let cwd: string;

test.before(async () => {
  c = await startCluster(3);
  cwd = tempDir('director-copy-faults-');
});
test.after(async () => {
  await c.stop();
});

const onHost = (i: number, rel: string) => join(c.hosts[i]!.home, rel);
const listing = (root: string) => (existsSync(root) ? (readdirSync(root, { recursive: true }) as string[]).sort() : []);
const temporaries = (root: string) => listing(root).filter((n) => /\.director-(tmp|part)$|\.director-batch-/.test(n));
/** The tar of host `i` that writes a copy temporary, if one does now. */
const tarWriting = (ns: string) => hostProcessesMatching(ns, /^tar -x/).filter((pid) => writingFileEndingWith(pid, '.director-tmp'));

test('a client killed (sshd and its sessions, SIGKILL) mid-copy: the others finish verified, it has no file at a final name, a rerun clears its temporaries and completes', async () => {
  const made = makeData(Array.from({ length: 8 }, (_, i) => `k/big_${i}.bin`), () => 5 * MB); // 40 MB: two batches
  const victim = 1;
  const ns = c.hosts.map((_, i) => hostNamespace(c, i));
  const w = watchDirector([...c.args(), 'copy', join(made.dir, 'k'), '~/killed'], { cwd });
  // Freeze the victim's tar while it writes a temporary, so the kill lands mid-file however fast this machine is.
  await waitUntil(
    () => {
      const pids = tarWriting(ns[victim]!);
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      return pids.length > 0;
    },
    30_000,
    'the victim writes a temporary',
  );
  const killedAt = Date.now();
  killHost(c.cluster, victim);
  const r = await within(60_000, 'copy ends after the kill', w.done);
  const exitMs = Date.now() - killedAt;
  let leftAtKill: string[];
  try {
    assert.is(r.code, 1, r.stdout + r.stderr);
    const name = c.hosts[victim]!.name;
    assert.match(r.stdout, new RegExp(`^${name.replace(/\./g, '\\.')}: 0 written, 0 unchanged, 8 failed .*connection lost`, 'm'));
    for (const i of [0, 2]) {
      for (const [rel, body] of made.files) assert.is(md5(readFileSync(onHost(i, `killed/${rel}`))), md5(body), `${rel} on host ${i}`);
      assert.equal(temporaries(onHost(i, 'killed')), [], `no temporaries on host ${i}`);
    }
    leftAtKill = listing(onHost(victim, 'killed'));
    const finals = leftAtKill.filter((n) => /(^|\/)big_\d\.bin$/.test(n));
    assert.equal(finals, [], 'nothing at a final name on the killed client');
    assert.ok(temporaries(onHost(victim, 'killed')).length > 0, 'the killed tar left temporaries (hidden names)');
    assert.equal(processesWith(made.dir), [], 'director left nothing running');
  } finally {
    await c.cluster.startHost(victim);
  }
  const again = await runDirector([...c.args(), 'copy', join(made.dir, 'k'), '~/killed'], { cwd });
  assert.is(again.code, 0, again.stdout + again.stderr);
  assert.match(again.stdout, new RegExp(`temporar(y|ies) of an earlier run removed on ${c.hosts[victim]!.name.replace(/\./g, '\\.')}`));
  for (const [rel, body] of made.files) assert.is(md5(readFileSync(onHost(victim, `killed/${rel}`))), md5(body), rel);
  assert.equal(temporaries(onHost(victim, 'killed')), [], 'the rerun removed them');
  record({
    id: 'copy-client-killed',
    area: 'fault',
    case: 'A client killed (sshd and its sessions, SIGKILL) in the middle of `copy`',
    does: 'Fails that client alone; the others finish from the same shared stream, verified; nothing half-written at a final name; the same command after a restart removes its temporaries and completes',
    filesLost: 0,
    figure: `exit 1 after ${exitMs} ms; ${leftAtKill.length} hidden temporaries on the killed client, 0 at final names; rerun exit 0`,
    test: TEST,
  });
});

test('Ctrl-C during copy: exit 130, every host\'s temporaries removed, nothing at a final name', async () => {
  const made = makeData(['int/one.bin'], () => 120 * MB);
  const ns = c.hosts.map((_, i) => hostNamespace(c, i));
  const w = watchDirector([...c.args(), 'copy', join(made.dir, 'int', 'one.bin'), '~/interrupted'], { cwd });
  await waitUntil(() => c.hosts.every((_, i) => tarWriting(ns[i]!).length > 0), 30_000, 'every host writes a temporary');
  const at = Date.now();
  w.child.kill('SIGINT');
  const r = await within(30_000, 'copy stops', w.done);
  assert.is(r.code, 130, r.stdout + r.stderr);
  for (let i = 0; i < 3; i++) assert.equal(listing(onHost(i, 'interrupted')), [], `nothing left on host ${i}`);
  record({
    id: 'copy-interrupted',
    area: 'fault',
    case: 'Ctrl-C during `copy` (a 120 MB file to 3 clients)',
    does: 'Stops every remote tar, removes every temporary, leaves nothing at a final name; exit 130',
    filesLost: 0,
    detectMs: Date.now() - at,
    figure: 'exit 130; 0 temporaries on 3 clients',
    test: TEST,
  });
});

test('Ctrl-C during gather: exit 130, no temporary and no half file here', async () => {
  for (let i = 0; i < 3; i++) {
    const big = onHost(i, 'gbig/data.bin');
    inHost(c, i, ['mkdir', '-p', join(HOME_IN_HOST, 'gbig')]);
    inHost(c, i, ['sh', '-c', 'head -c 150000000 /dev/urandom > "$1"', 'sh', join(HOME_IN_HOST, 'gbig/data.bin')]);
    assert.ok(existsSync(big));
  }
  const out = join(tempDir('director-gather-int-'), 'out');
  const w = watchDirector([...c.args(), 'gather', '~/gbig/*.bin', out], { cwd });
  await waitUntil(() => temporaries(out).length > 0, 30_000, 'a temporary is being written here');
  w.child.kill('SIGINT');
  const r = await within(30_000, 'gather stops', w.done);
  assert.is(r.code, 130, r.stdout + r.stderr);
  assert.equal(temporaries(out), [], 'no temporaries');
  assert.equal(listing(out).filter((n) => n.endsWith('data.bin')), [], 'no half file at a final name');
  record({
    id: 'gather-interrupted',
    area: 'fault',
    case: 'Ctrl-C during `gather` (150 MB from each of 3 clients)',
    does: 'Stops every remote tar, removes the local temporaries; nothing at a final name; exit 130',
    filesLost: 0,
    figure: 'exit 130; 0 temporaries here',
    test: TEST,
  });
});

test('gather onto a full disk here: exit 1 says why, no temporary, every file at a final name is whole (write errors of the synchronous small-file path)', async () => {
  for (let i = 0; i < 3; i++) {
    inHost(c, i, ['sh', '-c', 'mkdir -p "$1" && for n in $(seq 1 30); do head -c 20000 /dev/urandom > "$1/f$n.bin"; done', 'sh', join(HOME_IN_HOST, 'gfull')]);
  }
  const dir = tempDir('director-gather-full-');
  const unmount = tmpfsOver(dir, '512k'); // 1.8 MB to gather
  try {
    const out = join(dir, 'out');
    const r = await runDirector([...c.args(), 'gather', '~/gfull', out], { cwd });
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /no space left on device/i);
    assert.equal(temporaries(out), [], 'no temporaries');
    let whole = 0;
    for (let i = 0; i < 3; i++) {
      const mine = join(out, c.hosts[i]!.name, 'gfull');
      for (const name of existsSync(mine) ? readdirSync(mine) : []) {
        assert.is(md5(readFileSync(join(mine, name))), md5(readFileSync(onHost(i, `gfull/${name}`))), `${c.hosts[i]!.name}: ${name}`);
        whole++;
      }
    }
    record({
      id: 'gather-full-disk',
      area: 'fault',
      case: '`gather` of 3 × 30 files of 20 KB onto a 512 KB file system here',
      does: 'a client whose files do not all fit fails with the disk\'s error and leaves nothing here (temporaries removed); files placed are whole; exit 1',
      filesLost: 0,
      figure: `${whole} of 90 placed whole, 0 temporaries`,
      test: TEST,
    });
  } finally {
    unmount();
  }
});

test('a 1 GB sparse file copied to 2 clients: md5 on each host equals the local md5', async () => {
  const dir = tempDir('director-sparse-');
  const file = join(dir, 'sparse.img');
  writeFileSync(file, 'head');
  truncateSync(file, 1024 * MB);
  const local = await new Promise<string>((ok, fail) => {
    const h = createHash('md5');
    createReadStream(file).on('data', (d) => h.update(d)).on('error', fail).on('end', () => ok(h.digest('hex')));
  });
  const started = Date.now();
  const r = await runDirector([...c.args(['-H', `${c.hosts[0]!.name},${c.hosts[2]!.name}`]), 'copy', file, '~/sparse'], { cwd, timeoutMs: 300_000 });
  const ms = Date.now() - started;
  assert.is(r.code, 0, r.stdout + r.stderr);
  for (const i of [0, 2]) {
    const sum = inHost(c, i, ['md5sum', join(HOME_IN_HOST, 'sparse/sparse.img')]).toString().slice(0, 32);
    assert.is(sum, local, `host ${i}`);
    inHost(c, i, ['rm', '-f', join(HOME_IN_HOST, 'sparse/sparse.img')]);
  }
  record({ id: 'copy-sparse-1g', area: 'fault', case: 'A 1 GB sparse file copied to 2 clients', does: 'Verified by md5 on both hosts', figure: `${(ms / 1000).toFixed(1)} s, md5 ${local.slice(0, 8)}… on both`, test: TEST });
});

test.run();
