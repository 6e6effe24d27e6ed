// The package as a user gets it: `npm pack`, then `npm install -g --prefix <tmp> <tarball>`
// resolving and fetching every dependency from a registry on loopback made of node_modules
// (no network), then the installed `director` and the library imported by its package name,
// both driving a real sshd host; the declarations type-check a small program against it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { directorEnv, REPO_ROOT } from '../support/cli.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { startLocalRegistry } from '../support/local-registry.js';
import { tempDir } from '../support/temp.js';
import { within } from '../support/timeout.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
let c: TestCluster;
let work: string;
let tarball: string;
let installed: string;
let bin: string;

const sh = (cmd: string, args: string[], o: { cwd?: string; env?: Record<string, string> } = {}) => {
  const r = spawnSync(cmd, args, { cwd: o.cwd ?? work, env: o.env ?? directorEnv(), encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

function shAsync(cmd: string, args: string[], o: { env: Record<string, string> }): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(cmd, args, { cwd: work, env: o.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  return within(180_000, 'npm install -g', done).catch((e: Error) => {
    child.kill('SIGKILL');
    throw e;
  });
}

test.before(async () => {
  c = await startCluster(1);
  work = tempDir('director-package-');
  // --ignore-scripts: the test run has just built dist (prepare would build it again).
  const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO_ROOT, encoding: 'utf8' })) as Array<{ filename: string }>;
  tarball = join(work, packed[0]!.filename);
  const registry = await startLocalRegistry(join(REPO_ROOT, 'node_modules'));
  try {
    const prefix = join(work, 'prefix');
    // Not spawnSync: the registry answers from this process's event loop.
    const npm = await shAsync('npm', ['install', '-g', '--prefix', prefix, tarball, '--registry', registry.url, '--cache', join(work, 'npm-cache'), '--ignore-scripts', '--no-audit', '--no-fund', '--no-update-notifier'], {
      env: { ...directorEnv(), npm_config_registry: registry.url },
    });
    assert.is(npm.code, 0, npm.stderr);
    installed = join(prefix, 'lib', 'node_modules', ...pkg.name.split('/'));
    bin = join(prefix, 'bin', 'director');
  } finally {
    await registry.close();
  }
});
test.after(async () => {
  await c.stop();
});

test('the tarball holds the CLI, the library with its declarations, the schema and docs; no tests, sources or benchmarks', () => {
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
  for (const want of ['package/package.json', 'package/README.md', 'package/dist/bin/director.cjs', 'package/dist/bin/program.js', 'package/dist/src/index.js', 'package/dist/src/index.d.ts', 'package/schema/output.schema.json', 'package/docs/json.md', 'package/docs/library.md']) {
    assert.ok(files.includes(want), `${want} missing`);
  }
  const stray = files.filter((f) => /^package\/(dist\/(test|bench|scripts)\/|src\/|test\/|bench\/)|\.tsbuildinfo$/.test(f));
  assert.equal(stray, []);
});

test('the installed bin runs exec on a sandbox host, and its --json is the envelope', () => {
  assert.is(sh(bin, ['--version']).stdout.trim(), pkg.version);
  const r = sh(bin, [...c.args(), '--json', 'exec', '--', 'echo installed-$DIRECTOR_HOST_INDEX']);
  assert.is(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { schemaVersion: number; command: string; ok: boolean; clients: Array<{ host: string; state: string; output: { stdout: string } }> };
  assert.equal([doc.schemaVersion, doc.command, doc.ok], [1, 'exec', true]);
  assert.equal(doc.clients.map((x) => [x.host, x.state, x.output.stdout]), [[c.hosts[0]!.name, 'success', 'installed-0\n']]);
});

/** A folder whose node_modules has the installed package, as `npm install` in a project would. */
function appUsing(name: string): string {
  const app = join(work, name);
  mkdirSync(join(app, 'node_modules', ...pkg.name.split('/').slice(0, -1)), { recursive: true });
  symlinkSync(installed, join(app, 'node_modules', ...pkg.name.split('/')));
  return app;
}

test('the library, imported by its package name, opens a Fleet and runs exec and status', () => {
  const app = appUsing('app');
  writeFileSync(
    join(app, 'drive.mjs'),
    `import { openFleet, exec, status, EXIT } from '${pkg.name}';
const [clients, identity, knownHosts] = process.argv.slice(2);
const fleet = openFleet({ clients, identity, knownHosts });
const lines = [];
const r = await exec({ words: ['echo', 'lib-$DIRECTOR_HOST_INDEX'], gather: false, keepRemote: false }, { fleet, events: { lines: (client, stream, block) => { lines.push(client.name + ' ' + stream + ' ' + block.toString()); } } });
const s = await status({ ssh: true }, { fleet });
console.log(JSON.stringify({ exit: r.exitCode === EXIT.ok, states: r.hosts.map((h) => h.state), lines, ssh: s.clients.map((x) => x.ssh && x.ssh.ok) }));
`,
  );
  const r = sh(process.execPath, ['drive.mjs', c.cluster.clientsConf, c.cluster.identity, c.cluster.knownHosts], { cwd: app });
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), { exit: true, states: ['success'], lines: [`${c.hosts[0]!.name} stdout lib-0\n`], ssh: [true] });
});

test('the declarations type-check a program that uses the library, and reject a wrong one', () => {
  const app = appUsing('types');
  writeFileSync(
    join(app, 'use.ts'),
    `import { openFleet, exec, type RunOutcome, type HostState } from '${pkg.name}';
const fleet = openFleet({ clients: ['node[1-2]'], hostKeyChecking: 'strict' });
const outcome: Promise<RunOutcome> = exec({ words: ['uptime'], gather: false, keepRemote: false }, { fleet });
export const states: Promise<HostState[]> = outcome.then((o) => o.hosts.map((h) => h.state));
// @ts-expect-error: the words are strings
exec({ words: [1], gather: false, keepRemote: false }, { fleet });
`,
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(REPO_ROOT, 'node_modules', '@types')] }, files: ['use.ts'] }),
  );
  const r = sh(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app });
  assert.is(r.code, 0, r.stdout + r.stderr);
});

test.run();
