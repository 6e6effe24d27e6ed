// The JSON Schema of --json accepts the envelope as src/output/envelope.ts builds it and
// rejects the mistakes a command could make: no schemaVersion, ok and exitCode disagreeing, a
// failed client without its error, a per-command field missing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clientJson, envelope, errorEnvelope } from '../../src/output/envelope.js';
import { HostError } from '../../src/ssh/host-error.js';
import { schemaErrors } from '../support/json-schema.js';

const mk = (fields: Record<string, unknown> = {}) => envelope('mkdir', 1, [clientJson('a', true, 'created', undefined, { ms: 3, path: '~/x', created: true }), clientJson('b', false, 'auth', new HostError('auth', 'no key'), { ms: 5 })], { path: '~/x', ...fields });

test('what envelope() builds is valid, and an error envelope too', () => {
  assert.equal(schemaErrors(mk()), []);
  assert.equal(schemaErrors(errorEnvelope('exec', 2, 'usage', 'exec: give a command after "--"')), []);
  assert.equal(schemaErrors(envelope('copy', 0, [clientJson('a', true, 'written')])), [], 'a command the schema does not know yet still fits the envelope');
});

const broken: Array<[string, (d: Record<string, unknown>) => void]> = [
  ['no schemaVersion', (d) => delete d['schemaVersion']],
  ['another schemaVersion', (d) => (d['schemaVersion'] = 2)],
  ['ok with a non-zero exit code', (d) => (d['ok'] = true)],
  ['a failed client without its error', (d) => delete (d['clients'] as Array<Record<string, unknown>>)[1]!['error']],
  ['a client that is ok with an error', (d) => ((d['clients'] as Array<Record<string, unknown>>)[0]!['error'] = { kind: 'x', message: 'y' })],
  ['a client with no host', (d) => delete (d['clients'] as Array<Record<string, unknown>>)[0]!['host']],
  ['mkdir without its path', (d) => delete d['path']],
  ['a usage error that lists clients', (d) => (d['error'] = { kind: 'usage', message: 'x' })],
];
for (const [what, breakIt] of broken) {
  test(`rejected: ${what}`, () => {
    const doc = mk() as Record<string, unknown>;
    breakIt(doc);
    assert.ok(schemaErrors(doc).length > 0, JSON.stringify(doc));
  });
}

test('envelope() refuses a command field that would overwrite its own', () => {
  assert.throws(() => envelope('x', 0, [], { ok: false }), /"ok" is the envelope's own field/);
  assert.throws(() => clientJson('a', true, 's', undefined, { state: 'other' }), /"state"/);
});

test.run();
