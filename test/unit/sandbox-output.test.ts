// `sandbox up` tells how to point director at the hosts with an export line that works when
// pasted in any folder: absolute paths, quoted for the shell where they need it.
import { execFileSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Printer } from '../../src/output/printer.js';
import { renderSandboxUp } from '../../src/output/sandbox.js';
import type { ClusterState } from '../../src/sandbox/cluster.js';

function rendered(dir: string): string {
  let out = '';
  const stdout = new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) });
  const state: ClusterState = { version: 1, dir, hostRoot: '/var/tmp/h', isolated: true, clientsConf: `${dir}/clients.conf`, identity: `${dir}/id_ed25519`, knownHosts: `${dir}/known_hosts`, hosts: [] };
  renderSandboxUp({ state, exitCode: 0 }, new Printer({ json: false, color: false, stdout, stderr: stdout }));
  return out;
}

test('the export line has absolute paths, even for a sandbox under the current folder', () => {
  const out = rendered(`${process.cwd()}/.director/sandbox`);
  const line = out.split('\n').find((l) => l.trim().startsWith('export '));
  assert.ok(line, out);
  assert.ok(line.includes(`DIRECTOR_CLIENTS=${process.cwd()}/.director/sandbox/clients.conf `), line);
  assert.ok(line.includes(`DIRECTOR_IDENTITY=${process.cwd()}/.director/sandbox/id_ed25519 `), line);
});

test('a path with spaces and quotes survives the shell', () => {
  const dir = `/tmp/it's a sandbox`;
  const line = rendered(dir).split('\n').find((l) => l.trim().startsWith('export '))!;
  const seen = execFileSync('/bin/sh', ['-c', `cd / && ${line.trim()} && printf '%s\\n' "$DIRECTOR_CLIENTS" "$DIRECTOR_IDENTITY"`], { encoding: 'utf8' });
  assert.is(seen, `${dir}/clients.conf\n${dir}/id_ed25519\n`);
});

test.run();
