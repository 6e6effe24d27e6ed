import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_CLIENTS, parseClients } from '../../src/config/clients.js';
import { ConfigError } from '../../src/config/errors.js';
import { parsePorts } from '../../src/config/ports.js';
import { NO_SELECTION, selectClients } from '../../src/config/select.js';
import { expandPattern } from '../../src/nodeset/pattern.js';

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
  assert.equal(names('s[1-7/3]x[3,1]'), ['s1x3', 's1x1', 's4x3', 's4x1', 's7x3', 's7x1'], 'steps; the order written, not sorted');
  assert.equal(expandPattern('plain'), ['plain']);
});

test('IPv6: bracketed with and without port, bare, with a user, a zone or an embedded IPv4', () => {
  const [a, b, c, d, e, f] = parseClients('[::1]:2222\n[fe80::1]\n::2\nalice@[::3]:2200\n[fe80::4%eth0]:22\n::ffff:127.0.0.1\n', 'f');
  assert.equal([a?.host, a?.port, a?.name], ['::1', 2222, '[::1]:2222']);
  assert.equal([b?.host, b?.port, b?.name], ['fe80::1', undefined, '[fe80::1]']);
  assert.equal([c?.host, c?.name], ['::2', '[::2]']);
  assert.equal([d?.user, d?.host, d?.port, d?.name], ['alice', '::3', 2200, 'alice@[::3]:2200']);
  assert.equal([e?.host, e?.port], ['fe80::4%eth0', 22]);
  assert.equal([f?.host, f?.port], ['::ffff:127.0.0.1', undefined]);
});

test('groups: clients before any header have none; -g selects', () => {
  const all = parseClients('a\n[web]\nw[1-2]\n[db]\nd1\n', 'f');
  assert.equal(all.map((c) => c.group), [undefined, 'web', 'web', 'db']);
  const web = selectClients(all, { ...NO_SELECTION, groups: ['web'] });
  assert.equal(web.map((c) => [c.name, c.index]), [['w1', 0], ['w2', 1]]);
  assert.throws(() => selectClients(all, { ...NO_SELECTION, groups: ['nope'] }), /no group "nope" in clients\.conf \(groups: web, db\)/);
});

test('-w and -x: node sets, globs, ranges; unmatched globs are an error', () => {
  const all = parseClients('node[01-06]\nalice@db1:2222\n', 'f');
  const sel = (nodes: string[], exclude: string[] = []) => selectClients(all, { ...NO_SELECTION, nodes, exclude });
  assert.equal(sel(['node0[1-2],db*']).map((c) => c.name), ['node01', 'node02', 'alice@db1:2222']);
  assert.equal(selectClients(all, { ...NO_SELECTION, exclude: ['node0[2-6]'] }).map((c) => c.name), ['node01', 'alice@db1:2222']);
  assert.equal(sel(['node*'], ['node01']).map((c) => c.index), [0, 1, 2, 3, 4]);
  assert.throws(() => sel(['web*']), /-w "web\*": no client matches "web\*"/);
  assert.throws(() => selectClients(all, { ...NO_SELECTION, exclude: ['*'] }), /no clients left/);
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
  ['n[9007199254740992-9007199254740992]', 1, /range bound over 15 digits/],
  [`n[1-${'9'.repeat(310)}]`, 1, /range bound over 15 digits/],
  ['node[a-c]', 1, /bad range/],
  ['node[]', 1, /empty range/],
  ['two words', 1, /unexpected space/],
  ['bad$host', 1, /bad host name/],
  ['[::1]x', 1, /unexpected text/],
  ['node[1-100000]', 1, /more than/],
  // Hostile input: bad IPv6 forms, NUL bytes, garbage, oversize lines and expansions.
  ['[:::]', 1, /bad IPv6 address/],
  ['1:2:3', 1, /bad IPv6 address \(write \[addr\]:port/],
  ['[1:2:3:4:5:6:7:8:9]', 1, /bad IPv6 address/],
  ['[::1]:', 1, /bad port/],
  ['[::1]:0', 1, /bad port/],
  ['alice@[::1]:70000', 1, /bad port/],
  ['[::1', 1, /bad IPv6 address/],
  ['::1]', 1, /bad IPv6 address/],
  ['[::1]]', 1, /unexpected text/],
  ['[::1]:22:22', 1, /bad port/],
  ['ok\nno\0de', 2, /bad host name: "no\\u0000de"/],
  ['ok\n\x1b[2J\x7f', 2, /bad host name/],
  ['ok\n\u00e9t\u00e9', 2, /bad host name/],
  ['-oProxyCommand=x', 1, /bad host name/],
  ['h'.repeat(254), 1, /host name longer than 253/],
  ['x'.repeat(1 << 20), 1, /line longer than 1024 characters/],
  ['n[1-60000,1-60000]', 1, /range expands to more than 10000 names/],
  ['r[1-100]c[1-101]', 1, /range expands to more than 10000 names/],
  ['ok\na[1-6000]\nb[1-6000]', 3, /more than 10000 clients in the file \(6001 before this line\)/],
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

test('the limits: 10 000 clients pass, one more fails at the line that adds it; a 1 MB line is quoted short', () => {
  assert.is(MAX_CLIENTS, 10_000);
  assert.is(names('a[1-5000]\nb[1-5000]').length, 10_000);
  assert.match(configError('a[1-5000]\nb[1-5000]\nc').message, /clients\.conf:3: more than 10000 clients in the file \(10000 before this line\)/);
  const e = configError(`ok\n${'z'.repeat(1 << 20)}\n`);
  assert.is(e.text?.length, 1 << 20, 'the error keeps the whole line');
  assert.ok(e.message.length < 300, `message of ${e.message.length} characters`);
  assert.match(e.message, /clients\.conf:2: line longer than 1024 characters: "z+…" \(1048576 characters\)$/);
});

test('an expansion over the limit is refused before any name is made (6 million implied names)', () => {
  const body = Array.from({ length: 100 }, () => '1-60000').join(',');
  const heap = process.memoryUsage().heapUsed;
  const t0 = Date.now();
  assert.throws(() => expandPattern(`n[${body}]`, MAX_CLIENTS), /6000000 names, more than the limit of 10000/);
  assert.throws(() => expandPattern('a[1-9]b[1-9]c[1-9]d[1-9]e[1-9]f[1-9]g[1-9]h[1-9]i[1-9]', MAX_CLIENTS), /more than the limit of 10000/);
  // Making 6 million names takes seconds and hundreds of MB; counting them takes nothing.
  assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
  assert.ok(process.memoryUsage().heapUsed - heap < 50 * 1024 * 1024, 'memory was spent on the names');
});

test('duplicates are caught across spellings: case, default port, IPv6 brackets', () => {
  assert.match(configError('NODE1\nnode1').message, /clients\.conf:2: duplicate client node1 \(also on line 1\)/);
  assert.match(configError('::1\n[::1]:22').message, /clients\.conf:2: duplicate client \[::1\]:22 \(also on line 1\)/);
  assert.match(configError('n[1-3]\nn[3-4]').message, /clients\.conf:2: duplicate client n3/);
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

test('port.conf: garbage, NUL, IPv6-looking and oversize lines, and more than 64 ports', () => {
  assert.throws(() => parsePorts('15001\n15\x0002\n', 'port.conf'), /port\.conf:2: bad port/);
  assert.throws(() => parsePorts('15001 15002', 'port.conf'), /port\.conf:1: bad port/);
  assert.throws(() => parsePorts('[::1]:15001', 'port.conf'), /port\.conf:1: bad port/);
  assert.throws(() => parsePorts('-1', 'port.conf'), /port\.conf:1: bad port/);
  assert.throws(() => parsePorts('1'.repeat(1 << 20), 'port.conf'), /port\.conf:1: bad port \(want 1-65535\): "1+…" \(1048576 characters\)$/);
  const ports = (n: number) => Array.from({ length: n }, (_, i) => 20000 + i).join('\n');
  assert.is(parsePorts(ports(64), 'port.conf').length, 64);
  assert.throws(() => parsePorts(ports(65), 'port.conf'), /port\.conf:65: more than 64 ports/);
});

test.run();
