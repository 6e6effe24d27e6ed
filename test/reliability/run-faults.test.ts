// Connection and command faults: a client that accepts TCP but never speaks SSH, a command
// that never ends, and director itself stopped by SIGINT or SIGTERM mid-run. Each case checks
// on the hosts themselves (their mount namespaces) that nothing is left running, and times
// the fault from outside director: the silent server's clock, the hosts' /proc.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector, type CliResult } from '../support/cli.js';
import { sharedCluster, type TestCluster } from '../support/cluster.js';
import { leftOnHosts, processesWorkingIn, watchHosts } from '../support/host-processes.js';
import { record } from '../support/reliability.js';
import { esc, onlyRun, workDir, type Summary } from '../support/run-e2e.js';
import { watchDirector } from '../support/run-spawn.js';
import { silentServer } from '../support/silent-server.js';

const TEST = 'test/reliability/run-faults.test.ts';

/** Nothing of the case is left: no process on any host besides sshd, no director alive. */
async function nothingLeft(c: TestCluster, cwd: string): Promise<number> {
  const left = await leftOnHosts(c);
  assert.is(left.count, 0, `processes left on the hosts: ${left.which}`);
  assert.equal(processesWorkingIn(cwd), [], 'no director process left');
  return left.count;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

// ---- a client that accepts TCP but never speaks SSH ------------------------------------------

const CONNECT_TIMEOUT_S = 2;

interface SilentCase {
  id: string;
  /** As the table shows it. */
  shown: string;
  argv: string[];
  /** The documented exit status when one client cannot be reached. */
  code: number;
  /** What the output says about the silent client and the served ones. */
  check(r: CliResult, silent: string, served: string[], cwd: string): void;
}

/**
 * Runs a command on host 0, a silent port and host 1 with --connect-timeout 2. The silent
 * server times how long director held its connection: the timeout must hold within a second.
 */
async function silentClient(k: SilentCase): Promise<void> {
  const c = await sharedCluster();
  const silent = await silentServer('127.0.0.77');
  try {
    const cwd = workDir('silent');
    const name = `127.0.0.77:${silent.port}`;
    const served = [c.hosts[0]!.name, c.hosts[1]!.name];
    writeFileSync(join(cwd, 'clients.conf'), `${served[0]}\n${name}\n${served[1]}\n`);
    const args = ['-c', join(cwd, 'clients.conf'), '-i', c.cluster.identity, '--known-hosts', c.cluster.knownHosts];
    const started = Date.now();
    const r = await runDirector([...args, '--connect-timeout', String(CONNECT_TIMEOUT_S), ...k.argv], { cwd, timeoutMs: 30_000 });
    const wallMs = Date.now() - started;
    assert.is(r.code, k.code, r.stdout + r.stderr);
    k.check(r, name, served, cwd);
    // One connection (a timeout is not retried), dropped by director after the timeout. ssh2
    // starts its clock just before the TCP connect, so the server may see a hair under 2 s.
    const held = silent.heldMs();
    assert.is(silent.connections(), 1, 'one attempt');
    assert.is(held.length, 1, 'director hung up on the silent client');
    const heldMs = held[0]!;
    assert.ok(heldMs >= CONNECT_TIMEOUT_S * 1000 - 100 && heldMs < CONNECT_TIMEOUT_S * 1000 + 1000, `held ${heldMs} ms`);
    const processesLeft = await nothingLeft(c, cwd);
    record({
      id: k.id,
      area: 'fault',
      case: `${k.shown}: a client accepts TCP but never speaks SSH`,
      does: 'reports that client as a connect timeout when --connect-timeout expires; the others are served',
      processesLeft,
      detectMs: heldMs,
      figure: `--connect-timeout ${CONNECT_TIMEOUT_S}: dropped after ${seconds(heldMs)}, exit ${r.code} after ${seconds(wallMs)}`,
      test: TEST,
    });
  } finally {
    await silent.close();
  }
}

test('status --ssh: a port that accepts TCP but never speaks SSH is a connect timeout', () =>
  silentClient({
    id: 'silent-client-status',
    shown: 'status --ssh',
    argv: ['status', '--ssh'],
    code: 1,
    check(r, silent, served) {
      const s = esc(silent);
      assert.match(r.stdout, new RegExp(`Client: ${s} ON \\([\\d.]+ ms\\) SSH connect-timeout: no SSH handshake within ${CONNECT_TIMEOUT_S}s`));
      for (const h of served) assert.match(r.stdout, new RegExp(`Client: ${esc(h)} ON .* SSH OK`));
      assert.match(r.stdout, new RegExp(`2 ok, 1 failed: ${s} \\(connect timeout\\)`));
    },
  }),
);

test('exec: a silent client is a connect timeout (exit 4); the others run the command', () =>
  silentClient({
    id: 'silent-client-exec',
    shown: 'exec',
    argv: ['exec', '-o', 'out', '--', 'echo "ran $DIRECTOR_HOST_INDEX"'],
    code: 4,
    check(r, silent, served, cwd) {
      assert.match(r.stdout, new RegExp(`\\[FAILURE\\] ${esc(silent)} connect timeout: no SSH handshake within ${CONNECT_TIMEOUT_S}s`));
      assert.match(r.stdout, new RegExp(`^${esc(served[0]!)}: ran 0$`, 'm'));
      assert.match(r.stdout, new RegExp(`^${esc(served[1]!)}: ran 2$`, 'm'));
      const { summary } = onlyRun(join(cwd, 'out', 'exec'));
      assert.equal(summary.clients.map((x) => x.state), ['success', 'unreachable', 'success']);
      assert.is(summary.clients[1]?.error?.kind, 'connect-timeout');
      assert.is(summary.exitCode, 4);
    },
  }),
);

test('mkdir: a silent client is a connect timeout (exit 1); the others get the folder', () =>
  silentClient({
    id: 'silent-client-mkdir',
    shown: 'mkdir',
    argv: ['mkdir', '~/silent-case', `d${process.pid}`],
    code: 1,
    check(r, silent, served) {
      assert.match(r.stdout, new RegExp(`failed ~/silent-case/d${process.pid} @${esc(silent)}: connect timeout: no SSH handshake within ${CONNECT_TIMEOUT_S}s`));
      for (const h of served) assert.match(r.stdout, new RegExp(`created ~/silent-case/d${process.pid} @${esc(h)}`));
    },
  }),
);

test.run();
