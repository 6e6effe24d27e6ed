// OpenSSH's identity order (pubkey_prepare), identity files read as ssh reads them, and the
// words of a failed login: table by table, no server.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AuthAttempts, type AuthEvent } from '../../src/ssh/auth-attempts.js';
import { fingerprint, readIdentity, shownPath } from '../../src/ssh/identities.js';
import { identityOrder } from '../../src/ssh/identity-order.js';
import type { AuthPlan } from '../../src/ssh/keys.js';
import type { AnyAuthMethod } from 'ssh2';
import { describeAuthEvent } from '../../src/output/auth.js';
import { tempDir } from '../support/temp.js';

const blob = (name: string) => Buffer.from(`key-${name}`);
const file = (name: string, key = name) => ({ name, blob: key === '' ? undefined : blob(key) });
const agentKey = (name: string) => ({ name, blob: blob(name) });

/** Steps as `f:x` (a file not in the agent), `fa:x` (a file whose agent copy signs), `a:x` (an agent key). */
function order(files: string[], agent: string[], only: boolean): string[] {
  const fs = files.map((f) => {
    const [name, key] = f.split('=');
    return file(name!, key ?? name!);
  });
  return identityOrder(fs, agent.map(agentKey), only).map((s) => (s.file && s.agent ? `fa:${s.file.name}` : s.file ? `f:${s.file.name}` : `a:${s.agent!.name}`));
}

const ORDERS: Array<{ what: string; files: string[]; agent: string[]; only: boolean; want: string[] }> = [
  { what: 'no agent: the files in order', files: ['a', 'b'], agent: [], only: false, want: ['f:a', 'f:b'] },
  { what: 'agent keys first, then files', files: ['f'], agent: ['x', 'y'], only: false, want: ['a:x', 'a:y', 'f:f'] },
  { what: 'a configured key the agent holds comes first, in agent order', files: ['f', 'y', 'x'], agent: ['u', 'x', 'y'], only: false, want: ['fa:x', 'fa:y', 'a:u', 'f:f'] },
  { what: 'IdentitiesOnly drops the other agent keys', files: ['f', 'y'], agent: ['u', 'v', 'y', 'w'], only: true, want: ['fa:y', 'f:f'] },
  { what: 'IdentitiesOnly with nothing configured in the agent', files: ['f'], agent: ['u', 'v'], only: true, want: ['f:f'] },
  { what: 'a file whose public key is unknown stays a file', files: ['e='], agent: ['u'], only: false, want: ['a:u', 'f:e'] },
  { what: 'two files with one key: the first takes the agent copy', files: ['p=k', 'q=k'], agent: ['k'], only: true, want: ['fa:p', 'f:q'] },
  { what: '7 unrelated agent keys and IdentitiesOnly: only the file', files: ['right'], agent: ['1', '2', '3', '4', '5', '6', '7'], only: true, want: ['f:right'] },
];

for (const o of ORDERS) {
  test(`identity order: ${o.what}`, () => assert.equal(order(o.files, o.agent, o.only), o.want));
}

test('identity files: a private key, its .pub, a .pub alone, an encrypted key, nothing', () => {
  const dir = tempDir('director-ids-');
  const key = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'unit', '-f', key]);
  const pub = readFileSync(`${key}.pub`, 'utf8').split(' ')[1]!;
  const fp = fingerprint(Buffer.from(pub, 'base64'));
  assert.is(fp, execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`], { encoding: 'utf8' }).split(' ')[1]);

  const plain = readIdentity(key, undefined)!;
  assert.ok(plain.key?.isPrivateKey());
  assert.is(fingerprint(plain.blob!), fp);
  const viaPub = readIdentity(`${key}.pub`, undefined)!;
  assert.ok(viaPub.key?.isPrivateKey(), 'key.pub stands for the private key beside it');

  const alone = join(dir, 'alone');
  copyFileSync(`${key}.pub`, `${alone}.pub`);
  const pubOnly = readIdentity(`${alone}.pub`, undefined)!;
  assert.is(pubOnly.key, undefined);
  assert.is(fingerprint(pubOnly.blob!), fp);
  assert.match(pubOnly.problem!, `no private key beside it (${alone})`);

  const enc = join(dir, 'enc');
  copyFileSync(key, enc);
  execFileSync('ssh-keygen', ['-q', '-p', '-N', 'secret words', '-f', enc]);
  rmSync(`${enc}.pub`, { force: true });
  const locked = readIdentity(enc, undefined)!;
  assert.is(locked.key, undefined);
  assert.is(fingerprint(locked.blob!), fp, 'the public part of an encrypted key is read from its clear header');
  assert.match(locked.problem!, 'it is encrypted');
  assert.ok(readIdentity(enc, 'secret words')!.key?.isPrivateKey());

  assert.is(readIdentity(join(dir, 'missing'), undefined), undefined);
  writeFileSync(join(dir, 'junk'), 'not a key\n');
  assert.match(readIdentity(join(dir, 'junk'), undefined)!.problem!, 'not a private key director can read');
  assert.match(readIdentity(dir, undefined)!.problem!, 'cannot read it (EISDIR)');
  assert.is(shownPath('/home/u/.ssh/id_rsa', '/home/u'), '~/.ssh/id_rsa');
});

function plan(labels: string[]): AuthPlan {
  // The method stands in for a key: the label rides in its `key`.
  const method = (label: string) => (username: string) => ({ type: 'publickey', username, key: label }) as unknown as AnyAuthMethod;
  return { offers: labels.map((label) => ({ label, method: method(label) })), skipped: [], lookedFor: 'looked for ~/.ssh/id_rsa (it does not exist); no agent' };
}

/** Runs the handler as ssh2 would: null first, then `left` after each of `refusals`, until it gives up. */
function drive(a: AuthAttempts, left: string[], refusals: number): void {
  const h = a.handler as unknown as (left: string[] | null) => unknown;
  h(null);
  for (let i = 0; i < refusals; i++) if (h(left) === false) return;
}

test('a refused login says who, what the server takes and what was tried', () => {
  const events: AuthEvent[] = [];
  const a = new AuthAttempts({ username: 'nosuchuser', hostname: 'node1', identitiesOnly: false }, plan(['~/.ssh/id_ed25519 (SHA256:aa)', 'agent key (SHA256:bb me@x)']), undefined, (e) => events.push(e));
  drive(a, ['publickey', 'password'], 3);
  const err = a.failure(Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }))!;
  assert.is(err.kind, 'auth');
  assert.is(
    err.message,
    'nosuchuser@node1: permission denied (publickey,password) — tried: ~/.ssh/id_ed25519 (SHA256:aa), agent key (SHA256:bb me@x) (the server also takes a password: -A asks for one)',
  );
  assert.equal(
    events.map((e) => describeAuthEvent('node1', e)),
    [
      'node1: auth: will offer ~/.ssh/id_ed25519 (SHA256:aa), agent key (SHA256:bb me@x)',
      'node1: auth: offering ~/.ssh/id_ed25519 (SHA256:aa)',
      'node1: auth: the server takes publickey, password',
      'node1: auth: refused ~/.ssh/id_ed25519 (SHA256:aa)',
      'node1: auth: offering agent key (SHA256:bb me@x)',
      'node1: auth: refused agent key (SHA256:bb me@x)',
    ],
  );
});

test('agent keys: refusals come from the server\'s USERAUTH_FAILURE, since ssh2 calls the handler with null after them', () => {
  const a = new AuthAttempts({ username: 'u', hostname: 'h', identitiesOnly: false }, plan(['agent key (SHA256:1)', 'agent key (SHA256:2)']), undefined);
  const h = a.handler as unknown as (left: string[] | null) => unknown;
  h(null);
  a.refused(['publickey']);
  h(null);
  a.agentFailed(new Error('agent refused operation'));
  h(null); // the agent could not sign: no FAILURE came, the step is over all the same
  const err = a.failure(Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }))!;
  assert.is(err.message, 'u@h: permission denied (publickey) — tried: agent key (SHA256:1), agent key (SHA256:2)');
});

test('sshd cutting the login (MaxAuthTries) is auth, with the count and the IdentitiesOnly hint', () => {
  const keys = ['1', '2', '3', '4', '5', '6', '7'].map((n) => `agent key (SHA256:${n})`);
  const a = new AuthAttempts({ username: 'root', hostname: 'h', identitiesOnly: false }, plan(keys), undefined);
  drive(a, ['publickey'], 5); // sshd disconnects instead of refusing the 6th
  const err = a.failure(Object.assign(new Error('Too many authentication failures'), { code: 2 }))!;
  assert.is(err.kind, 'auth');
  assert.match(err.message, /^root@h: the server ended the login after 6 refused keys \("Too many authentication failures": its MaxAuthTries\) — tried: agent key \(SHA256:1\), .*agent key \(SHA256:6\); give this host IdentitiesOnly yes/);
});

test('the server takes no keys; a connection error before the login is not the login\'s', () => {
  const a = new AuthAttempts({ username: 'u', hostname: 'h', identitiesOnly: true }, plan(['k (SHA256:1)']), undefined);
  assert.is(a.failure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), undefined, 'not started: not an auth failure');
  drive(a, ['password'], 1);
  const err = a.failure(Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }))!;
  assert.is(err.message, 'u@h: permission denied (password) — tried: k (SHA256:1) (the server takes no keys; -A asks for a password)');
  const none = new AuthAttempts({ username: 'u', hostname: 'h', identitiesOnly: true }, plan([]), 'pw');
  const h = none.handler as unknown as (left: string[] | null) => { type: string } | false;
  assert.is((h(null) as { type: string }).type, 'none', 'no key: none first, to learn the methods');
  assert.is((h(['password']) as { type: string }).type, 'password');
});

test('with a password (-A): keys first, then keyboard-interactive and password where the server takes them', () => {
  const a = new AuthAttempts({ username: 'u', hostname: 'h', identitiesOnly: false }, plan(['k (SHA256:1)']), 'pw');
  const h = a.handler as unknown as (left: string[] | null) => { type: string; password?: string } | false;
  assert.is((h(null) as { type: string }).type, 'publickey', 'the plan\'s key first');
  const pw = h(['publickey', 'password']) as { type: string; password?: string };
  assert.equal([pw.type, pw.password], ['password', 'pw']);
  assert.is(h(['publickey', 'password']), false);
  const err = a.failure(Object.assign(new Error('x'), { level: 'client-authentication' }))!;
  assert.is(err.message, 'u@h: permission denied (publickey,password) — tried: k (SHA256:1), password');
});

test.run();
