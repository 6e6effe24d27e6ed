// ssh_config that routes a host through a bastion (ProxyJump, ProxyCommand) must never be
// bypassed: until director can go that way, it refuses with the file and line, exit 2, and
// contacts nobody — proven by a server at the HostName that counts who came. `ssh -G` is the
// reference for which settings apply (an Include, a Match block).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDirector } from '../support/cli.js';
import { sharedCluster } from '../support/cluster.js';
import { record } from '../support/reliability.js';
import { silentServer, type SilentServer } from '../support/silent-server.js';
import { tempDir } from '../support/temp.js';

const TEST = 'test/reliability/ssh-routing.test.ts';
let target: SilentServer;

test.before(async () => {
  target = await silentServer('127.0.0.81');
});
test.after(async () => {
  await target.close();
});

/** A folder with clients.conf naming `inner`, and an ssh_config whose lines are `config`. */
function setup(config: string[], extraFiles: Record<string, string> = {}): { dir: string; args: string[] } {
  const dir = tempDir('director-routing-');
  writeFileSync(join(dir, 'clients.conf'), 'inner\n');
  writeFileSync(join(dir, 'ssh_config'), `${config.map((l) => l.replace('@DIR@', dir)).join('\n')}\n`);
  for (const [name, text] of Object.entries(extraFiles)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { dir, args: ['-c', join(dir, 'clients.conf'), '-F', join(dir, 'ssh_config'), '--connect-timeout', '2'] };
}

test('ProxyJump, ProxyCommand (also from an Include or a Match block) are refused with file:line; nobody is contacted', async () => {
  const c = await sharedCluster();
  const where = [`  HostName 127.0.0.81`, `  Port ${target.port}`];
  const cases: Array<{ config: string[]; files?: Record<string, string>; file: string; line: number; keyword: string }> = [
    { config: ['Host inner', ...where, '  ProxyJump bastion'], file: 'ssh_config', line: 4, keyword: 'ProxyJump' },
    { config: ['Host inner', ...where, '  ProxyCommand nc %h %p'], file: 'ssh_config', line: 4, keyword: 'ProxyCommand' },
    { config: ['Host inner', ...where, 'Match host 127.0.0.81', '  ProxyJump a,b'], file: 'ssh_config', line: 5, keyword: 'ProxyJump' },
    // An Include path is relative to ~/.ssh: the test names its folder.
    { config: ['Host inner', ...where, 'Include @DIR@/conf.d/*.conf'], files: { 'conf.d/jump.conf': 'Host *\n  ProxyJump bastion\n' }, file: 'jump.conf', line: 2, keyword: 'ProxyJump' },
  ];
  for (const k of cases) {
    const { args } = setup(k.config, k.files);
    const r = await runDirector([...args, '-i', c.cluster.identity, 'exec', '--', 'true']);
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`${k.file.replace('.', '\\.')}:${k.line}: ${k.keyword} for inner: .*nothing was contacted`));
  }
  assert.is(target.connections(), 0, 'no connection went around the bastion');
  record({
    id: 'ssh-routing-refused',
    area: 'security',
    case: 'ssh_config routes the host through ProxyJump or ProxyCommand (also via Include and Match)',
    does: 'refuses before any connection, naming file:line and the keyword (exit 2); never connects straight to HostName',
    figure: `${cases.length}/${cases.length} refused, 0 connections`,
    test: TEST,
  });
});

test('ProxyJump none is fine, and --ignore-ssh-option ProxyJump connects on purpose', async () => {
  const c = await sharedCluster();
  const h = c.hosts[0]!;
  const known = ['--known-hosts', c.cluster.knownHosts, '-i', c.cluster.identity];
  const none = setup(['Host inner', `  HostName ${h.address}`, `  Port ${h.port}`, '  ProxyJump none', 'Host *', '  ProxyJump bastion']);
  const ok = await runDirector([...none.args, ...known, 'exec', '--', 'echo via none']);
  assert.is(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^inner: via none$/m);
  const jump = setup(['Host inner', `  HostName ${h.address}`, `  Port ${h.port}`, '  ProxyJump bastion']);
  const ignored = await runDirector([...jump.args, ...known, '--ignore-ssh-option', 'ProxyJump', 'exec', '--', 'echo straight']);
  assert.is(ignored.code, 0, ignored.stdout + ignored.stderr);
  assert.match(ignored.stdout, /^inner: straight$/m);
});

test.run();
