import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fingerprint, hostMatches, judgeHostKey, lookupName, parseKnownHosts, preferredHostKeyAlgorithms } from '../../src/ssh/known-hosts.js';
import { KnownHostsStore } from '../../src/ssh/known-hosts-store.js';

function blob(type: string, seed: string): string {
  const t = Buffer.from(type);
  const body = Buffer.from(seed);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(t.length);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([head, t, len, body]).toString('base64');
}

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const K1 = blob('ssh-ed25519', 'one');
const K2 = blob('ssh-ed25519', 'two');
const R1 = blob('ssh-rsa', 'rsa');

test('lookup name: port 22 plain, others bracketed', () => {
  assert.is(lookupName('h', 22), 'h');
  assert.is(lookupName('127.0.0.1', 2222), '[127.0.0.1]:2222');
});

test('plain, comma lists, wildcards and negation', () => {
  assert.ok(hostMatches('a,b,c', 'b'));
  assert.ok(hostMatches('*.example,other', 'x.example'));
  assert.ok(hostMatches('10.0.0.?', '10.0.0.7'));
  assert.not.ok(hostMatches('10.0.0.?', '10.0.0.17'));
  assert.not.ok(hostMatches('*.example,!bad.example', 'bad.example'));
  assert.ok(hostMatches('[h]:2222', '[h]:2222'));
  assert.not.ok(hostMatches('h', '[h]:2222'));
  assert.ok(hostMatches('NODE1', 'node1'));
});

test('hashed entries match only their own name', () => {
  const field = hashed('[127.0.0.9]:2201');
  assert.ok(hostMatches(field, '[127.0.0.9]:2201'));
  assert.not.ok(hostMatches(field, '[127.0.0.9]:2202'));
  assert.not.ok(hostMatches(field, '127.0.0.9'));
});

test('verdicts: match, mismatch naming the line, unknown, revoked', () => {
  const text = `# comment\n${hashed('h1')} ssh-ed25519 ${K1}\nh2 ssh-ed25519 ${K1}\n@revoked * ssh-ed25519 ${K2}\n@cert-authority * ssh-ed25519 ${K1}\n`;
  const entries = parseKnownHosts(text);
  assert.is(judgeHostKey(entries, 'h1', 'ssh-ed25519', K1).status, 'match');
  const changed = judgeHostKey(entries, 'h2', 'ssh-rsa', R1);
  assert.is(changed.status, 'mismatch');
  assert.is(changed.status === 'mismatch' && changed.entry.line, 3);
  assert.is(judgeHostKey(entries, 'h3', 'ssh-ed25519', K1).status, 'unknown');
  assert.is(judgeHostKey(entries, 'h1', 'ssh-ed25519', K2).status, 'revoked');
});

test('fingerprint is OpenSSH SHA256 form', () => {
  assert.match(fingerprint(K1), /^SHA256:[A-Za-z0-9+/]{43}$/);
});

test('stored key types are asked for first', () => {
  const all = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  assert.equal(preferredHostKeyAlgorithms(['ssh-rsa'], all).slice(0, 3), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  assert.equal(preferredHostKeyAlgorithms([], all), all);
});

test('store: accept-new appends an OpenSSH line; strict refuses unknown; changed names file:line and both fingerprints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-'));
  const file = join(dir, 'known_hosts');
  writeFileSync(file, `other ssh-ed25519 ${K2}`); // no trailing newline: the append must not glue lines
  const store = new KnownHostsStore(file, 'accept-new');
  const key = Buffer.from(K1, 'base64');
  const first = store.decide('[127.0.0.9]:2201', key);
  assert.ok(first.ok && first.added);
  assert.is(readFileSync(file, 'utf8'), `other ssh-ed25519 ${K2}\n[127.0.0.9]:2201 ssh-ed25519 ${K1}\n`);
  assert.ok(store.decide('[127.0.0.9]:2201', key).ok);
  assert.ok(new KnownHostsStore(file, 'strict').decide('[127.0.0.9]:2201', key).ok);

  const refused = new KnownHostsStore(file, 'strict').decide('127.0.0.8', key);
  assert.not.ok(refused.ok);
  assert.match(refused.message ?? '', /not in .*known_hosts/);

  const changed = new KnownHostsStore(file, 'accept-new').decide('[127.0.0.9]:2201', Buffer.from(K2, 'base64'));
  assert.not.ok(changed.ok);
  assert.match(changed.message ?? '', /HOST KEY CHANGED for \[127\.0\.0\.9\]:2201/);
  assert.match(changed.message ?? '', new RegExp(`${file.replace(/[.]/g, '\\.')}:2`));
  assert.ok(changed.message?.includes(fingerprint(K1)) && changed.message.includes(fingerprint(K2)));
  assert.ok(new KnownHostsStore(file, 'off').decide('x', key).ok);
});

test.run();
