// The service scripts (start, status facts, stop) run through real local shells, dash and
// busybox ash, with PATHs that offer each way of detaching: setsid, else perl, python3 or node,
// and none at all (busybox's applets only, its setsid left out). Each detached supervisor leads
// a session of its own, and the stop leaves nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { answers } from '../../src/remote/posix.js';
import { statFields } from '../../src/process-tree.js';
import { factsScript, parseFacts } from '../../src/services/facts.js';
import { parseStartWords, startScript, type StartAnswer } from '../../src/services/start-script.js';
import { judgeService } from '../../src/services/state.js';
import { parseStopWords, stopScript } from '../../src/services/stop-script.js';
import { tempDir } from '../support/temp.js';
import { waitUntil } from '../support/wait.js';

const BUSYBOX = '/bin/busybox';
const root = tempDir('director-svc-sh-');

/** A PATH of busybox applets (no setsid) plus `extra` programs. */
function pathWith(label: string, extra: Record<string, string>): string {
  const dir = join(root, label);
  mkdirSync(dir);
  const applets = spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((a) => a !== '' && a !== 'setsid');
  for (const a of applets) symlinkSync(BUSYBOX, join(dir, a));
  for (const [name, target] of Object.entries(extra)) symlinkSync(target, join(dir, name));
  return dir;
}

/** The POSIX code inside an underSh command. */
const inner = (command: string) => Buffer.from(/printf %s (\S+) \| base64 -d/.exec(command)![1]!, 'base64').toString();

/** Runs a service script in `shell` as the client's /bin/sh would (from its standard input, or -c); its answer lines. */
function run(shell: string[], home: string, path: string, script: { command: string; stdin?: string; token: string }): string[] {
  const args = script.stdin !== undefined ? ['-s'] : ['-c', inner(script.command)];
  const r = spawnSync(shell[0]!, [...shell.slice(1), ...args], { cwd: home, env: { HOME: home, PATH: path }, input: script.stdin ?? '', encoding: 'utf8', timeout: 30_000 });
  return answers(r.stdout, script.token);
}

const plan = (marker: string) => ({
  name: 'svc',
  command: `while :; do echo tick; sleep 1; done # ${marker}`,
  restart: 'no' as const,
  logLimit: 1 << 20,
  replace: false,
  graceS: 2,
  env: { DIRECTOR_SERVICE: 'svc' },
  meta: {},
});

const ways: Array<[string, Record<string, string>]> = [
  ['setsid', { setsid: '/usr/bin/setsid' }],
  ['perl', { perl: '/usr/bin/perl' }],
  ['python3', { python3: '/usr/bin/python3' }],
  ['node', { node: process.execPath }],
];

for (const shell of [['/bin/dash'], [BUSYBOX, 'sh']]) {
  for (const [way, extra] of ways) {
    test(`${shell.join(' ')}, detached by ${way}: a session of its own, running, then stopped with nothing left`, async () => {
      if (Object.values(extra).some((p) => !existsSync(p))) return console.log(`  (skipped: no ${way} here)`);
      const home = tempDir('director-svc-home-');
      const path = pathWith(`${shell.length}-${way}`, extra);
      const s = startScript(plan(`m-${way}`));
      const [said] = run(shell, home, path, s);
      const a = parseStartWords((said ?? '').split(' ')) as StartAnswer & { outcome: 'started' };
      assert.is(a?.outcome, 'started', said);
      assert.is(a.detachedBy, way);
      const [state, , pgrp, sid] = statFields(a.supervisorPid)!;
      assert.ok(state !== 'Z', 'the supervisor runs');
      assert.is(Number(sid), a.supervisorPid, 'it leads a session');
      assert.is(Number(pgrp), a.supervisorPid, 'and its process group');
      assert.is(statFields(a.pid)![3], String(a.supervisorPid), 'the command is in that session');

      const f = factsScript('svc');
      const facts = parseFacts(run(shell, home, path, f));
      assert.ok(facts && facts.services.length === 1);
      const st = judgeService(facts!.services[0]!, facts!);
      assert.is(st.state, 'running');
      assert.is(st.pid, a.pid);

      const stop = stopScript('svc', 2);
      const out = run(shell, home, path, stop);
      assert.equal(parseStopWords((out.find((l) => l.startsWith('stop ')) ?? '').split(' ').slice(1)), { outcome: 'stopped', how: 'term' });
      for (const pid of [a.supervisorPid, a.pid]) assert.ok(statFields(pid) === undefined || statFields(pid)![0] === 'Z', `${pid} gone`);
    });
  }
}

test('no way to detach (busybox without setsid, no perl, python3 or node): said so, nothing left running', async () => {
  const home = tempDir('director-svc-home-');
  const path = pathWith('none', {});
  const s = startScript(plan('m-none'));
  const [said] = run(['/bin/dash'], home, path, s);
  assert.equal(parseStartWords((said ?? '').split(' ')), { outcome: 'no-detach' });
  assert.not.ok(existsSync(join(home, 'director')), 'nothing written');
});

test('the log is rotated past its limit: log.1 holds the older part, the log goes on', async () => {
  const home = tempDir('director-svc-home-');
  const line = 'x'.repeat(200);
  const s = startScript({ ...plan('m-rotate'), command: `while :; do echo ${line}; sleep 0.01; done`, logLimit: 8192 });
  const [said] = run(['/bin/dash'], home, process.env['PATH'] ?? '', s);
  assert.is(parseStartWords((said ?? '').split(' '))?.outcome, 'started', said);
  const dir = join(home, 'director/services/svc');
  try {
    // The supervisor looks every 10 s: wait for a rotation, then the log stays bounded.
    await waitUntil(() => existsSync(join(dir, 'log.1')), 20_000, 'log.1 appears', 200);
  } finally {
    const stop = stopScript('svc', 1);
    run(['/bin/dash'], home, process.env['PATH'] ?? '', stop);
  }
});

test.run();
