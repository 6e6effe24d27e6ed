// The remote command builder, run through local shells with a stub script: hostile values
// arrive intact and nothing director adds is interpreted.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  argsScript,
  cleanupCommand,
  execCommand,
  filesListText,
  interpreterFor,
  parseTempDirs,
  prepareCommand,
  remoteIn,
  runCommand,
  runEnv,
} from '../../src/run/remote-command.js';

const HOSTILE = ["it's", '"dq"', '$(touch PWNED)', '`touch PWNED2`', 'a;touch PWNED3', 'new\nline', ' lead space', '*', '$HOME', '-n', '', '\\', 'ünï ✓'];
const home = mkdtempSync(join(tmpdir(), 'director-runcmd-'));
const tmp = join(home, 'tmp');
mkdirSync(tmp);

/** Runs shell text as the remote login shell would: `<shell> -c text` in the home. */
function sh(shell: string, text: string): string {
  // stdin from /dev/null: on a socket, bash would take itself for an rshd child and read ~/.bashrc.
  return execFileSync(shell, ['-c', text], { cwd: home, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TMPDIR: tmp }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const TOKEN = '__director_0123456789abcdef__';

function prepare(kind: 'run' | 'exec', workDir?: string, shell = 'sh'): string {
  const d = parseTempDirs(sh(shell, prepareCommand(kind, workDir, TOKEN)), TOKEN)[0];
  assert.ok(d, 'prepare printed an absolute folder');
  return d as string;
}

// The stub prints its working folder, environment and arguments, NUL-separated.
const STUB = `#!/bin/sh
printf '%s\\0' "$(pwd)" "$DIRECTOR_HOST" "$DIRECTOR_HOST_INDEX" "$DIRECTOR_HOST_COUNT" "$DIRECTOR_PROJECT" "$DIRECTOR_OUTPUT_DIR" "\${DIRECTOR_FILES-unset}" "$DIRECTOR_RUN_ID" "$#" "$@"
`;

// director's own steps run under /bin/sh whatever the login shell that sshd hands them to.
for (const shell of ['sh', 'dash', 'bash', 'zsh', 'fish', 'tcsh']) {
  test(`run command through a ${shell} login shell: working folder, DIRECTOR_* and arguments arrive intact`, () => {
    const workDir = `data dir/it's "proj"`;
    const d = prepare('run', workDir, shell);
    assert.ok(existsSync(join(home, workDir)), 'the work folder was made');
    assert.ok(d.startsWith(`${tmp}/director-run.`));
    assert.ok(existsSync(remoteIn(d, 'output')));
    writeFileSync(remoteIn(d, 'script'), STUB, { mode: 0o700 });
    for (const value of HOSTILE) {
      const env = runEnv({ host: value, index: 2, count: 4, project: value, runId: '20261123-111500-ab12', tempDir: d, filesList: true });
      writeFileSync(remoteIn(d, 'args'), argsScript([value, 'x y', value]));
      const out = sh(shell, runCommand({ tempDir: d, workDir, env, hasArgs: true })).split('\0');
      assert.equal(out.slice(0, -1), [
        realpathSync(join(home, workDir)),
        value,
        '2',
        '4',
        value,
        `${d}/output`,
        `${d}/files`,
        '20261123-111500-ab12',
        '3',
        value,
        'x y',
        value,
      ]);
    }
    for (const bad of ['PWNED', 'PWNED2', 'PWNED3']) assert.not.ok(existsSync(join(home, bad)) || existsSync(join(home, workDir, bad)), bad);
    sh(shell, cleanupCommand(d));
    assert.not.ok(existsSync(d), 'cleanup removed the temporary folder');
  });
}

test('a script without shebang runs by /bin/sh; without a project there is no cd and DIRECTOR_FILES is unset', () => {
  const d = prepare('run');
  writeFileSync(remoteIn(d, 'script'), STUB.split('\n').slice(1).join('\n'), { mode: 0o600 }); // not even executable
  const interpreter = interpreterFor(readFileSync(remoteIn(d, 'script')));
  assert.is(interpreter, '/bin/sh');
  const env = runEnv({ host: 'h', index: 0, count: 1, runId: 'r', tempDir: d, filesList: false });
  const out = sh('sh', runCommand({ tempDir: d, env, interpreter: '/bin/sh', hasArgs: false })).split('\0');
  assert.is(out[0], realpathSync(home));
  assert.is(out[4], '', 'DIRECTOR_PROJECT is empty without a project');
  assert.is(out[6], 'unset');
  sh('sh', cleanupCommand(d));
});

test('interpreter: a shebang or an ELF binary runs as it is', () => {
  assert.is(interpreterFor(Buffer.from('#!/usr/bin/env python3\n')), undefined);
  assert.is(interpreterFor(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2])), undefined);
  assert.is(interpreterFor(Buffer.from('echo hi')), '/bin/sh');
  assert.is(interpreterFor(Buffer.alloc(0)), '/bin/sh');
});

test('exec: the user words are shell code; the values director adds are data', () => {
  const d = prepare('exec');
  assert.ok(d.includes('/director-exec.'));
  for (const value of HOSTILE) {
    const env = runEnv({ host: value, index: 1, count: 2, runId: 'r', tempDir: d, filesList: false });
    const out = sh('dash', execCommand({ env, words: ['printf', "'%s|'", '"$DIRECTOR_HOST"', '$((1+2))', ';', 'printf', '%s', '"$DIRECTOR_HOST_INDEX"'] }));
    assert.is(out, `${value}|3|1`);
  }
  assert.not.ok(existsSync(join(home, 'PWNED')));
  assert.throws(() => execCommand({ env: {}, words: [] }), /empty/);
  sh('sh', cleanupCommand(d));
});

test('parseTempDirs takes only absolute paths on lines framed by the token; an rc banner is passed over', () => {
  assert.equal(parseTempDirs(`welcome to node7\n${TOKEN} /tmp/director-run.abc\n`, TOKEN), ['/tmp/director-run.abc']);
  assert.equal(parseTempDirs(`${TOKEN} tmp/x\n`, TOKEN), []);
  assert.equal(parseTempDirs(`${TOKEN} /tmp/a\n${TOKEN} /tmp/b\n`, TOKEN), ['/tmp/a', '/tmp/b']);
  assert.equal(parseTempDirs('/tmp/a\n', TOKEN), [], 'an unframed line is not an answer');
  assert.equal(parseTempDirs('', TOKEN), []);
});

test('the placement list is one path a line', () => {
  assert.is(filesListText(['a.txt', 'sub/b c.json']), 'a.txt\nsub/b c.json\n');
  assert.is(filesListText([]), '');
});

test.run();
