// The line splitter and live prefixes: whole lines only, however the bytes were chunked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LivePrinter } from '../../src/output/run-live.js';
import { LineSplitter } from '../../src/run/line-splitter.js';
import { capturePrinter, client } from '../support/run-fixtures.js';

const texts = (lines: Buffer[]) => lines.map((l) => l.toString('utf8'));

test('lines split across chunks are joined; a chunk with several lines gives them all', () => {
  const s = new LineSplitter();
  assert.equal(texts(s.push(Buffer.from('hel'))), []);
  assert.equal(texts(s.push(Buffer.from('lo\nwor'))), ['hello']);
  assert.equal(texts(s.push(Buffer.from('ld\n\nthree\nfo'))), ['world', '', 'three']);
  assert.equal(s.end()?.toString(), 'fo');
  assert.is(s.end(), undefined, 'the final line is given once');
});

test('\\r\\n ends a line like \\n, also when the \\r and \\n arrive in different chunks; a lone \\r stays', () => {
  const s = new LineSplitter();
  assert.equal(texts(s.push(Buffer.from('a\r\nb\r'))), ['a']);
  assert.equal(texts(s.push(Buffer.from('\nc\rd\n'))), ['b', 'c\rd']);
  assert.is(s.end(), undefined);
});

test('a final line without newline comes out at the end; an empty stream gives nothing', () => {
  const s = new LineSplitter();
  assert.equal(texts(s.push(Buffer.from('only'))), []);
  assert.is(s.end()?.toString(), 'only');
  assert.is(new LineSplitter().end(), undefined);
});

test('a partial line never grows past maxLine: it is passed on in pieces', () => {
  const s = new LineSplitter(4);
  assert.equal(texts(s.push(Buffer.from('abcdefghij'))), ['abcd', 'efgh']);
  assert.equal(texts(s.push(Buffer.from('kl\nm'))), ['ijkl']);
  assert.is(s.end()?.toString(), 'm');
});

test('binary bytes pass through unchanged', () => {
  const s = new LineSplitter();
  const bin = Buffer.from([0, 255, 254, 13, 0, 10, 1, 2]);
  const lines = s.push(bin);
  assert.equal([...(lines[0] ?? [])], [0, 255, 254, 13, 0]);
  assert.equal([...(s.end() ?? [])], [1, 2]);
});

test('live output: one prefix a line, stdout as "host: ", stderr as "host! " on stderr', async () => {
  const { p, out, err } = capturePrinter();
  const live = new LivePrinter(p);
  const a = client(0, 'alpha');
  const b = client(1, 'beta');
  const sa = new LineSplitter();
  const sb = new LineSplitter();
  // Chunks of two clients interleaved mid-line must not mix within a line.
  await live.lines(a, 'stdout', sa.push(Buffer.from('one\ntw')));
  await live.lines(b, 'stdout', sb.push(Buffer.from('B1\nB')));
  await live.lines(a, 'stdout', sa.push(Buffer.from('o\r\n')));
  await live.lines(b, 'stdout', [sb.end() ?? Buffer.alloc(0)]);
  await live.lines(a, 'stderr', [Buffer.from('oops')]);
  assert.is(out(), 'alpha: one\nbeta: B1\nalpha: two\nbeta: B\n');
  assert.is(err(), 'alpha! oops\n');
});

test.run();
