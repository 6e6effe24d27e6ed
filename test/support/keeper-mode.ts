// The run/exec suite through a keeper: with DIRECTOR_TEST_KEEPER set, the shared cluster gets
// a real keeper (`director connect`, in a private runtime folder of this test process) that
// every CLI run of the suite finds and uses, and the Fleets that tests build for command
// functions keep their connections in one SessionPool, as the keeper's do. At exit, the
// keeper's own account goes to DIRECTOR_TEST_KEEPER_REPORT, then it is disconnected.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionPool } from '../../src/ssh/session-pool.js';
import { atExit } from './at-exit.js';
import { DIRECTOR_BIN, runDirector } from './cli.js';

export const keeperMode = (process.env['DIRECTOR_TEST_KEEPER'] ?? '') !== '';

/** The pool of the command-function Fleets in keeper mode; it lets the test process end (and is closed at exit). */
export const keptPool: SessionPool | undefined = keeperMode ? new SessionPool({ holdProcess: false }) : undefined;

let kept: { args: string[]; dir: string } | undefined;

// Registered when this module loads, before any cluster's own exit task: the keeper reports
// while its hosts still run.
if (keeperMode) {
  atExit(() => {
    if (kept === undefined) return;
    const run = (more: string[]) => execFileSync(process.execPath, [DIRECTOR_BIN, ...kept!.args, ...more], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    try {
      const report = process.env['DIRECTOR_TEST_KEEPER_REPORT'];
      if (report) writeFileSync(report, run(['--json', 'status', '--keeper']));
    } finally {
      run(['disconnect']);
      keptPool?.close();
      rmSync(kept.dir, { recursive: true, force: true });
    }
  });
}

/** Starts the keeper for a cluster's CLI arguments; it is stopped at exit. */
export async function keepThrough(args: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'director-keeper-run-'));
  process.env['XDG_RUNTIME_DIR'] = dir;
  kept = { args, dir };
  const r = await runDirector([...args, 'connect', '--persist', '10m']);
  if (r.code !== 0) throw new Error(`director connect failed (${r.code}): ${r.stdout}${r.stderr}`);
}
