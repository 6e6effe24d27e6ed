// The jobs task launcher run by the POSIX shells a client may have as /bin/sh (dash, bash,
// busybox ash), here on the director: the header on standard input sets the task's id, slot,
// file or command and arguments byte for byte, the rest of standard input reaches the task,
// the pid marker comes first on stderr, and a task that left files says so on its last line.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { launcherScript, parseSetup, taskHeader } from '../../src/jobs/remote-task.js';
import { PID_MARKER } from '../../src/remote/kill.js';
import { tailMarker } from '../../src/run/tail-marker.js';
import { tempDir } from '../support/temp.js';

const SHELLS = ['/bin/dash', '/bin/bash', '/bin/busybox'].filter((s) => existsSync(s));
const HOSTILE = ['a b', "it's", '$(touch CANARY)', '`id`', 'line1\nline2', '', '-x', '\\back\\slash', '*', '\ttab', 'ünï', '"q"'];

function folder(script?: string): string {
  const d = tempDir('director-launcher-');
  mkdirSync(join(d, 'o', '1'), { recursive: true });
  if (script !== undefined) {
    writeFileSync(join(d, 'script'), script);
    chmodSync(join(d, 'script'), 0o700);
  }
  return d;
}

function launch(shell: string, d: string, stdin: string): { code: number | null; stdout: string; stderr: string } {
  const argv = shell.endsWith('busybox') ? ['sh', join(d, 't')] : [join(d, 't')];
  const r = spawnSync(shell, argv, { input: stdin, cwd: d, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const env = { DIRECTOR_HOST: 'h1', DIRECTOR_HOST_INDEX: '0', DIRECTOR_HOST_COUNT: '1', DIRECTOR_PROJECT: 'p', DIRECTOR_RUN_ID: 'r' };

for (const shell of SHELLS) {
  test(`${shell}: map task gets its arguments, DIRECTOR_FILE and the rest of stdin, byte for byte`, () => {
    const d = folder('#!/bin/sh\nprintf "[%s]" "$@"; printf "\\nfile=[%s] id=%s attempt=%s out=%s\\n" "$DIRECTOR_FILE" "$DIRECTOR_TASK_ID" "$DIRECTOR_TASK_ATTEMPT" "$DIRECTOR_OUTPUT_DIR"; cat\n');
    writeFileSync(join(d, 't'), launcherScript({ kind: 'map', env, token: 'tok', workDir: d }));
    const file = 'dir/we ird\n$(x)\'.txt';
    const r = launch(shell, d, `${taskHeader({ i: '7', a: '2', s: '1', f: file }, [...HOSTILE, file])}rest of\nstdin\n`);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, `${[...HOSTILE, file].map((a) => `[${a}]`).join('')}\nfile=[${file}] id=7 attempt=2 out=${d}/o/1\nrest of\nstdin\n`);
    assert.match(r.stderr, new RegExp(`^${PID_MARKER} \\d+\\n$`));
    assert.not.ok(existsSync(join(d, 'CANARY')));
  });

  test(`${shell}: jobs task runs its command line by /bin/sh with $1…, in the work folder; its exit status comes back`, () => {
    const d = folder();
    const work = join(d, 'work');
    mkdirSync(work);
    writeFileSync(join(d, 't'), launcherScript({ kind: 'jobs', env, token: 'tok', workDir: work }));
    const r = launch(shell, d, taskHeader({ i: 'x', s: '1', x: 'printf "%s|" "$@"; pwd; echo "$DIRECTOR_HOST"; exit 3' }, HOSTILE));
    assert.is(r.code, 3, r.stderr);
    assert.is(r.stdout, `${HOSTILE.map((a) => `${a}|`).join('')}${work}\nh1\n`);
  });

  test(`${shell}: a task that leaves files in DIRECTOR_OUTPUT_DIR names the folder on its last stderr line`, () => {
    const d = folder();
    writeFileSync(join(d, 't'), launcherScript({ kind: 'jobs', env, token: 'tok' }));
    const quiet = launch(shell, d, taskHeader({ i: '1', s: '1', x: 'echo err >&2' }, []));
    assert.is(quiet.stderr.replace(/^.*\n/, ''), 'err\n', 'nothing left: no line');
    const r = launch(shell, d, taskHeader({ i: '1', s: '1', x: 'echo hi > "$DIRECTOR_OUTPUT_DIR/.hidden"' }, []));
    assert.ok(r.stderr.endsWith(`${tailMarker('tok')}${d}/o/1\n`), r.stderr);
  });
}

test('the set-up answer is read past a banner; a bad answer is undefined', () => {
  assert.equal(parseSetup('banner\ntok 4 /tmp/director-jobs.x\n', 'tok'), { cores: 4, dir: '/tmp/director-jobs.x' });
  assert.equal(parseSetup('tok 2 /tmp/with space\n', 'tok'), { cores: 2, dir: '/tmp/with space' });
  assert.is(parseSetup('tok x /tmp/d\n', 'tok'), undefined);
  assert.is(parseSetup('tok 2 relative\n', 'tok'), undefined);
  assert.is(parseSetup('nothing\n', 'tok'), undefined);
});

test('at least dash and bash were tried', () => {
  assert.ok(SHELLS.length >= 2, `only ${SHELLS.join(', ')}`);
});

test.run();
