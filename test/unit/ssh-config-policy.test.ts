// What ssh -G cannot show: the user and system files together, relative Includes, Match exec
// refused with file:line, and director's table of refused keywords.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/config/errors.js';
import { fsReader } from '../../src/ssh/config/fs-reader.js';
import { valueKeywords } from '../../src/ssh/config/keywords.js';
import { DIRECTOR_USE } from '../../src/ssh/config/policy.js';
import { resolveSshConfig, type ResolveOptions } from '../../src/ssh/config/resolve.js';

/** A home, an /etc/ssh and their files in one temp folder; `$T` in a text is that folder. */
function world(files: Record<string, string>): Omit<ResolveOptions, 'reader'> & { reader: typeof fsReader; t: string } {
  const t = mkdtempSync(join(tmpdir(), 'ssh-policy-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(t, rel)), { recursive: true });
    writeFileSync(join(t, rel), text.replaceAll('$T', t));
  }
  return {
    t,
    localUser: 'me',
    home: join(t, 'home'),
    uid: 1000,
    thisHost: 'director.example',
    env: { KEYS: '/keys' },
    systemFile: join(t, 'etc/ssh_config'),
    systemDir: join(t, 'etc'),
    reader: fsReader,
  };
}

function refusedAt(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

test('user file before system file; relative Includes under ~/.ssh and the system folder', () => {
  const w = world({
    'home/.ssh/config': 'Include user.d/*\nHost a\n  Port 2201\n',
    'home/.ssh/user.d/x': 'Host a\n  IdentityFile ~/.ssh/id_a\n',
    'etc/ssh_config': 'Include sys.d/*.conf\nHost *\n  Port 22\n  User sysuser\n  IdentityFile /etc/keys/%u\n',
    'etc/sys.d/one.conf': 'Host a\n  HostName a.example\n',
  });
  const r = resolveSshConfig('a', w);
  assert.is(r.target.port, 2201);
  assert.is(r.target.user, 'sysuser');
  assert.is(r.target.hostname, 'a.example');
  assert.equal(r.target.identityFiles, [`${w.home}/.ssh/id_a`, '/etc/keys/me']);
  assert.equal(r.settings.get('hostname')?.[0], { args: ['a.example'], file: join(w.t, 'etc/sys.d/one.conf'), line: 2, spelled: 'HostName' });
  assert.equal(r.settings.get('port')?.[0], { args: ['2201'], file: join(w.home, '.ssh/config'), line: 3, spelled: 'Port' });
});

test('-F replaces both files; -F none reads none; a missing -F file is an error; -l and -p win', () => {
  const w = world({ 'home/.ssh/config': 'User fromuser\n', 'etc/ssh_config': 'Port 2000\n', f: 'User fromf\n' });
  assert.is(resolveSshConfig('h', { ...w, configFile: join(w.t, 'f') }).target.user, 'fromf');
  assert.is(resolveSshConfig('h', { ...w, configFile: join(w.t, 'f') }).target.port, 22);
  const none = resolveSshConfig('h', { ...w, configFile: 'none' });
  assert.equal([none.target.user, none.target.port, none.settings.size], ['me', 22, 0]);
  assert.match(refusedAt(() => resolveSshConfig('h', { ...w, configFile: join(w.t, 'nope') })).message, /Can't open user config file/);
  const cli = resolveSshConfig('h', { ...w, user: 'cli', port: 2022 });
  assert.equal([cli.target.user, cli.target.port], ['cli', 2022]);
});

test('a system file may not Include with ~; a missing user file is fine', () => {
  const w = world({ 'etc/ssh_config': 'Include ~/x\n' });
  const e = refusedAt(() => resolveSshConfig('h', w));
  assert.equal([e.file, e.line], [w.systemFile, 1]);
});

test('Match exec is refused with file:line where ssh would run it, and skipped where ssh skips it', () => {
  const w = world({ 'home/.ssh/config': 'Host a\n  User u\nMatch host a exec "test -f /x"\n  Port 2\n' });
  const e = refusedAt(() => resolveSshConfig('a', w));
  assert.equal([e.file, e.line], [join(w.home, '.ssh/config'), 3]);
  assert.match(e.message, /Match exec/);
  assert.is(resolveSshConfig('b', w).target.port, 22);
  const inactive = world({ 'home/.ssh/config': 'Host other\n  Include $T/inc\n', inc: 'Match exec true\n' });
  assert.match(refusedAt(() => resolveSshConfig('a', inactive)).message, /Match exec/, 'ssh runs it even in a parse-only Include');
});

test('Match criteria ssh 9.2 does not know are errors', () => {
  for (const crit of ['tagged x', 'localnetwork 10.0.0.0/8', 'version 9*', 'nosuch x']) {
    const w = world({ 'home/.ssh/config': `Match ${crit}\n  Port 2\n` });
    assert.is(refusedAt(() => resolveSshConfig('a', w)).line, 1, crit);
  }
});

const REFUSALS: Array<[config: string, expected: Array<[keyword: string, line: number]>]> = [
  ['ProxyUseFdpass yes\n', [['proxyusefdpass', 1]]],
  ['ProxyUseFdpass no\n', []],
  ['Host *\n  ProxyJump bastion\n', []],
  ['ProxyJump none\nProxyCommand nc %h %p\n', []],
  ['ProxyCommand none\n', []],
  ['Host *\n  ProxyCommand nc %h %p\n', []],
  ['LocalForward 8080 localhost:80\nControlMaster auto\nControlPath ~/.ssh/cm-%C\nControlPersist 10m\nForwardAgent yes\nSendEnv LANG\nGSSAPIAuthentication yes\nHashKnownHosts yes\n', []],
  ['StrictHostKeyChecking no\nUserKnownHostsFile /dev/null\nCheckHostIP no\n', []],
  ['CheckHostIP yes\nPubkeyAcceptedAlgorithms ssh-ed25519\n', [['checkhostip', 1], ['pubkeyacceptedalgorithms', 2]]],
  ['Host h\n  BindAddress 10.0.0.1\n  CanonicalizeHostname yes\n  CanonicalDomains example.com\n', [['bindaddress', 2], ['canonicalizehostname', 3]]],
  ['IdentitiesOnly yes\nIdentityAgent none\nCertificateFile ~/c\nCertificateFile ~/d\n', [['certificatefile', 3], ['certificatefile', 4]]],
  ['Host other\n  ProxyJump bastion\n', []],
];

for (const [config, expected] of REFUSALS) {
  test(`refusals: ${JSON.stringify(config)}`, () => {
    const w = world({ 'home/.ssh/config': config });
    const file = join(w.home, '.ssh/config');
    const r = resolveSshConfig('h', w);
    assert.equal(r.refusals.map((x) => [x.keyword, x.line]), expected);
    for (const x of r.refusals) assert.is(x.file, file);
  });
}

test('a refusal from -o names the command line', () => {
  const w = world({});
  const r = resolveSshConfig('h', { ...w, options: ['User=x', 'BindAddress=10.0.0.1'] });
  assert.equal(r.refusals.map((x) => [x.keyword, x.file, x.line]), [['bindaddress', 'command-line', 2]]);
});

test('every keyword that takes a value has a row in the table, each with a reason', () => {
  for (const k of valueKeywords()) {
    assert.ok(DIRECTOR_USE[k] !== undefined, `${k} has no row`);
    assert.ok(DIRECTOR_USE[k]!.why.length > 5, k);
  }
});

test('expansions: IdentityFile and UserKnownHostsFile share the full token set; ${VAR}; ProxyCommand knows five tokens', () => {
  const w = world({ 'home/.ssh/config': 'Host h\n  HostName H.example\n  Port 2200\n  User u\n  HostKeyAlias K\n  IdentityFile ${KEYS}/%h-%p-%r-%u-%n-%k-%l-%L-%i-%%\n  UserKnownHostsFile ~/kh-%d\n  ProxyCommand nc %h %p %r %n %k %%\n' });
  const t = resolveSshConfig('h', w).target;
  assert.equal(t.identityFiles, ['/keys/h.example-2200-u-me-h-k-director.example-director-1000-%']);
  assert.equal(t.userKnownHostsFiles, [`${w.home}/kh-${w.home}`]);
  assert.is(t.proxyCommand, 'nc h.example 2200 u h k %');
  const bad = world({ 'home/.ssh/config': 'ProxyCommand nc %d\n' });
  assert.equal([refusedAt(() => resolveSshConfig('h', bad)).line], [1]);
  const unset = world({ 'home/.ssh/config': 'IdentityFile ${NOPE}/k\n' });
  assert.is(refusedAt(() => resolveSshConfig('h', unset)).line, 1);
});

test('host arguments ssh would refuse are refused', () => {
  for (const h of ['-oProxyCommand=x', 'a b', 'a;b', '']) assert.throws(() => resolveSshConfig(h, world({})), h);
});

test.run();
