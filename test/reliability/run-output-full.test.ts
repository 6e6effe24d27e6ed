// run and exec with -o on a full disk: each of four clients prints far more than a 5 MB
// tmpfs holds. A write the director's disk refuses fails that client with the reason, the
// live lines still reach the terminal, the status lines and the summary line are printed,
// and summary.json (small, its room kept from the start) is written, or a line says why.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exec } from '../../src/commands/exec.js';
import { EXIT } from '../../src/exit-codes.cjs';
import { fold } from '../../src/nodeset/fold.js';
import { runDirector, type CliResult } from '../support/cli.js';
import { sharedCluster, type TestCluster } from '../support/cluster.js';
import { leftOnHosts } from '../support/host-processes.js';
import { record } from '../support/reliability.js';
import { esc, leftovers, onlyRun, type Summary } from '../support/run-e2e.js';
import { fill, tempDir, tmpfsOver } from '../support/temp.js';

const TEST = 'test/reliability/run-output-full.test.ts';

/** Lines of 999 x's and a newline (few, long live lines keep the test quick)… */
const LINES = 15_000;
/** …so each client prints 15 MB: three times the whole disk. */
const PRINTED = LINES * 1000;
const PRINT = `yes "$(head -c 999 /dev/zero | tr '\\0' x)" | head -n ${LINES}`;

const FULL = 'i/o error: writing output on the director: no space left on device';

/** A tmpfs of `size` at <cwd>/out; returns it and its unmount (also run at exit). */
function tinyOutput(cwd: string, size = '5m'): { out: string; unmount: () => void } {
  const out = join(cwd, 'out');
  mkdirSync(out);
  return { out, unmount: tmpfsOver(out, size) };
}

/** Every file under `dir` whose name ends in .tmp. */
function temporaries(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((n) => n.endsWith('.tmp'));
}

/** Status lines, one per client, in the order they finished. */
function statusLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^\[\d+\] \d\d:\d\d:\d\d \[(SUCCESS|FAILURE)\] /.test(l));
}

/** Lines the live view printed for one client. */
function liveLines(stdout: string, client: string): number {
  const prefix = `${client}: `;
  let n = 0;
  for (let at = stdout.indexOf(prefix); at !== -1; at = stdout.indexOf(prefix, at + 1)) if (at === 0 || stdout[at - 1] === '\n') n++;
  return n;
}

async function nothingLeft(c: TestCluster): Promise<number> {
  const left = await leftOnHosts(c);
  assert.is(left.count, 0, `processes left on the hosts: ${left.which}`);
  for (const h of c.hosts) assert.equal(leftovers(h.tmp), [], `remote temporaries removed on ${h.name}`);
  return left.count;
}

/** What every client of a run that overflowed the disk must show, in the output and summary.json. */
function assertAllFailedOnFullDisk(c: TestCluster, r: CliResult, summary: Summary, runDir: string): void {
  assert.is(r.code, EXIT.failed, r.stderr);
  assert.not.match(r.stderr, /ENOSPC/, 'no crash');
  const lines = statusLines(r.stdout);
  assert.is(lines.length, c.hosts.length, 'one status line per client');
  for (const h of c.hosts) {
    assert.ok(
      lines.some((l) => l.endsWith(`[FAILURE] ${h.name} ${FULL}`)),
      `status line of ${h.name}: ${lines.join('\n')}`,
    );
    assert.is(liveLines(r.stdout, h.name), LINES, `every live line of ${h.name} printed`);
  }
  assert.match(r.stdout, new RegExp(`^0 ok, ${c.hosts.length} failed: ${esc(fold(c.hosts.map((h) => h.name)))} \\(${c.hosts.length}\\) i/o error$`, 'm'));
  assert.is(summary.exitCode, EXIT.failed);
  for (const x of summary.clients) {
    assert.is(x.state, 'failed', x.client);
    assert.equal(x.error, { kind: 'io', message: 'writing output on the director: no space left on device' });
    assert.is(x.stdout.bytes, PRINTED, 'every byte counted (and hashed) though not all kept');
    assert.ok(statSync(join(runDir, x.folder!, 'stdout')).size < PRINTED);
  }
  assert.equal(temporaries(runDir), [], 'no temporary file left');
}

/**
 * One CLI run (`argv` given the tmpfs and the working folder) whose clients each print 15 MB
 * onto the 5 MB disk: every client fails with the reason and nothing else is lost.
 */
async function overflow(k: { id: string; shown: string; name: string; argv(out: string, cwd: string): string[] }): Promise<void> {
  const c = await sharedCluster();
  const cwd = tempDir(`director-full-${k.id}-`);
  const { out, unmount } = tinyOutput(cwd);
  try {
    const r = await runDirector(c.args(k.argv(out, cwd)), { cwd, timeoutMs: 120_000 });
    const { dir, summary } = onlyRun(join(out, k.name));
    assertAllFailedOnFullDisk(c, r, summary, dir);
    const processesLeft = await nothingLeft(c);
    record({
      id: k.id,
      area: 'fault',
      case: `${k.shown}: 4 clients print 15 MB each onto a 5 MB disk`,
      does: 'each client fails with "no space left on device"; live lines, status lines, summary line and summary.json all kept',
      processesLeft,
      figure: `exit ${r.code}, ${statusLines(r.stdout).length}/4 status lines`,
      test: TEST,
    });
  } finally {
    unmount();
  }
}

test('exec --output on a full disk: each client fails with the reason, live lines and summary.json kept (exit 1)', () =>
  overflow({ id: 'exec-output-full-disk', shown: 'exec --output', name: 'exec', argv: (out) => ['exec', '--output', out, '--', PRINT] }));

test('run --output on a full disk: each client fails with the reason, live lines and summary.json kept (exit 1)', () =>
  overflow({
    id: 'run-output-full-disk',
    shown: 'run --output',
    name: 'print.sh',
    argv(out, cwd) {
      const script = join(cwd, 'print.sh');
      writeFileSync(script, `#!/bin/sh\n${PRINT}\n`);
      return ['run', '--output', out, script];
    },
  }));

test('run --output: DIRECTOR_OUTPUT_DIR files that overflow the disk fail their clients, not the run', async () => {
  const c = await sharedCluster();
  const cwd = tempDir('director-full-gather-');
  const { out, unmount } = tinyOutput(cwd);
  const each = 2_000_000; // four of them are 8 MB: not all fit
  try {
    const script = join(cwd, 'files.sh');
    writeFileSync(script, `#!/bin/sh\nhead -c ${each} /dev/zero > "$DIRECTOR_OUTPUT_DIR/blob"\necho wrote\n`);
    const r = await runDirector(c.args(['run', '--output', out, script]), { cwd, timeoutMs: 120_000 });
    assert.is(r.code, EXIT.failed, r.stdout + r.stderr);
    assert.not.match(r.stderr, /ENOSPC/, 'no crash');
    const lines = statusLines(r.stdout);
    assert.is(lines.length, c.hosts.length, 'one status line per client');
    for (const h of c.hosts) assert.match(r.stdout, new RegExp(`^${esc(h.name)}: wrote$`, 'm'));
    const { dir, summary } = onlyRun(join(out, 'files.sh'));
    const failed = summary.clients.filter((x) => !x.ok);
    assert.ok(failed.length >= 1, 'the disk holds at most two of the files');
    for (const x of summary.clients) {
      if (x.ok) {
        assert.is(statSync(join(dir, x.folder!, 'files', 'blob')).size, each, `${x.client}: the whole file`);
        continue;
      }
      // Whichever write of this client met the full disk first (its files, or its output
      // once the others' files had filled it) names itself.
      const why = x.error?.message ?? '';
      assert.is(x.error?.kind, 'io', x.client);
      assert.match(why, /^writing output on the director( \(DIRECTOR_OUTPUT_DIR files\))?: no space left on device$/, x.client);
      assert.ok(lines.some((l) => l.endsWith(`[FAILURE] ${x.client} i/o error: ${why}`)), x.client);
    }
    assert.match(r.stdout, new RegExp(`^${summary.clients.length - failed.length} ok, ${failed.length} failed: `, 'm'));
    assert.equal(temporaries(dir), [], 'no temporary file left');
    const processesLeft = await nothingLeft(c);
    record({
      id: 'run-gather-full-disk',
      area: 'fault',
      case: 'run --output: 4 clients leave 2 MB in DIRECTOR_OUTPUT_DIR, the disk holds 5 MB',
      does: 'the clients whose files did not fit fail with "no space left on device"; the others keep theirs whole; summary.json written',
      processesLeft,
      figure: `exit ${r.code}, ${failed.length}/4 failed`,
      test: TEST,
    });
  } finally {
    unmount();
  }
});

test('exec --output on a disk already full: summary.json cannot be written either, a line says why, no .tmp left', async () => {
  const c = await sharedCluster();
  const cwd = tempDir('director-full-before-');
  const { out, unmount } = tinyOutput(cwd, '256k');
  try {
    mkdirSync(join(out, 'exec')); // the folder the runs go in is there: only writes fail
    fill(out);
    const r = await runDirector(c.args(['exec', '--output', out, '--', 'echo hello']), { cwd, timeoutMs: 60_000 });
    assert.is(r.code, EXIT.failed, r.stdout + r.stderr);
    assert.is(statusLines(r.stdout).length, c.hosts.length, 'one status line per client');
    for (const h of c.hosts) {
      assert.match(r.stdout, new RegExp(`^${esc(h.name)}: hello$`, 'm'));
      assert.match(r.stdout, new RegExp(`\\[FAILURE\\] ${esc(h.name)} ${esc(FULL)}$`, "m"), r.stdout);
    }
    assert.match(r.stdout, new RegExp(`^0 ok, ${c.hosts.length} failed: `, 'm'));
    assert.match(r.stderr, /^exec: summary\.json not written: no space left on device$/m);
    const runs = readdirSync(join(out, 'exec'));
    assert.is(runs.length, 1);
    const runDir = join(out, 'exec', runs[0]!);
    assert.not.ok(existsSync(join(runDir, 'summary.json')));
    assert.equal(temporaries(out), [], 'no temporary file left');
    const processesLeft = await nothingLeft(c);
    record({
      id: 'exec-summary-full-disk',
      area: 'fault',
      case: 'exec --output onto a disk already full',
      does: 'every client fails with "no space left on device"; a line on stderr says summary.json could not be written; no .tmp left',
      processesLeft,
      figure: `exit ${r.code}`,
      test: TEST,
    });
  } finally {
    unmount();
  }
});

test('exec (command function) on a full disk: the RunOutcome has each client failed with the reason', async () => {
  const c = await sharedCluster();
  const cwd = tempDir('director-full-direct-');
  const { out, unmount } = tinyOutput(cwd);
  try {
    const shown = new Map<number, number>();
    const outcome = await exec(
      { words: [PRINT], outputRoot: out, gather: true, keepRemote: false },
      {
        fleet: c.fleet(),
        events: { lines: (client, _stream, block) => void shown.set(client.index, (shown.get(client.index) ?? 0) + block.length) },
      },
    );
    assert.is(outcome.exitCode, EXIT.failed);
    assert.is(outcome.summaryError, undefined);
    assert.is(outcome.hosts.length, c.hosts.length);
    for (const h of outcome.hosts) {
      assert.is(h.state, 'failed', h.client.name);
      assert.is(h.error?.kind, 'io');
      assert.is(h.error?.message, 'writing output on the director: no space left on device');
      assert.is(h.code, 0, 'the command itself succeeded');
      assert.is(h.stdout.bytes, PRINTED);
      assert.is(shown.get(h.client.index), PRINTED, 'the live view got every byte');
    }
    const summary = JSON.parse(readFileSync(join(outcome.outputDir!, 'summary.json'), 'utf8')) as Summary;
    assert.equal(
      summary.clients.map((x) => x.error?.message),
      outcome.hosts.map(() => 'writing output on the director: no space left on device'),
    );
    assert.equal(temporaries(out), []);
    const processesLeft = await nothingLeft(c);
    record({
      id: 'exec-output-full-disk-direct',
      area: 'fault',
      case: 'exec (command function) with its output folder on a full disk',
      does: 'returns a RunOutcome with every client failed (i/o, "no space left on device"), exit 1, summary.json written',
      processesLeft,
      figure: `exit ${outcome.exitCode}`,
      test: TEST,
    });
  } finally {
    unmount();
  }
});

test.run();
