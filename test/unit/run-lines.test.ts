// The line splitter and live prefixes: whole lines only, however the bytes were chunked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LivePrinter, prefixLines } from '../../src/output/run-live.js';
import { LineSplitter } from '../../src/run/capture.js';
import { capturePrinter, client } from '../support/run-fixtures.js';

/** The lines of a block ("\n"-ended lines), without their "\n". */
const texts = (block: Buffer | undefined) => (block === undefined ? [] : block.toString('utf8').split('\n').slice(0, -1));

test('lines split across chunks are joined; a chunk with several lines gives them all', () => {
  const s = new LineSplitter();
  assert.equal(texts(s.push(Buffer.from('hel'))), []);
  assert.equal(texts(s.push(Buffer.from('lo\nwor'))), ['hello']);
  assert.equal(texts(s.push(Buffer.from('ld\n\nthree\nfo'))), ['world', '', 'three']);
  assert.equal(s.end()?.toString(), 'fo\n');
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
  assert.is(s.end()?.toString(), 'only\n');
  assert.is(new LineSplitter().end(), undefined);
});

test('a partial line never grows past maxLine: it is passed on in pieces', () => {
  const s = new LineSplitter(4);
  assert.equal(texts(s.push(Buffer.from('abcdefghij'))), ['abcd', 'efgh']);
  assert.equal(texts(s.push(Buffer.from('kl\nm'))), ['ijkl']);
  assert.is(s.end()?.toString(), 'm\n');
});

test('binary bytes pass through unchanged', () => {
  const s = new LineSplitter();
  const bin = Buffer.from([0, 255, 254, 13, 0, 10, 1, 2]);
  assert.equal([...(s.push(bin) ?? [])], [0, 255, 254, 13, 0, 10]);
  assert.equal([...(s.end() ?? [])], [1, 2, 10]);
});

test('live output: one prefix a line, stdout as "host: ", stderr as "host! " on stderr', async () => {
  const { p, out, err } = capturePrinter();
  const live = new LivePrinter(p);
  const a = client(0, 'alpha');
  const b = client(1, 'beta');
  const sa = new LineSplitter();
  const sb = new LineSplitter();
  // Chunks of two clients interleaved mid-line must not mix within a line.
  const feed = async (c: typeof a, block: Buffer | undefined, stream: 'stdout' | 'stderr' = 'stdout') => {
    if (block) await live.lines(c, stream, block);
  };
  await feed(a, sa.push(Buffer.from('one\ntw')));
  await feed(b, sb.push(Buffer.from('B1\nB')));
  await feed(a, sa.push(Buffer.from('o\r\n')));
  await feed(b, sb.end());
  await feed(a, Buffer.from('oops\n'), 'stderr');
  assert.is(out(), 'alpha: one\nbeta: B1\nalpha: two\nbeta: B\n');
  assert.is(err(), 'alpha! oops\n');
});

test('prefixLines puts the prefix before every line of a block, and nothing else', () => {
  const p = Buffer.from('h: ');
  assert.is(prefixLines(Buffer.from('a\n\nbc\n'), p).toString(), 'h: a\nh: \nh: bc\n');
  assert.is(prefixLines(Buffer.alloc(0), p).length, 0);
});

test.run();
