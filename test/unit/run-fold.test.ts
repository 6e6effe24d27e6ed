// --fold groups clients by the digest of their output and status.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { foldGroups, hostDigest } from '../../src/run/fold.js';
import { HostError } from '../../src/ssh/host-error.js';
import { hostRun } from '../support/run-fixtures.js';

const out = (md5: string) => ({ bytes: 3, md5 });

test('identical output and status fold together, in clients.conf order; the first member leads', () => {
  const hosts = [
    hostRun(0, { stdout: out('aaa') }),
    hostRun(1, { stdout: out('bbb') }),
    hostRun(2, { stdout: out('aaa') }),
    hostRun(3, { stdout: out('aaa') }),
  ];
  const groups = foldGroups(hosts);
  assert.is(groups.length, 2);
  assert.equal(groups[0]?.members.map((h) => h.client.index), [0, 2, 3]);
  assert.equal(groups[1]?.members.map((h) => h.client.index), [1]);
});

test('same output but another exit code, or output on the other stream, does not fold', () => {
  const base = hostRun(0, { stdout: out('aaa') });
  assert.is.not(hostDigest({ ...base, state: 'exit', code: 1 }), base.digest);
  assert.is.not(hostDigest({ ...base, stdout: base.stderr, stderr: base.stdout }), base.digest);
  assert.is.not(hostDigest({ ...base, state: 'signal', code: null, signal: 'KILL' }), hostDigest({ ...base, state: 'signal', code: null, signal: 'TERM' }));
  const refused = new HostError('unreachable', 'connection refused');
  const a = hostRun(1, { state: 'unreachable', code: null, error: refused });
  const b = hostRun(2, { state: 'unreachable', code: null, error: new HostError('unreachable', 'connection refused') });
  assert.is(a.digest, b.digest, 'two clients refused alike fold together');
  assert.is(foldGroups([a, b]).length, 1);
});

test('no clients, no groups', () => {
  assert.equal(foldGroups([]), []);
});

test.run();
