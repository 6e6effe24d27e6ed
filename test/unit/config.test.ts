import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseClients } from '../../src/config/clients.js';
import { ConfigError } from '../../src/config/errors.js';
import { parsePorts } from '../../src/config/ports.js';
import { expandRanges } from '../../src/config/ranges.js';
import { selectClients } from '../../src/config/select.js';

const names = (text: string) => parseClients(text, 'clients.conf').map((c) => c.name);

function configError(text: string): ConfigError {
  try {
    parseClients(text, 'clients.conf');
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

test('plain lines, comments, blanks and spaces', () => {
  assert.equal(names('# head\n\n  node1  \nnode2 # trailing\n\t\nalice@node3:2222\n'), ['node1', 'node2', 'alice@node3:2222']);
});

test('fields: user, host, port, index, line', () => {
  const [a, b] = parseClients('\nbob@10.0.0.5:2200\nnode9\n', 'f');
  assert.equal({ user: a?.user, host: a?.host, port: a?.port, index: a?.index, line: a?.line }, { user: 'bob', host: '10.0.0.5', port: 2200, index: 0, line: 2 });
  assert.equal({ user: b?.user, port: b?.port, index: b?.index }, { user: undefined, port: undefined, index: 1 });
});

test('ranges expand in order, zero padding from the lower bound', () => {
  assert.equal(names('node[01-04]'), ['node01', 'node02', 'node03', 'node04']);
  assert.equal(names('10.0.0.[1-3]'), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  assert.equal(names('n[1,3,5-6]'), ['n1', 'n3', 'n5', 'n6']);
  assert.equal(names('r[1-2]c[1-2]:2200'), ['r1c1:2200', 'r1c2:2200', 'r2c1:2200', 'r2c2:2200']);
  assert.equal(names('x[8-10]'), ['x8', 'x9', 'x10']);
  assert.equal(expandRanges('plain'), ['plain']);
});

test('IPv6: bracketed with and without port, bare', () => {
  const [a, b, c] = parseClients('[::1]:2222\n[fe80::1]\n::2\n', 'f');
  assert.equal([a?.host, a?.port, a?.name], ['::1', 2222, '[::1]:2222']);
  assert.equal([b?.host, b?.port, b?.name], ['fe80::1', undefined, '[fe80::1]']);
  assert.equal([c?.host, c?.name], ['::2', '[::2]']);
});

test('groups: clients before any header have none; -g selects', () => {
  const all = parseClients('a\n[web]\nw[1-2]\n[db]\nd1\n', 'f');
  assert.equal(all.map((c) => c.group), [undefined, 'web', 'web', 'db']);
  const web = selectClients(all, { group: 'web' });
  assert.equal(web.map((c) => [c.name, c.index]), [['w1', 0], ['w2', 1]]);
  assert.throws(() => selectClients(all, { group: 'nope' }), /no group "nope"/);
});

test('-H and -x: comma lists, globs, ranges; unmatched -H is an error', () => {
  const all = parseClients('node[01-06]\nalice@db1:2222\n', 'f');
  assert.equal(selectClients(all, { hosts: 'node0[1-2],db*' }).map((c) => c.name), ['node01', 'node02', 'alice@db1:2222']);
  assert.equal(selectClients(all, { exclude: 'node0[2-6]' }).map((c) => c.name), ['node01', 'alice@db1:2222']);
  assert.equal(selectClients(all, { hosts: 'node*', exclude: 'node01' }).map((c) => c.index), [0, 1, 2, 3, 4]);
  assert.throws(() => selectClients(all, { hosts: 'web*' }), /no client matches "web\*"/);
  assert.throws(() => selectClients(all, { exclude: '*' }), /no clients left/);
});

const BAD: Array<[string, number, RegExp]> = [
  ['node1:0', 1, /bad port/],
  ['node1:65536', 1, /bad port/],
  ['node1:22x', 1, /bad port/],
  ['ok\n@node2', 2, /empty user/],
  ['ok\nalice@', 2, /empty host/],
  ['ok\n:22', 2, /empty host/],
  ['node[1-3', 1, /unbalanced "\["/],
  ['node1-3]', 1, /unbalanced "\]"/],
  ['node[5-2]', 1, /reversed range/],
  ['node[a-c]', 1, /bad range/],
  ['node[]', 1, /empty range/],
  ['two words', 1, /unexpected space/],
  ['bad$host', 1, /bad host name/],
  ['[::1]x', 1, /unexpected text/],
  ['node[1-100000]', 1, /more than/],
];

for (const [text, line, why] of BAD) {
  test(`bad line names file, line and text: ${JSON.stringify(text)}`, () => {
    const e = configError(text);
    assert.is(e.file, 'clients.conf');
    assert.is(e.line, line);
    assert.match(e.message, why);
    assert.match(e.message, `clients.conf:${line}:`);
  });
}

test('duplicates name both lines, also through ranges and default port', () => {
  const e = configError('a\nnode[1-3]\nnode2:22\n');
  assert.is(e.line, 3);
  assert.match(e.message, /duplicate client node2:22 \(also on line 2\)/);
  // Different users on the same host are different clients.
  assert.equal(names('alice@h\nbob@h'), ['alice@h', 'bob@h']);
});

test('an empty list is an error naming the file', () => {
  const e = configError('# nothing\n\n');
  assert.match(e.message, /clients\.conf: no clients listed/);
});

test('port.conf: one port per line, same rules', () => {
  assert.equal(parsePorts('# p\n15001\n 15002 # two\n\n', 'port.conf').map((p) => [p.port, p.line]), [[15001, 2], [15002, 3]]);
  assert.throws(() => parsePorts('15001\n70000\n', 'port.conf'), /port\.conf:2: bad port/);
  assert.throws(() => parsePorts('15001\n15001\n', 'port.conf'), /port\.conf:2: duplicate port 15001 \(also on line 1\)/);
  assert.throws(() => parsePorts('\n', 'port.conf'), /no ports listed/);
  assert.throws(() => parsePorts('abc', 'port.conf'), /port\.conf:1: bad port/);
});

test.run();
