// ssh_config resolution against OpenSSH itself: each case is written to a temp folder and
// resolved by `ssh -G -F <file> [-o …] <host>` (which reads and prints, never connects) and
// by resolveSshConfig; the keywords director reads must agree, and so must failures.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fsReader } from '../../src/ssh/config/fs-reader.js';
import { resolveSshConfig, type ResolvedSshConfig, type ResolveOptions } from '../../src/ssh/config/resolve.js';
import type { JumpHop } from '../../src/ssh/config/values.js';

const me = userInfo();
const BASE: Omit<ResolveOptions, 'reader'> = { localUser: me.username, home: me.homedir, uid: me.uid, thisHost: hostname(), env: process.env };
const root = mkdtempSync(join(tmpdir(), 'ssh-config-'));
let serial = 0;

/** Writes the files of a case (`$DIR` in their text is the case's folder); returns the folder. */
function writeCase(files: Record<string, string>): string {
  const dir = join(root, String((serial += 1)));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text.replaceAll('$DIR', dir));
  }
  return dir;
}

type Printed = Map<string, string[]>;

function sshG(file: string, host: string, opts: string[]): Printed | { error: string } {
  const r = spawnSync('ssh', ['-G', '-F', file, ...opts.flatMap((o) => ['-o', o]), host], { encoding: 'utf8' });
  if (r.status !== 0) return { error: r.stderr.trim() };
  const out: Printed = new Map();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const sp = line.indexOf(' ');
    const k = line.slice(0, sp);
    out.set(k, [...(out.get(k) ?? []), line.slice(sp + 1)]);
  }
  return out;
}

function formatJump(hops: JumpHop[]): string {
  return hops.map((h) => `${h.user === undefined ? '' : `${h.user}@`}${h.host}${h.port === undefined ? '' : `:${h.port}`}`).join(',');
}

/** Our result in `ssh -G`'s words, for the keywords director reads. */
function asPrinted(r: ResolvedSshConfig): Printed {
  const t = r.target;
  const raw = (k: string): string[] => (r.settings.get(k) ?? []).map((s) => s.args[0]!);
  const yn = (b: boolean): string => (b ? 'yes' : 'no');
  const strict = { yes: 'true', no: 'false', ask: 'ask', 'accept-new': 'accept-new' }[t.strictHostKeyChecking];
  const home = (p: string): string => (p.startsWith(`${me.homedir}/`) ? `~/${p.slice(me.homedir.length + 1)}` : p);
  const out: Printed = new Map([
    ['user', [t.user]],
    ['hostname', [t.hostname]],
    ['port', [String(t.port)]],
    // ssh -G prints IdentityFile and CertificateFile as written (it expands them later).
    ['identityfile', t.identityFilesConfigured ? raw('identityfile') : t.identityFiles.map(home)],
    ['certificatefile', raw('certificatefile')],
    ['connecttimeout', [t.connectTimeout === null ? 'none' : String(t.connectTimeout)]],
    ['serveraliveinterval', [String(t.serverAliveInterval)]],
    ['serveralivecountmax', [String(t.serverAliveCountMax)]],
    ['stricthostkeychecking', [strict]],
    ['userknownhostsfile', [t.userKnownHostsFiles.length === 0 ? 'none' : t.userKnownHostsFiles.join(' ')]],
    ['globalknownhostsfile', [t.globalKnownHostsFiles.length === 0 ? 'none' : t.globalKnownHostsFiles.join(' ')]],
    ['identitiesonly', [yn(t.identitiesOnly)]],
    ['checkhostip', [yn(t.checkHostIp)]],
    ['sendenv', raw('sendenv')],
  ]);
  if (t.proxyJump !== null) out.set('proxyjump', [formatJump(t.proxyJump)]);
  else if (t.proxyCommand !== null) out.set('proxycommand', raw('proxycommand'));
  if (t.identityAgent !== null) out.set('identityagent', [t.identityAgent]);
  if (t.hostKeyAlias !== null) out.set('hostkeyalias', [t.hostKeyAlias]);
  return out;
}

const COMPARED = ['user', 'hostname', 'port', 'identityfile', 'certificatefile', 'connecttimeout', 'serveraliveinterval', 'serveralivecountmax', 'stricthostkeychecking', 'userknownhostsfile', 'globalknownhostsfile', 'identitiesonly', 'checkhostip', 'sendenv', 'proxyjump', 'proxycommand', 'identityagent', 'hostkeyalias'];

interface Case {
  name: string;
  files: Record<string, string>;
  hosts: string[];
  opts?: string[];
  /** The file given to -F; default `config`. */
  entry?: string;
}

const CASES: Case[] = [
  { name: 'defaults of an empty file', files: { config: '' }, hosts: ['plain', 'MiXeD.Example', '10.0.0.1'] },
  {
    name: 'first obtained value wins; Host * after a specific block',
    files: { config: 'Host foo\n  HostName real.example\n  Port 2222\n  User alice\nHost *\n  Port 22\n  User bob\n  HostName other\n' },
    hosts: ['foo', 'bar'],
  },
  {
    name: '= syntax, quotes, comments, odd spacing',
    files: { config: 'Port=2022\nUser = carol # who\n\tHostName\t"quoted.example"\nIdentityFile "/tmp/my keys/id"\nIdentityFile=\'/tmp/single quoted\'\nCertificateFile /tmp/cert\\ with\\ space\n# Port 1\n' },
    hosts: ['x'],
  },
  {
    name: 'Host patterns: wildcards, ?, negation, several words, case-sensitive',
    files: { config: 'Host *.lab !bad.lab\n  User lab\nHost db? web*\n  Port 2300\nHost foo\n  User lower\nHost FOO\n  User upper\nHost a,b\n  Port 2400\n' },
    hosts: ['good.lab', 'bad.lab', 'db1', 'db12', 'web-x', 'FOO', 'foo', 'b'],
  },
  {
    name: 'Match host sees HostName so far; originalhost sees the argument',
    files: { config: 'Host alias\n  HostName real.internal\nMatch host real.internal\n  User m\nMatch originalhost alias\n  Port 2200\nMatch host alias\n  IdentityFile /tmp/never\nMatch host *.INTERNAL,!x.internal\n  CheckHostIP yes\n' },
    hosts: ['alias', 'real.internal', 'x.internal'],
  },
  {
    name: 'Match user, localuser, all, negation',
    files: {
      config: `Host deploy-*\n  User deploy\nMatch user deploy\n  Port 2500\nMatch localuser ${me.username}\n  ConnectTimeout 7\nMatch !localuser ${me.username}\n  ConnectTimeout 9\nMatch !user deploy host *\n  ServerAliveInterval 1m30s\nMatch all\n  ServerAliveCountMax 5\n`,
    },
    hosts: ['deploy-1', 'other'],
  },
  {
    name: 'Match final and canonical: a second pass where Host sees the final name',
    files: { config: 'Host alias\n  HostName Real.Example\nHost real.example\n  Port 2300\nMatch canonical\n  IdentitiesOnly yes\nMatch final host real.example\n  User finaluser\nMatch !final\n  ServerAliveCountMax 4\nIdentityFile /tmp/a\n' },
    hosts: ['alias', 'other'],
  },
  {
    name: 'tokens in HostName, UserKnownHostsFile, IdentityAgent; HostKeyAlias is %k',
    files: { config: 'Host t*\n  HostName %h.example.com\n  UserKnownHostsFile /tmp/kh/%h-%p-%r-%u-%d-%n-%l-%L-%C-%i-%k-%% ~/kh2\n  IdentityAgent ~/agent-%C\nHost tk\n  HostKeyAlias KeyName\n  User u\n' },
    hosts: ['tx', 'tk'],
  },
  {
    name: 'IdentityFile, CertificateFile and SendEnv accumulate; duplicates and -pattern',
    files: { config: 'Host foo\n  IdentityFile /tmp/a\n  CertificateFile /tmp/c1\n  SendEnv LANG LC_*\nHost *\n  IdentityFile /tmp/b\n  IdentityFile /tmp/a\n  CertificateFile /tmp/c1\n  SendEnv -LC_* EDITOR\n' },
    hosts: ['foo', 'bar'],
  },
  {
    name: 'Include: globs sorted, no dot files, inactive block parses only, state restored after',
    files: {
      config: 'Host inc\n  Include $DIR/conf.d/*.conf\n  User after-include\nHost skip\n  Include $DIR/conf.d/20-b.conf\nHost *\n  IdentityFile /tmp/last\n',
      'conf.d/10-a.conf': 'Port 2610\nHost other\n  User from-a\n',
      'conf.d/20-b.conf': 'Port 2620\nIdentityFile /tmp/b\n',
      'conf.d/.hidden.conf': 'User hidden\n',
      'conf.d/README': 'User readme\n',
    },
    hosts: ['inc', 'skip', 'none'],
  },
  {
    name: 'Include of a file that is not there is fine',
    files: { config: 'Include $DIR/missing/*.conf $DIR/nothere\nUser u\n' },
    hosts: ['x'],
  },
  {
    name: 'an Include loop is refused, even under a Host that does not match',
    files: { loop: 'Host x\n  Include $DIR/loop2\n', loop2: 'Include $DIR/loop\n' },
    hosts: ['x', 'y'],
    entry: 'loop',
  },
  {
    name: '-o comes first',
    files: { config: 'Host *\n  User file\n  Port 2700\n  StrictHostKeyChecking accept-new\n' },
    hosts: ['o'],
    opts: ['User=opt', 'Port 2999', 'stricthostkeychecking=no'],
  },
  {
    name: 'ProxyJump and ProxyCommand share one first-wins slot',
    files: { config: 'Host j\n  ProxyJump admin@bastion:2222,jump2 # via\nHost c\n  ProxyCommand nc -X 5 %h %p # kept\nHost *\n  ProxyCommand ssh -W %h:%p gw\n  ProxyJump other\nHost n\n  ProxyJump none\n' },
    hosts: ['j', 'c', 'n', 'z'],
  },
  {
    // OpenSSH 9.2: `ProxyJump none` holds the slot against a later ProxyJump, not a later
    // ProxyCommand; `ProxyCommand none` holds it against both.
    name: 'ProxyJump none, then ProxyCommand: the command applies',
    files: { config: 'Host pc\n  ProxyJump none\n  ProxyCommand nc %h %p\nHost pj\n  ProxyJump none\n  ProxyJump b1\nHost cj\n  ProxyCommand none\n  ProxyJump b1\n' },
    hosts: ['pc', 'pj', 'cj'],
  },
  {
    name: '-o ProxyJump=none, then ProxyCommand from the file',
    files: { config: 'Host *\n  ProxyCommand nc %h %p\n' },
    hosts: ['o'],
    opts: ['ProxyJump=none'],
  },
  {
    name: 'values director reads, none and off spellings',
    files: { config: 'Host v\n  StrictHostKeyChecking off\n  UserKnownHostsFile none\n  GlobalKnownHostsFile /etc/a /etc/b\n  ConnectTimeout 1h\n  CheckHostIP yes\n  IdentitiesOnly true\n  HostKeyAlias Alias.Example\nHost w\n  StrictHostKeyChecking yes\n  GlobalKnownHostsFile none\n  ConnectTimeout none\n' },
    hosts: ['v', 'w'],
  },
  { name: 'a bad keyword fails', files: { config: 'Host x\n  NoSuchOption yes\n' }, hosts: ['y'] },
  { name: 'IgnoreUnknown lets it pass', files: { config: 'IgnoreUnknown NoSuch*\nNoSuchOption yes\n' }, hosts: ['y'] },
  { name: 'a bad port fails even in an inactive block', files: { config: 'Host x\n  Port abc\n' }, hosts: ['y'] },
  { name: 'an open quote fails', files: { config: 'User "abc\n' }, hosts: ['y'] },
  { name: 'HostName knows only %h', files: { config: 'HostName %h-%p\n' }, hosts: ['y'] },
  { name: 'extra words fail', files: { config: 'User a b\n' }, hosts: ['y'] },
  { name: 'Match all must be alone', files: { config: 'Match all host x\n  User a\n' }, hosts: ['y'] },
];

for (const c of CASES) {
  for (const host of c.hosts) {
    test(`ssh -G agrees: ${c.name} [${host}]`, () => {
      const dir = writeCase(c.files);
      const file = join(dir, c.entry ?? 'config');
      const theirs = sshG(file, host, c.opts ?? []);
      let ours: Printed | { error: string };
      try {
        ours = asPrinted(resolveSshConfig(host, { ...BASE, configFile: file, options: c.opts ?? [], reader: fsReader }));
      } catch (e) {
        ours = { error: (e as Error).message };
      }
      if ('error' in theirs || 'error' in ours) {
        assert.is('error' in ours, 'error' in theirs, `ssh: ${JSON.stringify(theirs)}\nours: ${JSON.stringify(ours)}`);
        return;
      }
      for (const k of COMPARED) assert.equal(ours.get(k) ?? [], theirs.get(k) ?? [], k);
    });
  }
}

test.run();
