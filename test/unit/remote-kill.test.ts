// The tree kill and the pid marker, run through real local shells as a login shell would run
// them: every process of the tree is gone afterwards, and the report says so.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killTreeCommand, parseKillReport, pidMarkCommand } from '../../src/remote/kill.js';
import { waitUntil } from '../support/wait.js';

const TOKEN = '__director_0123456789abcdef__';
const alive = (pid: number) => existsSync(`/proc/${pid}/stat`) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
/** pids whose command line contains `marker`. */
function withMarker(marker: string): number[] {
  const out = execFileSync('sh', ['-c', `grep -l -a -- ${marker} /proc/[0-9]*/cmdline 2>/dev/null || true`], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => Number(/\/proc\/(\d+)\//.exec(l)?.[1]))
    .filter((p) => Number.isInteger(p) && p !== process.pid);
}

for (const shell of ['sh', 'bash', 'fish', 'tcsh']) {
  test(`the tree kill through a ${shell} login shell: children, grandchildren and setsid ones go, and the report says none is left`, async () => {
    const marker = `474${shell.length}${Math.floor(Math.random() * 1000)}`;
    const root = spawn('sh', ['-c', `sleep ${marker}1 & (sleep ${marker}2 & sleep ${marker}3) & setsid sleep ${marker}4 & wait`], { stdio: 'ignore' });
    await waitUntil(() => withMarker(marker).length >= 4, 5000, 'the tree is up');
    const out = execFileSync(shell, ['-c', killTreeCommand(root.pid!, TOKEN)], { encoding: 'utf8' });
    assert.equal(parseKillReport(out, TOKEN), []);
    assert.equal(withMarker(marker).filter(alive), [], 'nothing of the tree is left');
  });
}

test('the kill report: pids still alive, or undefined when the kill gave none', () => {
  assert.equal(parseKillReport(`banner\n${TOKEN} left 12 13 12 \n`, TOKEN), [12, 13]);
  assert.equal(parseKillReport(`${TOKEN} left \n`, TOKEN), []);
  assert.is(parseKillReport('no report\n', TOKEN), undefined);
});

for (const shell of ['bash', 'fish', 'tcsh']) {
  test(`the pid marker names the login shell from ${shell}; with stopIfCsh a csh stops before the rest of the line`, () => {
    let stderr = '';
    let stdout = '';
    try {
      stdout = execFileSync(shell, ['-c', `${pidMarkCommand(true)}; echo after`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      stderr = String((e as { stderr?: string }).stderr ?? '');
    }
    if (shell === 'tcsh') {
      assert.match(stderr, /^__director_pid__ \d+ csh$/m);
      assert.is(stdout, '', 'nothing after the marker ran');
    } else assert.is(stdout, 'after\n');
  });
}

test.run();
