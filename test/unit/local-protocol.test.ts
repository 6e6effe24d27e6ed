// Framing and meaning of the local service's requests (pure).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LineFramer, MAX_LINE, parseRequest, parseStat, printable, unknownReply } from '../../src/local/protocol.js';

const feed = (f: LineFramer, ...chunks: Array<string | Buffer>) =>
  chunks.map((c) => f.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c));

test('framer: several lines in one chunk, a line across chunks, CRLF', () => {
  const f = new LineFramer();
  const [a, b, c] = feed(f, 'ping\nstat\r\npar', 'tial', '\n');
  assert.equal(a, { lines: ['ping', 'stat'], overflow: false });
  assert.equal(b, { lines: [], overflow: false });
  assert.equal(c, { lines: ['partial'], overflow: false });
  assert.is(f.buffered, 0);
});

test('framer: holds an unfinished line, and only that', () => {
  const f = new LineFramer();
  feed(f, 'ping\nhalf');
  assert.is(f.buffered, 4);
});

test('framer: bytes survive as latin1, one char per byte', () => {
  const f = new LineFramer();
  const [r] = feed(f, Buffer.from([0x00, 0xff, 0x80, 0x0a]));
  assert.equal(r?.lines, ['\x00\xff\x80']);
});

test('framer: exactly MAX_LINE bytes is a line; one more overflows, also when split', () => {
  const ok = new LineFramer();
  assert.equal(feed(ok, 'a'.repeat(MAX_LINE) + '\n')[0], { lines: ['a'.repeat(MAX_LINE)], overflow: false });

  const whole = new LineFramer();
  assert.equal(feed(whole, 'ping\n' + 'b'.repeat(MAX_LINE + 1) + '\n')[0], { lines: ['ping'], overflow: true });

  const split = new LineFramer();
  const results = feed(split, 'c'.repeat(MAX_LINE - 10), 'c'.repeat(10), 'c');
  assert.equal(results.map((r) => r.overflow), [false, false, true]);
  assert.is(split.buffered, 0, 'kept the bytes after overflow');
});

test('framer: no newline at all never buffers past the limit, and stays broken after', () => {
  const f = new LineFramer(16);
  const [first] = feed(f, 'x'.repeat(100));
  assert.is(first?.overflow, true);
  assert.is(f.buffered, 0);
  assert.equal(feed(f, 'ping\n')[0], { lines: [], overflow: true });
});

test('requests: words, case, blanks; empty and unknown', () => {
  assert.equal(parseRequest('ping'), { kind: 'ping' });
  assert.equal(parseRequest('  STAT '), { kind: 'stat' });
  assert.equal(parseRequest('Shutdown'), { kind: 'shutdown' });
  assert.equal(parseRequest(' \t'), { kind: 'empty' });
  assert.equal(parseRequest('ping me'), { kind: 'unknown', text: 'ping me' });
  assert.equal(parseRequest('pingg'), { kind: 'unknown', text: 'pingg' });
});

test('unknown replies escape control bytes, non-ASCII and backslashes, and are cut short', () => {
  assert.is(unknownReply('hello world'), 'ERR unknown command: hello world');
  assert.is(printable('a\x00b\x1b\xff\\'), 'a\\x00b\\x1b\\xff\\\\');
  const long = printable('z'.repeat(200));
  assert.is(long, `${'z'.repeat(80)}...`);
  assert.not.match(printable('\r\n\t'), /[\r\n\t]/);
});

test('stat replies: ours are recognised, others are not', () => {
  const mine = { service: 'director-local', port: 15100, pid: 42, uptimeSec: 1, memoryMB: 30, requests: 2 };
  assert.equal(parseStat(JSON.stringify(mine)), mine);
  assert.is(parseStat('{"port": 15100, "pid": 42}'), undefined);
  assert.is(parseStat('{"service": "director-local", "pid": "42", "port": 1}'), undefined);
  assert.is(parseStat('Echo sent from 127.0.0.1:15100'), undefined);
});

test.run();
