// The keeper's socket protocol (frames cut from a byte stream however it arrives) and the
// --persist times, pure.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameReader, frame, jsonFrame, KIND, MAX_FRAME, parseJson } from '../../src/keeper/frames.cjs';
import { describePersist, parsePersist } from '../../src/keeper/duration.js';

test('frames come out whole and in order, whatever the chunks', () => {
  const stream = Buffer.concat([
    jsonFrame(KIND.hello, { kind: 'status', token: 't' }),
    frame(KIND.stdout, Buffer.from([0, 1, 2, 255])),
    frame(KIND.stdinEnd),
    frame(KIND.stderr, 'é\n'),
  ]);
  for (const size of [1, 2, 3, 5, 7, 64, stream.length]) {
    const reader = new FrameReader();
    const got = [];
    for (let at = 0; at < stream.length; at += size) got.push(...reader.push(stream.subarray(at, at + size)));
    assert.equal(
      got.map((f) => [String.fromCharCode(f.kind), f.payload.toString('hex')]),
      [
        ['H', Buffer.from(JSON.stringify({ kind: 'status', token: 't' })).toString('hex')],
        ['O', '000102ff'],
        ['E', ''],
        ['R', Buffer.from('é\n').toString('hex')],
      ],
      `chunks of ${size}`,
    );
    assert.is(reader.pending, 0);
    assert.equal(parseJson(got[0]!), { kind: 'status', token: 't' });
  }
});

test('a frame longer than any of ours is refused before it is buffered', () => {
  const head = Buffer.alloc(5);
  head[0] = KIND.stdin;
  head.writeUInt32BE(MAX_FRAME + 1, 1);
  assert.throws(() => new FrameReader().push(head), /not a director keeper peer/);
  const ok = new FrameReader();
  assert.equal(ok.push(frame(KIND.stdin, Buffer.alloc(10)).subarray(0, 8)), []);
  assert.is(ok.pending, 8);
});

test('--persist reads times as ControlPersist does', () => {
  const table: Array<[string, number]> = [
    ['600', 600_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['1d', 86_400_000],
    ['forever', 0],
    ['yes', 0],
  ];
  for (const [text, ms] of table) assert.is(parsePersist(text), ms, text);
  for (const bad of ['', '0', '10 minutes', '-5', '1.5h', 'no']) assert.throws(() => parsePersist(bad), /--persist/, bad);
  assert.is(describePersist(600_000), '10m');
  assert.is(describePersist(5_430_000), '1h30m30s');
  assert.is(describePersist(0), 'forever');
});

test.run();
