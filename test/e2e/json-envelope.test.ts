// Every command's --json is one envelope (docs/json.md) that the shipped JSON Schema accepts:
// successes and failures, per-client results, usage and configuration errors (exit 2, JSON on
// stdout), commander's own parse errors, and the commands without clients.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { envelopeOf } from '../support/json-schema.js';
import { LocalEnv } from '../support/local-env.js';
import { tempDir } from '../support/temp.js';

let c: TestCluster;
let cwd: string;
/** The cluster plus a client nothing listens on: every command has a failure to report. */
let withDead: string[];

test.before(async () => {
  c = await startCluster(2);
  cwd = tempDir('director-json-');
  const conf = join(cwd, 'clients.conf');
  writeFileSync(conf, `${c.hosts.map((h) => h.name).join('\n')}\n127.0.0.78:1\n`);
  withDead = ['-c', conf, '-i', c.cluster.identity, '--known-hosts', c.cluster.knownHosts, '--connect-timeout', '3'];
});
test.after(async () => {
  await c.stop();
});

const json = async (args: string[], code: number) => {
  const r = await runDirector(['--json', ...args], { cwd });
  assert.is(r.code, code, `${args.join(' ')}: ${r.stderr}`);
  const doc = envelopeOf(r.stdout);
  assert.is(doc.exitCode, code);
  return doc;
};
const states = (doc: { clients: Array<Record<string, unknown>> }) => doc.clients.map((x) => [x['host'], x['state']]);
const dead = '127.0.0.78:1';

test('status and status --ssh', async () => {
  const s = await json([...c.args(), 'status', '--ssh'], 0);
  assert.equal(states(s), c.hosts.map((h) => [h.name, 'on']));
  const d = await json([...withDead, 'status', '--ssh'], 1);
  assert.equal(d.clients[2]!['error'], { kind: 'unreachable', message: 'connection refused' });
});

test('mkdir', async () => {
  const doc = await json([...withDead, 'mkdir', 'json-test', 'made'], 1);
  assert.equal(states(doc), [[c.hosts[0]!.name, 'created'], [c.hosts[1]!.name, 'created'], [dead, 'unreachable']]);
  assert.is(doc['path'], 'json-test/made');
});

test('exec and run: summary.json\'s fields in the envelope, each client with its output', async () => {
  const e = await json([...withDead, 'exec', '--', 'echo hi; exit $DIRECTOR_HOST_INDEX'], 4);
  assert.equal(states(e), [[c.hosts[0]!.name, 'success'], [c.hosts[1]!.name, 'exit'], [dead, 'unreachable']]);
  assert.equal(e.clients[0]!['output'], { stdout: 'hi\n', stderr: '', truncated: false });
  assert.equal(e.clients[1]!['error'], { kind: 'remote-exit', message: 'code 1' });
  const script = join(cwd, 'hello.sh');
  writeFileSync(script, 'echo "hello $1"\n');
  const r = await json([...c.args(), 'run', script, '--', 'you'], 0);
  assert.equal(r['args'], ['you']);
  assert.ok(typeof r['outputDir'] === 'string');
});

test('data, data --dry-run and data --list', async () => {
  const dir = join(cwd, 'files');
  mkdirSync(dir);
  for (const n of [1, 2, 3]) writeFileSync(join(dir, `f_${n}.txt`), `file ${n}\n`);
  const plan = await json([...c.args(), 'data', '--dry-run', dir, 'jsonproj'], 0);
  assert.equal(states(plan), c.hosts.map((h) => [h.name, 'planned']));
  const sent = await json([...withDead, 'data', '--keep', dir, 'jsonproj'], 1);
  assert.equal(states(sent), [[c.hosts[0]!.name, 'success'], [c.hosts[1]!.name, 'success'], [dead, 'unreachable']]);
  const list = await json(['data', '--list', 'jsonproj'], 0);
  assert.is(list.clients.flatMap((x) => x['files'] as unknown[]).length, 2, 'the files verified on the two live clients');
});

test('local mode: start_local, ping, shutdown_local', async () => {
  const env = await LocalEnv.create(2);
  try {
    const local = async (args: string[], code: number) => {
      const r = await env.run(['--json', ...args]);
      assert.is(r.code, code, r.stderr);
      return envelopeOf(r.stdout);
    };
    assert.equal((await local(['start_local'], 0)).clients.map((x) => x['state']), ['started', 'started']);
    assert.equal((await local(['start_local'], 1)).clients.map((x) => x['state']), ['already-running', 'already-running']);
    assert.equal((await local(['ping'], 0)).clients.map((x) => x['state']), ['up', 'up']);
    assert.equal((await local(['shutdown_local'], 0)).clients.map((x) => x['state']), ['stopped', 'stopped']);
    assert.equal((await local(['ping'], 1)).clients.map((x) => x['error']), env.ports.map(() => ({ kind: 'unreachable', message: 'connection refused' })));
  } finally {
    await env.cleanup();
  }
});

test('sandbox up and down', async () => {
  const dir = join(cwd, 'sandbox');
  const up = await json(['sandbox', 'up', '-n', '1', '--dir', dir], 0);
  try {
    assert.is(up.clients.length, 1);
    assert.is(up['clientsConf'], join(dir, 'clients.conf'));
  } finally {
    const down = await json(['sandbox', 'down', '--dir', dir], 0);
    assert.is(down['stopped'], 1);
  }
});

test('errors before any work are the envelope too, on stdout: usage, configuration, parsing', async () => {
  const usage = await json([...c.args(), 'exec', '--inline', '--fold', '--', 'true'], 2);
  assert.is((usage['error'] as { kind: string }).kind, 'usage');
  assert.is(usage.command, 'exec');
  const config = await json(['-c', join(cwd, 'nope.conf'), 'status'], 2);
  assert.is((config['error'] as { kind: string }).kind, 'config');
  const parsing = await json(['-q', 'exec', '--', 'true'], 2);
  assert.match((parsing['error'] as { message: string }).message, /unknown option '-q'; -q is an option of director exec/);
  const unknown = await json(['exce'], 2);
  assert.is(unknown.command, 'director');
});

test.run();
