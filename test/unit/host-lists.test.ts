// Host lists for people are folded node sets with their count: --fold block headers and the
// summary line of run/exec print `node[001-180,182-200] (199)`, never a list of 199 names.
import { Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseClients } from '../../src/config/clients.js';
import { Printer } from '../../src/output/printer.js';
import { RunRenderer } from '../../src/output/run.js';
import type { HostRun, RunOutcome } from '../../src/run/types.js';
import { HostError } from '../../src/ssh/host-error.js';

function sink(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

/** 200 clients: node181 says something else, db1 and db2 fail to log in. */
function outcome(): RunOutcome {
  const clients = parseClients('node[001-200]\nalice@db[1-2]:2222\n', 'clients.conf');
  const hosts: HostRun[] = clients.map((client, i) => {
    const odd = client.name === 'node181';
    const db = client.host.startsWith('db');
    return {
      client,
      state: db ? 'failed' : 'success',
      code: db ? null : 0,
      signal: null,
      timedOut: false,
      ...(db ? { error: new HostError('auth', 'no key was accepted') } : {}),
      startedAt: 0,
      finishedAt: 1,
      order: i + 1,
      stdout: { bytes: 0, md5: '' },
      stderr: { bytes: 0, md5: '' },
      files: { count: 0, bytes: 0, skipped: [] },
      digest: db ? 'auth' : odd ? 'other' : 'same',
    };
  });
  return { command: 'exec', runId: 'r', startedAt: 0, finishedAt: 1, interrupted: false, exitCode: 4, hosts, what: { args: ['true'] } };
}

test('--fold headers name each group folded, with its count; the summary line folds the failed', async () => {
  const out = sink();
  const p = new Printer({ json: false, color: false, stdout: out.stream as never, stderr: sink().stream as never });
  await new RunRenderer(p, 'fold').finish(outcome(), false);
  const headers = out.text().split('\n').filter((l) => l.startsWith('----- '));
  assert.equal(headers, ['----- node[001-180,182-200] (199) exit 0 -----', '----- node181 (1) exit 0 -----', '----- alice@db[1-2]:2222 (2) auth -----']);
  assert.match(out.text(), /^200 ok, 2 failed: alice@db\[1-2\]:2222 \(2\) auth failed$/m);
});

test.run();
