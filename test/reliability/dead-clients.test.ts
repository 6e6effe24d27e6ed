// Many dead clients among live ones: a connection attempt that will only time out must not
// hold a work slot (-p) for its whole connect timeout, or the live clients behind it wait in
// waves of -p. The run takes about one connect timeout, however many clients are dead.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { record } from '../support/reliability.js';
import { silentServer, type SilentServer } from '../support/silent-server.js';
import { tempDir } from '../support/temp.js';

const TEST = 'test/reliability/dead-clients.test.ts';
const TIMEOUT_S = 2;
const DEAD = 50;
const LIVE = 8;
const PARALLEL = 8;

let c: TestCluster;
const silent: SilentServer[] = [];

test.before(async () => {
  c = await startCluster(LIVE);
  for (let i = 0; i < DEAD; i++) silent.push(await silentServer('127.0.0.78'));
});
test.after(async () => {
  await Promise.all(silent.map((s) => s.close()));
  await c.stop();
});

test(`${DEAD} silent clients listed before ${LIVE} live ones, -p ${PARALLEL}: done in about one connect timeout`, async () => {
  const cwd = tempDir('director-dead-');
  const dead = silent.map((s) => `127.0.0.78:${s.port}`);
  const live = c.hosts.map((h) => h.name);
  writeFileSync(join(cwd, 'clients.conf'), `${[...dead, ...live].join('\n')}\n`);
  const args = ['-c', join(cwd, 'clients.conf'), '-i', c.cluster.identity, '--known-hosts', c.cluster.knownHosts];
  const started = Date.now();
  const r = await runDirector([...args, '-p', String(PARALLEL), '--connect-timeout', String(TIMEOUT_S), 'exec', '-q', '--', 'true'], { cwd, timeoutMs: 60_000 });
  const wallMs = Date.now() - started;
  assert.is(r.code, 4, r.stdout + r.stderr);
  for (const h of live) assert.match(r.stdout, new RegExp(`\\[SUCCESS\\] ${h.replace(/\./g, '\\.')}\\n`));
  assert.match(r.stdout, new RegExp(`${LIVE} ok, ${DEAD} failed`));
  // In waves of -p the dead ones would take ceil(50 / 8) = 7 timeouts (14 s).
  assert.ok(wallMs < TIMEOUT_S * 1000 * 2, `took ${wallMs} ms`);
  for (const s of silent) assert.is(s.connections(), 1, 'one attempt per dead client (a timeout is not retried)');
  record({
    id: 'dead-clients-waves',
    area: 'fault',
    case: `${DEAD} clients that never answer, listed before ${LIVE} live ones (-p ${PARALLEL})`,
    does: 'connection attempts do not hold the -p work slots: the live clients run at once, the dead ones time out together',
    detectMs: wallMs,
    figure: `--connect-timeout ${TIMEOUT_S}: whole run ${(wallMs / 1000).toFixed(1)} s (waves of -p: ${Math.ceil(DEAD / PARALLEL) * TIMEOUT_S} s)`,
    test: TEST,
  });
});

test.run();
