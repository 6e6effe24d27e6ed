// The tree kill and the pid marker, run through real local shells as a login shell would run
// them: every process of the tree is gone afterwards, and the report says so.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killTreeCommand, parseKillReport, pidMarkCommand, pidMarkIn } from '../../src/remote/kill.js';
import { PidSniffer } from '../../src/ssh/killable.js';
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

/** The marker line a shell prints for `text`, and the shell's own pid. */
function markOf(shell: string, text: string): { line: string; pid: number; stdout: string } {
  const r = spawnSync(shell, ['-c', `${text}; echo after`], { encoding: 'utf8' });
  return { line: /^__director_pid__ .*$/m.exec(r.stderr)?.[0] ?? `(none in ${JSON.stringify(r.stderr)})`, pid: r.pid!, stdout: r.stdout };
}

for (const shell of ['dash', 'bash', 'zsh']) {
  test(`from ${shell}: the /bin/sh marker names the shell's pid and name, and the builtin marker it learns then says the same`, () => {
    const searched = markOf(shell, pidMarkCommand());
    assert.is(searched.line, `__director_pid__ ${searched.pid} shell=${shell}`);
    const builtin = markOf(shell, pidMarkIn(shell));
    assert.is(builtin.line, `__director_pid__ ${builtin.pid} shell=${shell}`);
    assert.is(builtin.stdout, 'after\n');
    // In a subshell too, the login shell's own pid (what the tree kill starts from).
    const sub = markOf(shell, `(${pidMarkIn(shell)})`);
    assert.is(sub.line, `__director_pid__ ${sub.pid} shell=${shell}`);
  });
}

test('a shell without a known printf builtin (fish, tcsh, busybox, not learned yet) gets the /bin/sh marker', () => {
  for (const shell of ['fish', 'tcsh', 'busybox', 'unknown', undefined]) assert.is(pidMarkIn(shell), pidMarkCommand(), String(shell));
  assert.is(pidMarkIn('tcsh', true), pidMarkCommand(true));
});

test('the sniffer takes the marker line out of stderr and keeps its pid and the shell it names', async () => {
  const sniff = async (text: string) => {
    const s = new PidSniffer();
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString()));
    s.end(text);
    await new Promise((r) => s.on('end', r));
    return { pid: s.pid, shell: s.shell, csh: s.csh, out };
  };
  assert.equal(await sniff('banner\n__director_pid__ 4711 shell=zsh\nwarning\n'), { pid: 4711, shell: 'zsh', csh: false, out: 'banner\nwarning\n' });
  assert.equal(await sniff('__director_pid__ 4712 shell=\n'), { pid: 4712, shell: undefined, csh: false, out: '' });
  assert.equal(await sniff('__director_pid__ 4713 csh\n'), { pid: 4713, shell: undefined, csh: true, out: '' });
  assert.equal(await sniff('__director_pid__ 4714 shell=b$sh\n'), { pid: 4714, shell: undefined, csh: false, out: '' });
});

test.run();
