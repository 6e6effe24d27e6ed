// `data --replicas R` against real sshd hosts: each file on R distinct clients, every copy
// md5-checked on its host, the local copy gone only once every copy is verified and recorded;
// a host down keeps the files that have a copy there local, and the same command completes
// them once it is back, sending only the missing copies.
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { data, type DataResult } from '../../src/commands/data.js';
import { run } from '../../src/commands/run.js';
import { runDirector } from '../support/cli.js';
import { collectOutput } from '../support/run-e2e.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { dataOptions, holders, makeData, md5, recordedCopies, remoteBytes, type Made } from '../support/data-files.js';
import { fakeBinaryInHost } from '../support/host-view.js';
import { ledger, record, recordMismatches } from '../support/reliability.js';
import { tempDir } from '../support/temp.js';
import { waitUntil } from '../support/wait.js';

const TEST = 'test/reliability/data-replicas.test.ts';

let c: TestCluster;
let cwd: string;

test.before(async () => {
  c = await startCluster(3);
  cwd = tempDir('director-replicas-');
});
test.after(async () => {
  await c.stop();
});

function send(made: Made, project: string, replicas: number): Promise<DataResult> {
  return data(dataOptions(made.dir, project, cwd, { replicas }), { fleet: c.fleet() });
}

/** `<stem>_1.txt` … : file n's copies go to hosts (n-1) mod 3, then the next ones. */
const numbered = (stem: string, count: number) => Array.from({ length: count }, (_, i) => `${stem}_${i + 1}.txt`);
const expectedHosts = (i: number, replicas: number) => Array.from({ length: replicas }, (_, k) => (i + k) % 3).sort();

/** Each file at its final name on exactly `hosts(i)`, with its bytes; the record lists exactly those copies. */
function assertCopies(made: Made, project: string, hosts: (i: number) => number[]): void {
  const copies = recordedCopies(cwd, project);
  [...made.files.keys()].forEach((rel, i) => {
    const want = hosts(i);
    assert.equal(holders(c, project, rel), want, `${rel}: held by ${want.join(', ')}`);
    for (const h of want) assert.is(md5(remoteBytes(c, h, project, rel)), md5(made.files.get(rel)!), `${rel} on host ${h}`);
    const listed = copies.filter((f) => f.path === rel).map((f) => c.hosts.findIndex((x) => x.name === f.client));
    assert.equal(listed.sort(), want, `${rel}: the record lists its copies`);
  });
  assert.equal(recordMismatches(cwd, project, c), [], 'the record agrees with the hosts');
}

test('--replicas 2: every file on its rule\'s client and the next one, each copy verified on its host, local copies gone, --list shows both', async () => {
  const project = 'two';
  const made = makeData(numbered('r', 12));
  const r = await send(made, project, 2);
  assert.is(r.exitCode, 0, JSON.stringify(r.clients.map((o) => o.error)));
  assert.equal([r.verified, r.failed, r.copies.verified, r.copies.failed], [12, 0, 24, 0]);
  assertCopies(made, project, (i) => expectedHosts(i, 2));
  assert.equal(ledger(made, c, project).stillLocal, [], 'every local copy went');
  // Every copy was md5-summed by its own host: each host verified its share.
  assert.equal(r.clients.map((o) => o.files.filter((f) => f.ok).length), [8, 8, 8]);

  const list = await runDirector([...c.args(), 'data', '--list', project], { cwd });
  assert.is(list.code, 0, list.stderr);
  assert.match(list.stdout, /^12 files \(24 copies\) of project two on 3 clients/m);
  assert.match(list.stdout, new RegExp(`^r_1\\.txt +${c.hosts[0]!.name.replace(/\./g, '\\.')}, ${c.hosts[1]!.name.replace(/\./g, '\\.')} `, 'm'));
});

test('run over a replicated project: each file on exactly one DIRECTOR_FILES list, on a client that holds it; a holder left out (-x) hands its files to the others', async () => {
  const project = 'worked';
  const made = makeData(numbered('w', 12), () => 1000);
  assert.is((await send(made, project, 2)).exitCode, 0);
  const script = join(cwd, 'list.sh');
  writeFileSync(script, '#!/bin/sh\n# what this client was given, and whether each file is here\nwhile IFS= read -r f; do [ -f "$f" ] && echo "$f"; done < "$DIRECTOR_FILES"\n', { mode: 0o755 });
  const listsOf = async (exclude: string[]) => {
    const out = collectOutput();
    const r = await run({ script, args: [], project, outputRoot: join(cwd, 'out'), stateDir: join(cwd, '.director'), keepRemote: false }, { fleet: c.fleet({ exclude }), events: out.events });
    assert.equal(r.hosts.map((h) => h.state), c.hosts.slice(exclude.length).map(() => 'success'), JSON.stringify(r.hosts.map((h) => h.error)));
    return r.hosts.map((h) => out.text(h.client.index).split('\n').filter((l) => l !== ''));
  };
  const all = await listsOf([]);
  assert.equal(all.flat().sort(), [...made.files.keys()].sort(), 'every file once (listed and present on its client)');
  // Equal sizes: the work is spread evenly, within one file.
  const spread = (lists: string[][]) => Math.max(...lists.map((l) => l.length)) - Math.min(...lists.map((l) => l.length));
  assert.ok(spread(all) <= 1, all.map((l) => l.length).join(', '));
  const without0 = await listsOf([c.hosts[0]!.name]);
  assert.equal(without0.flat().sort(), [...made.files.keys()].sort(), 'every file once without host 0');
  assert.ok(spread(without0) <= 1, without0.map((l) => l.length).join(', '));
});

test('the local copy goes only once the last copy is verified and recorded', async () => {
  const project = 'last';
  const made = makeData(['w_1.txt']);
  const local = join(made.dir, 'w_1.txt');
  const tmp = c.hosts[1]!.tmp;
  // Host 1's md5sum waits for a go-ahead once it is asked to sum the temporary it unpacked.
  const undo = fakeBinaryInHost(
    c,
    1,
    '/usr/bin/md5sum',
    `for a; do case $a in *.director-tmp) touch /tmp/md5-waiting; while [ ! -e /tmp/md5-go ]; do sleep 0.02; done;; esac; done; exec "$REAL" "$@"`,
  );
  let running: Promise<DataResult> | undefined;
  try {
    running = send(made, project, 2);
    await waitUntil(
      () => existsSync(join(tmp, 'md5-waiting')) && recordedCopies(cwd, project).some((f) => f.client === c.hosts[0]!.name),
      30_000,
      'host 0 verified and recorded its copy while host 1 sums its own',
    );
    assert.ok(existsSync(local), 'the local copy is still there while one copy is unverified');
    writeFileSync(join(tmp, 'md5-go'), '');
    const r = await running;
    assert.is(r.exitCode, 0);
    assert.not.ok(existsSync(local), 'gone once both copies verified');
    assertCopies(made, project, () => [0, 1]);
  } finally {
    // A failed assertion must not leave the run waiting for the go-ahead.
    writeFileSync(join(tmp, 'md5-go'), '');
    await running?.catch(() => undefined);
    undo();
    for (const f of ['md5-waiting', 'md5-go']) if (existsSync(join(tmp, f))) unlinkSync(join(tmp, f));
  }
});

test('a host down during the run: files with a copy there stay local though their other copies verified; the rerun sends only the missing copies', async () => {
  const project = 'down';
  const down = 2;
  const made = makeData(numbered('d', 9));
  const rels = [...made.files.keys()];
  const touches = (i: number) => expectedHosts(i, 2).includes(down);
  await c.cluster.stopHost(down);
  let first: DataResult;
  try {
    first = await send(made, project, 2);
  } finally {
    await c.cluster.startHost(down);
  }
  assert.is(first.exitCode, 1);
  const l = ledger(made, c, project);
  assert.equal(l.lost, [], 'files lost');
  assert.equal(l.stillLocal.sort(), rels.filter((_, i) => touches(i)).sort(), 'exactly the files with a copy on the down host stay local');
  // Their copies on the live hosts verified and are recorded; nothing is on the down host.
  assertCopies(made, project, (i) => expectedHosts(i, 2).filter((h) => h !== down));
  assert.equal([first.verified, first.failed, first.copies.failed], [3, 6, 6]);

  const again = await send(made, project, 2);
  assert.is(again.exitCode, 0);
  assertCopies(made, project, (i) => expectedHosts(i, 2));
  assert.equal(ledger(made, c, project).stillLocal, [], 'the rerun emptied the folder');
  // The live hosts only confirmed what they had (md5 of the existing copy); the files went to the down host alone.
  const sent = again.clients.flatMap((o) => o.files.filter((f) => f.ok && !f.already).map((f) => o.client.name));
  assert.equal([...new Set(sent)], [c.hosts[down]!.name], 'only the missing copies were sent');
  assert.is(sent.length, 6);
  record({
    id: 'data-replicas-host-down',
    area: 'fault',
    case: 'data --replicas 2 with one of 3 clients down',
    does: 'Verifies and records the copies on the live clients but keeps every file that has a copy on the down one local; the same command after it is back sends only the missing copies and then removes the local files',
    filesLost: l.lost.length,
    figure: `${l.stillLocal.length}/9 kept local, rerun sent ${sent.length} copies`,
    test: TEST,
  });
});

test('more replicas than clients, or not a number: exit 2 before any client is contacted', async () => {
  const made = makeData(['u_1.txt']);
  for (const [value, why] of [
    ['4', /--replicas 4: each copy needs a client of its own, and there are 3 clients/],
    ['0', /--replicas must be a whole number of 1 or more \(got "0"\)/],
    ['two', /--replicas must be a whole number of 1 or more \(got "two"\)/],
  ] as const) {
    const r = await runDirector([...c.args(), 'data', made.dir, 'usage', '--replicas', value], { cwd });
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, why);
  }
  assert.ok(existsSync(join(made.dir, 'u_1.txt')));
  assert.equal(holders(c, 'usage', 'u_1.txt'), []);
  assert.not.ok(existsSync(join(cwd, '.director', 'usage')), 'no record, no lock');
});

test.run();
