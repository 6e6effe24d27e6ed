// Hostile arguments to mkdir, run and exec: every shell metacharacter, newlines, tabs, a
// leading `-`, globs that would match files. mkdir creates them literally; run hands them to
// the script as its argv byte for byte; exec's words are the user's own shell code, as with
// ssh, so there the test is that director's exec means exactly what `ssh host words…` means.
// Canary files prove that nothing ran that should not have.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { sharedCluster, type TestCluster } from '../support/cluster.js';
import { canaries, record } from '../support/reliability.js';
import { leftovers, onlyRun, workDir, type Summary } from '../support/run-e2e.js';

const TEST = 'test/reliability/hostile-args.test.ts';

/** Words made of every shell metacharacter, alone and in company. */
const HOSTILE = [
  ';touch CANARY1',
  '&touch CANARY2&',
  '|touch CANARY3',
  '<in',
  '>out',
  '(sub shell)',
  '$(touch CANARY4)',
  '`touch CANARY5`',
  'back\\slash\\',
  '"double"',
  "'single'",
  "it's",
  ' lead and trail ',
  '*',
  '?',
  '[ab]',
  '{a,b}',
  '~',
  '~root',
  '#hash',
  '!bang',
  'new\nline',
  'tab\there',
  '-rf',
  '--help',
  '$HOME ${IFS} $1',
  'a..b',
  '..x',
  '%s%n',
  'ünï ✓ 日本',
];

test('mkdir: names with every shell metacharacter, newline, tab, leading -, globs that match files: created literally', async () => {
  const c = await sharedCluster();
  // Files a glob would match if a name were ever expanded.
  for (const h of c.hosts) {
    mkdirSync(join(h.home, 'hostile-mkdir'), { recursive: true });
    for (const f of ['a', 'b', 'in']) writeFileSync(join(h.home, 'hostile-mkdir', f), f);
  }
  const limit = pLimit(3);
  const results = await Promise.all(HOSTILE.map((name) => limit(() => runDirector([...c.args(), 'mkdir', '--', '~/hostile-mkdir', name]))));
  results.forEach((r, i) => assert.is(r.code, 0, `${JSON.stringify(HOSTILE[i])}: ${r.stderr}${r.stdout}`));
  for (const h of c.hosts) {
    const made = readdirSync(join(h.home, 'hostile-mkdir')).sort();
    assert.equal(made, [...HOSTILE, 'a', 'b', 'in'].sort(), h.name);
    for (const f of ['a', 'b', 'in']) assert.is(readFileSync(join(h.home, 'hostile-mkdir', f), 'utf8'), f, `${f} changed on ${h.name}`);
  }
  const found = canaries(c);
  assert.equal(found, []);
  for (const h of c.hosts) rmSync(join(h.home, 'hostile-mkdir'), { recursive: true, force: true });
  record({
    id: 'mkdir-metachar-names',
    area: 'hostile',
    case: 'mkdir: folder names with ; & | < > ( ) $( ) ` \\ " \' * ? [ ] { } ~ # ! newline, tab, leading -',
    does: 'Creates each name literally on every client (quoted; `--` keeps a leading - a name); no command runs, no glob expands',
    figure: `${HOSTILE.length} names × ${c.hosts.length} clients created literally, ${found.length} canaries`,
    test: TEST,
  });
});

test('run: arguments with every metacharacter, empty, --, 100 KB: the script\'s argv byte for byte, inline and uploaded', async () => {
  const c = await sharedCluster();
  const cwd = workDir('run-hostile-args');
  const args = [...HOSTILE, '', '--', '-x', 'x'.repeat(100_000)];
  const want = Buffer.from(args.map((a) => `${a}\0`).join(''));
  // The script prints its arguments NUL-separated; the big one is the same past the inline limit.
  writeFileSync(join(cwd, 'small.sh'), "#!/bin/sh\nprintf '%s\\0' \"$@\"\n");
  writeFileSync(join(cwd, 'big.sh'), `#!/bin/sh\nprintf '%s\\0' "$@"\n#${'p'.repeat(70_000)}\n`);
  let compared = 0;
  for (const script of ['small.sh', 'big.sh']) {
    const r = await runDirector([...c.args(), 'run', script, '--', ...args], { cwd });
    assert.is(r.code, 0, `${script}: ${r.stderr.slice(0, 500)}`);
    const { dir } = onlyRun(join(cwd, 'output', script));
    for (const h of c.hosts) {
      const got = readFileSync(join(dir, h.name, 'stdout'));
      assert.ok(got.equals(want), `${script} on ${h.name}: argv differs (${got.length} bytes, want ${want.length})`);
      compared++;
    }
  }
  const found = canaries(c);
  assert.equal(found, []);
  for (const h of c.hosts) assert.equal(leftovers(h.tmp), [], `temporaries left on ${h.name}`);
  record({
    id: 'run-metachar-args',
    area: 'hostile',
    case: 'run: script arguments with every shell metacharacter, newline, tab, empty, --, leading -, 100 KB',
    does: 'Passes them as the script\'s argv, each quoted: the bytes the script sees equal the bytes given',
    figure: `${args.length} args, ${compared}/${compared} argv identical (inline and uploaded scripts), ${found.length} canaries`,
    test: TEST,
  });
});

/** What `ssh host words…` gives, with OpenSSH's own client and nothing from ~/.ssh. */
function viaSsh(c: TestCluster, words: string[]): { stdout: string; stderr: string; code: number | null } {
  const h = c.hosts[0]!;
  const r = spawnSync(
    'ssh',
    ['-F', '/dev/null', '-i', c.cluster.identity, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${c.cluster.knownHosts}`,
      '-o', 'StrictHostKeyChecking=yes', '-o', 'LogLevel=ERROR', '-p', String(h.port), h.address, '--', ...words],
    { encoding: 'utf8', input: '' },
  );
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

const SHELL_CODE: string[][] = [
  ['printf', '%s|', 'a b', '$HOME', '"$X"', "'$X'", '\\$X', '*', '~', '`echo bq`', '$(echo sub)'],
  ['echo', '$0', '$#', '$LINENO', '$-', '"$*"'],
  ['echo', 'hi', '#', 'comment;', 'touch', 'CANARY6'],
  ["echo 'unterminated"],
  ['exit', '7'],
  ['cd /tmp && pwd; false'],
  ['echo', 'trailing\\'],
  ['printf', "'%s\\n'", "'line1\nline2'"],
  ['set', '--', 'x', '"y z";', 'echo', '$#', '"$2"'],
  ['cat', '<<EOF\nheredoc $HOME\nEOF'],
  ['echo', '$DIRECTOR_NOT_SET', '${X:-default}'],
  ['(echo sub; exit 3)'],
];

test('exec: the words mean exactly what `ssh host words…` means (stdout, stderr, exit status); director adds nothing that is interpreted', async () => {
  const c = await sharedCluster();
  const cwd = workDir('exec-vs-ssh');
  const h = c.hosts[0]!;
  let same = 0;
  for (const words of SHELL_CODE) {
    const ssh = viaSsh(c, words);
    const r = await runDirector([...c.args(), '--json', '-H', h.name, 'exec', '--', ...words], { cwd });
    const doc = JSON.parse(r.stdout) as Summary;
    const mine = doc.clients[0]!;
    const what = JSON.stringify(words);
    assert.is(mine.exitCode, ssh.code, `${what}: exit status`);
    assert.is(mine.output?.stdout, ssh.stdout, `${what}: stdout`);
    assert.is(mine.output?.stderr, ssh.stderr, `${what}: stderr`);
    same++;
  }
  const found = canaries(c);
  assert.equal(found, []);
  record({
    id: 'exec-same-as-ssh',
    area: 'hostile',
    case: 'exec: shell code with quotes, $, globs, comments, here-documents, a syntax error, exit codes',
    does: 'Runs the words as `ssh host words…` does (they are the user\'s shell code); its own values are quoted and come first',
    figure: `${same}/${SHELL_CODE.length} commands: stdout, stderr and exit status identical to OpenSSH's ssh`,
    test: TEST,
  });
});

test.run();
