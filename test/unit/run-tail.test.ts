import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TailMarker, partialPrefix, tailMarker } from '../../src/run/tail-marker.js';

async function through(token: string, chunks: string[]): Promise<{ out: string; path: string | undefined; early: string }> {
  const t = new TailMarker(token);
  let out = '';
  let early = '';
  let ended = false;
  t.on('data', (d: Buffer) => {
    out += d.toString();
    if (!ended) early = out;
  });
  for (const c of chunks) t.write(Buffer.from(c));
  await new Promise((r) => setImmediate(r));
  ended = true;
  const done = new Promise((r) => t.on('end', r));
  t.end();
  await done;
  return { out, path: t.path, early };
}

test('the marker line at the end is taken out and its path kept, even split across chunks', async () => {
  const m = tailMarker('ab12');
  const r = await through('ab12', ['line one\nline ', 'two\n', m.slice(0, 5), m.slice(5), '/tmp/director-run.x\n']);
  assert.is(r.out, 'line one\nline two\n');
  assert.is(r.path, '/tmp/director-run.x');
});

test('without a marker everything passes, and whole lines are not held back', async () => {
  const r = await through('ab12', ['a\n', 'b\n', 'partial __dir']);
  assert.is(r.early, 'a\nb\npartial ', 'only a possible marker start is held');
  assert.is(r.out, 'a\nb\npartial __dir');
  assert.is(r.path, undefined);
});

test('a marker with another token is the script\'s own text', async () => {
  const other = tailMarker('ffff');
  const r = await through('ab12', [`${other}/tmp/x\n`]);
  assert.is(r.out, `${other}/tmp/x\n`);
  assert.is(r.path, undefined);
});

test('partialPrefix finds the longest end that starts the marker', () => {
  const m = Buffer.from('__director_t__ ');
  assert.is(partialPrefix(Buffer.from('xx__dir'), m), 5);
  assert.is(partialPrefix(Buffer.from('xx\n'), m), 0);
  assert.is(partialPrefix(Buffer.from('_'), m), 1);
});

test.run();
