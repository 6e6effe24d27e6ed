// Hostile file names and paths in `data`: names with newlines, `..`, a leading `-`, `$(…)`,
// backticks, quotes, unicode, 255 bytes, deep paths, names of director's own temporaries;
// symbolic links out of the data folder; projects and remote roots that would escape. Every
// name lands literally with its bytes, no command runs on a client, a local copy goes only
// once verified, and an escape is refused before any client is contacted.
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { holders, makeData, md5, type Made } from '../support/data-files.js';
import { loginArgs } from '../support/login-args.js';
import { canaries, ledger, record, recordMismatches } from '../support/reliability.js';
import { silentServer, type SilentServer } from '../support/silent-server.js';
import { tempDir } from '../support/temp.js';

const TEST = 'test/reliability/hostile-names.test.ts';
let c: TestCluster;
let cwd: string;

test.before(async () => {
  c = await startCluster(3);
  cwd = tempDir('director-names-cwd-');
});
test.after(async () => {
  await c.stop();
});

const data = (args: string[]) => runDirector([...c.args(), 'data', ...args], { cwd });

/** Every name under a folder (recursively) whose last part matches `pattern`. */
function namesUnder(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((rel) => pattern.test(rel.split('/').pop() ?? ''));
}

/** The client (n-1) mod N that mod placement gives a file named `…_<n>.<ext>`. */
const hostFor = (rel: string) => (Number(/_(\d+)\.[^/]*$/.exec(rel)?.[1]) - 1) % c.hosts.length;

/** Every file at its final name on exactly its client, bytes intact; nothing lost, nothing partial. */
function assertLanded(made: Made, project: string): number {
  for (const [rel, bytes] of made.files) {
    const at = holders(c, project, rel);
    assert.equal(at, [hostFor(rel)], JSON.stringify(rel));
    assert.is(md5(readFileSync(join(c.hosts[at[0]!]!.home, 'director/data', project, rel))), md5(bytes), JSON.stringify(rel));
  }
  const l = ledger(made, c, project);
  assert.equal(l.lost, [], 'files lost');
  assert.equal(l.partial, [], 'wrong bytes at a final name');
  assert.equal(recordMismatches(cwd, project, c), [], 'the placement record disagrees with the hosts');
  return l.verifiedRemote.length;
}

test('hostile names land literally with their bytes: newlines, .., leading -, $(…), backticks, quotes, unicode, 255 bytes, deep paths', async () => {
  const deep = Array.from({ length: 10 }, (_, i) => `${i}${'d'.repeat(199)}`).join('/');
  const paths = [
    'with space_1.txt',
    `it's "quoted"_2.txt`,
    'ünï cødé ✓ 日本_3.txt',
    '$(touch CANARY1)_4.txt',
    '-rf_5.txt',
    'semi;touch CANARY2;_6.txt',
    'new\nline_7.txt',
    'dir with space/$(touch CANARY3)_8.txt',
    '`touch CANARY4`_9.txt',
    '.._10.txt',
    'a..b_11.txt',
    '--help_12.txt',
    'tab\there\r_13.txt',
    '*glob?[a]{b,c}~_14.txt',
    'back\\slash \\n_15.txt',
    `${'L'.repeat(255 - '_16.txt'.length)}_16.txt`,
    `${'é'.repeat(124)}_17.txt`,
    `${deep}/deep_18.txt`,
    '$HOME ${IFS} %s_19.txt',
    '| touch CANARY5 &_20.txt',
    '-/-- -n_21.txt',
  ];
  assert.is(Buffer.byteLength(paths[15]!), 255);
  assert.is(Buffer.byteLength(paths[16]!), 255);
  const made = makeData(paths);
  const r = await data([made.dir, 'hostile']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, `${paths.length} of ${paths.length} files verified on their clients, 0 failed`);
  const landed = assertLanded(made, 'hostile');
  assert.equal(canaries(c), [], 'a name ran as a command');
  assert.equal(ledger(made, c, 'hostile').stillLocal, [], 'local copies left after verification');
  const temps = c.hosts.flatMap((h) => namesUnder(join(h.home, 'director/data/hostile'), /director-tmp|^\.director-batch-/));
  assert.equal(temps, [], 'temporaries left on a host');
  const lost = ledger(made, c, 'hostile').lost.length;
  record({
    id: 'data-hostile-names',
    area: 'hostile',
    case: 'data: file names with newlines, .., leading -, $(…), backticks, quotes, globs, unicode, 255 bytes, 2 KB deep paths',
    does: 'Each lands literally at its place with its bytes (names never pass through a shell); the local copy goes after verification',
    filesLost: lost,
    figure: `${landed}/${paths.length} verified at their literal names, ${canaries(c).length} canaries, ${temps.length} temporaries left`,
    test: TEST,
  });
});

test('files named like director\'s own temporaries cannot take another file\'s place', async () => {
  // Before, `a_1.txt` travelled as `.a_1.txt.director-tmp`: a data file of that very name was
  // renamed over it, and a_1.txt got the other file's bytes, its own lost after "verification".
  const paths = ['a_1.txt', '.a_1.txt.director-tmp', 'b_2.txt', '.b_2.txt.director-tmp', '.director-batch-000000000000.list_3.txt'];
  const made = makeData(paths);
  const r = await data([made.dir, 'lookalike', '--all']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const l = ledger(made, c, 'lookalike');
  assert.equal(l.partial, [], 'a file has another file\'s bytes');
  assert.equal(l.lost, []);
  // The look-alikes carry the `_<n>` of the file they imitate, so they go to the same client.
  for (const rel of paths.slice(0, 4)) assert.equal(holders(c, 'lookalike', rel), [hostFor(rel)], rel);
  assert.is(l.verifiedRemote.length, paths.length);
  // Names exactly like a temporary of today's scheme (whose batch tag anyone can compute from
  // the paths) are never sent: skipped, said so, and left where they are.
  const exact = makeData(['.0123456789abcdef-0.director-tmp', '.director-batch-0123456789abcdef.list', 'c_1.txt']);
  const x = await data([exact.dir, 'lookalike2', '--all']);
  assert.is(x.code, 0, x.stdout + x.stderr);
  assert.match(x.stdout, /2 named like a director temporary/);
  const lx = ledger(exact, c, 'lookalike2');
  assert.equal(lx.stillLocal.sort(), ['.0123456789abcdef-0.director-tmp', '.director-batch-0123456789abcdef.list']);
  assert.equal(lx.verifiedRemote, ['c_1.txt']);
  record({
    id: 'data-temp-lookalikes',
    area: 'hostile',
    case: 'data: files named like director\'s temporaries (.a_1.txt.director-tmp next to a_1.txt)',
    does: 'Temporary names are short and tagged per batch, so no data file can be renamed over another; a file named exactly like a temporary is skipped and kept',
    filesLost: l.lost.length + l.partial.length,
    figure: `${l.verifiedRemote.length}/${paths.length} old-style look-alikes verified, ${l.partial.length} with wrong bytes; ${lx.stillLocal.length}/2 exact look-alikes skipped and kept`,
    test: TEST,
  });
});

test('a path the client cannot create fails alone and stays local; its batch-mates verify, no temporaries left', async () => {
  // On the client a file stands where the data folder has a folder: tar cannot unpack into it.
  const paths = ['ok_1.txt', 'blocked/x_1.txt', 'ok_4.txt', 'ok_7.txt'];
  const made = makeData(paths);
  const home = c.hosts[0]!.home;
  mkdirSync(join(home, 'director/data/refused'), { recursive: true });
  writeFileSync(join(home, 'director/data/refused/blocked'), 'a file, not a folder');
  const r = await data([made.dir, 'refused']);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /3 of 4 files verified on their clients, 1 failed/);
  assert.match(r.stdout, /blocked\/x_1\.txt → .*: the client could not write it: Cannot open: Not a directory/, r.stdout);
  const l = ledger(made, c, 'refused');
  assert.equal(l.verifiedRemote.sort(), ['ok_1.txt', 'ok_4.txt', 'ok_7.txt']);
  assert.equal(l.stillLocal, ['blocked/x_1.txt']);
  assert.equal(l.lost, []);
  const temps = namesUnder(join(home, 'director/data/refused'), /director-tmp|^\.director-batch-/);
  assert.equal(temps, [], 'temporaries left on the host');
  record({
    id: 'data-path-client-refuses',
    area: 'hostile',
    case: 'data: one path of a batch the client cannot create (a file stands where its folder goes)',
    does: 'That file fails with tar\'s reason and stays local; the rest of its batch verifies; no temporaries are left',
    filesLost: l.lost.length,
    figure: `${l.verifiedRemote.length}/4 verified, ${l.stillLocal.length} kept locally, ${temps.length} temporaries left`,
    test: TEST,
  });
});

test('symbolic links out of the data folder (to a file, to a folder, dangling, a loop): not followed, not sent, never deleted through', async () => {
  const outside = tempDir('director-outside-');
  const secret = Buffer.from(`secret ${Math.random()}\n`);
  writeFileSync(join(outside, 'secret_1.txt'), secret);
  mkdirSync(join(outside, 'folder'));
  writeFileSync(join(outside, 'folder', 'inner_2.txt'), secret);
  const made = makeData(['real_3.txt']);
  symlinkSync(join(outside, 'secret_1.txt'), join(made.dir, 'link_1.txt'));
  symlinkSync(join(outside, 'folder'), join(made.dir, 'linkdir'));
  symlinkSync(join(outside, 'gone_4.txt'), join(made.dir, 'dangling_4.txt'));
  symlinkSync('loop_5.txt', join(made.dir, 'loop_5.txt'));
  const r = await data([made.dir, 'links', '--all']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Found 1 file in .* \(4 files skipped: 4 symlink\)/);
  assertLanded(made, 'links');
  // The targets are where they were, unchanged; the links too.
  assert.is(md5(readFileSync(join(outside, 'secret_1.txt'))), md5(secret));
  assert.is(md5(readFileSync(join(outside, 'folder', 'inner_2.txt'))), md5(secret));
  assert.equal(readdirSync(made.dir).sort(), ['dangling_4.txt', 'link_1.txt', 'linkdir', 'loop_5.txt']);
  // Nothing of theirs reached a host, under any name.
  const sent = c.hosts.flatMap((h) =>
    namesUnder(join(h.home, 'director/data/links'), /./).filter((rel) => rel !== 'real_3.txt').map((rel) => `${h.name}:${rel}`),
  );
  assert.equal(sent, []);
  const targetsLost = ['secret_1.txt', 'folder/inner_2.txt'].filter((rel) => !existsSync(join(outside, rel))).length;
  record({
    id: 'data-symlinks-out',
    area: 'hostile',
    case: 'data: symbolic links to a file and a folder outside the data folder, dangling, looping',
    does: 'Skips every link (listed as skipped): nothing behind it is sent, and neither the link nor its target is deleted',
    filesLost: targetsLost,
    figure: `4 links skipped, ${sent.length} sent, ${targetsLost} targets lost`,
    test: TEST,
  });
});

test('a project, remote root or folder name that would escape (.., /, ~user, leading -) is refused before any client is contacted', async () => {
  const watch: SilentServer = await silentServer('127.0.0.78');
  try {
    const dir = tempDir('director-escape-');
    const conf = join(dir, 'clients.conf');
    writeFileSync(conf, `127.0.0.78:${watch.port}\n`);
    const args = loginArgs(conf, dir);
    const made = makeData(['e_1.txt', 'e_2.txt']);
    const work = tempDir('director-escape-cwd-');
    writeFileSync(join(work, 's.sh'), 'echo hi\n');
    const cases: Array<[string[], RegExp]> = [
      [['data', made.dir, '..'], /project name ".."/],
      [['data', made.dir, '../x'], /project name "..\/x"/],
      [['data', made.dir, 'a/b'], /project name "a\/b"/],
      [['data', made.dir, '/etc'], /project name "\/etc"/],
      [['data', made.dir, '.hidden'], /project name ".hidden"/],
      [['data', '--', made.dir, '-rf'], /project name "-rf"/],
      [['data', made.dir, 'p', '--remote-root', '~/../..'], /--remote-root "~\/\.\.\/\.\.": "\.\." is not allowed/],
      [['data', made.dir, 'p', '--remote-root', '../x'], /"\.\." is not allowed/],
      [['data', made.dir, 'p', '--remote-root', '/srv/data/../../etc'], /"\.\." is not allowed/],
      [['data', made.dir, 'p', '--remote-root', '~root/x'], /only ~ and ~\/… are understood/],
      [['data', '--list', '../x'], /project name "\.\.\/x"/],
      [['run', 's.sh', '..'], /project name "\.\."/],
      [['run', 's.sh', 'a/b'], /project name "a\/b"/],
      [['run', 's.sh', '../up'], /project name "\.\.\/up"/],
      [['run', 's.sh', 'p', '--remote-root', '~/x/../../..'], /"\.\." is not allowed/],
      [['mkdir', '~', '..'], /one folder name, without "\/" \(got "\.\."\)/],
      [['mkdir', '~', '.'], /one folder name/],
      [['mkdir', '~', 'a/b'], /one folder name/],
      [['mkdir', '~', '../../etc'], /one folder name/],
      [['mkdir', '~', ''], /one folder name/],
    ];
    let slowestMs = 0;
    for (const [cmd, why] of cases) {
      const t0 = Date.now();
      const r = await runDirector([...args, ...cmd], { cwd: work });
      slowestMs = Math.max(slowestMs, Date.now() - t0);
      assert.is(r.code, 2, `${cmd.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, why, `${cmd.join(' ')}: ${r.stderr}`);
    }
    assert.is(watch.connections(), 0, 'a client was contacted');
    assert.equal(readdirSync(made.dir).sort(), ['e_1.txt', 'e_2.txt'], 'local files touched');
    assert.equal(readdirSync(work), ['s.sh'], 'something was written on the director');
    // The same options with a plain project do contact the client (so 0 above means refused).
    const control = await runDirector([...args, 'data', made.dir, 'plain'], { cwd: work });
    assert.is(control.code, 1, control.stdout + control.stderr);
    assert.is(watch.connections(), 1);
    assert.equal(readdirSync(made.dir).sort(), ['e_1.txt', 'e_2.txt'], 'files of an unreachable client stay');
    record({
      id: 'path-escape-refused',
      area: 'hostile',
      case: 'A project, --remote-root or mkdir name with .. or / that would escape (data, run, mkdir, data --list)',
      does: 'Refused with exit 2 and the reason before any client is contacted; nothing is written',
      detectMs: slowestMs,
      figure: `${cases.length} commands: exit 2, ${watch.connections() - 1} connections`,
      test: TEST,
    });
  } finally {
    await watch.close();
  }
});

test.run();
