// The state file and the recognition of our service processes.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/config/errors.js';
import { isOurService, isServiceArgv, serviceArgs } from '../../src/local/service-process.js';
import { parseState, readState, updateState, writeState } from '../../src/local/state.js';

const dir = mkdtempSync(join(tmpdir(), 'director-state-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const entry = (port: number, pid: number) => ({ port, pid, startedAt: '2025-01-01T00:00:00.000Z' });

test('parse: a good file', () => {
  const text = JSON.stringify({ version: 1, services: [entry(15001, 100)] });
  assert.equal(parseState(text, 'f'), { version: 1, services: [entry(15001, 100)] });
});

test('parse: anything untrustworthy is a ConfigError naming the file', () => {
  for (const [text, why] of [
    ['{', /bad JSON/],
    ['[]', /no version 1 services list/],
    ['{"version": 2, "services": []}', /no version 1/],
    ['{"version": 1, "services": [{"port": 0, "pid": 5, "startedAt": ""}]}', /entry 1/],
    ['{"version": 1, "services": [{"port": 1, "pid": 1, "startedAt": ""}]}', /entry 1/],
    ['{"version": 1, "services": [null]}', /entry 1/],
  ] as const) {
    assert.throws(() => parseState(text, '/x/local.json'), (e: unknown) => e instanceof ConfigError && /\/x\/local\.json/.test(e.message) && why.test(e.message), text);
  }
});

test('write: mode 0600, sorted by port, no temp file left; empty removes the file', () => {
  const file = join(dir, '.director', 'local.json');
  writeState(file, { version: 1, services: [entry(15002, 20), entry(15001, 10)] });
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.equal(readState(file).services.map((s) => s.port), [15001, 15002]);
  assert.equal(readdirSync(join(dir, '.director')), ['local.json']);
  assert.match(readFileSync(file, 'utf8'), /"version": 1/);
  writeState(file, { version: 1, services: [] });
  assert.not.ok(existsSync(file));
  assert.equal(readState(file), { version: 1, services: [] });
});

test('update re-reads the file, keeping what another run wrote meanwhile', () => {
  const file = join(dir, 'u', 'local.json');
  writeState(file, { version: 1, services: [entry(15001, 10)] });
  writeState(file, { version: 1, services: [entry(15001, 10), entry(15003, 30)] }); // "another run"
  const next = updateState(file, (all) => [...all, entry(15002, 20)]);
  assert.equal(next.services.map((s) => s.port).sort(), [15001, 15002, 15003]);
});

test('service argv: module and port must both match', () => {
  const argv = ['node', ...serviceArgs(15001)];
  assert.ok(isServiceArgv(argv, 15001));
  assert.ok(isServiceArgv(['/usr/bin/node', '--max-old-space-size=64', '/opt/director/dist/src/local/service-main.js', '15001', '--log'], 15001));
  assert.not.ok(isServiceArgv(argv, 15002));
  assert.not.ok(isServiceArgv(['sleep', '60'], 15001));
  assert.not.ok(isServiceArgv(['/x/local/service-main.js', '15001'], 15001), 'needs an interpreter before it');
  assert.not.ok(isServiceArgv(['node', '/x/local/service-main.js.bak', '15001'], 15001));
});

test('isOurService: this test process, pid 1 and a pid that does not exist are not ours', () => {
  assert.not.ok(isOurService(process.pid, 15001));
  assert.not.ok(isOurService(1, 15001));
  assert.not.ok(isOurService(0x7ffffff, 15001));
});

test.run();
