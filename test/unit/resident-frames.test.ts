// The resident shell's frames (remote/resident-frames.ts): a line's bytes come out exactly as
// the command wrote them however the stream is cut, its marks are read, and what comes outside
// the current line's frame (late output, an earlier line's token) is stray, not the line's.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameSplitter, type FramePiece } from '../../src/remote/resident-frames.js';
import { requestText, residentCommand, residentToken, startText } from '../../src/remote/resident-sh.js';
import { tempDir } from '../support/temp.js';

/** Feeds `stream` cut every `step` bytes; the line's data, stray bytes and marks. */
function feed(s: FrameSplitter, stream: Buffer, step: number): { data: Buffer; stray: Buffer; marks: string[] } {
  const pieces: FramePiece[] = [];
  for (let i = 0; i < stream.length; i += step) pieces.push(...s.push(stream.subarray(i, i + step)));
  const of = (k: 'data' | 'stray') => Buffer.concat(pieces.flatMap((p) => (p.kind === k ? [p.bytes] : [])));
  return { data: of('data'), stray: of('stray'), marks: pieces.flatMap((p) => (p.kind === 'mark' ? [`${p.word} ${p.value}`.trim()] : [])) };
}

const BINARY = Buffer.from([0, 1, 2, 0x0a, 0x0d, 0x0a, 0xff, 0xfe, 0x5f, 0x5f, 0x64, 0x69]);

for (const step of [1, 2, 3, 7, 64, 4096]) {
  test(`a line's bytes exactly, its marks, cut every ${step} bytes`, () => {
    const t = residentToken();
    const s = new FrameSplitter();
    s.expect(t);
    const body = Buffer.concat([Buffer.from('a\nb '), BINARY, Buffer.from('no newline at the end')]);
    const r = feed(s, Buffer.concat([Buffer.from(`late\n${t} pid 4242\n`), body, Buffer.from(`${t} end 7\nlater`)]), step);
    assert.ok(r.data.equals(body), `${JSON.stringify(r.data.toString('latin1'))}`);
    assert.equal(r.marks, ['pid 4242', 'end 7']);
    assert.is(r.stray.toString(), 'late\nlater');
  });
}

test("an earlier line's token inside a later line's output is the line's data", () => {
  const earlier = residentToken();
  const t = residentToken();
  const s = new FrameSplitter();
  s.expect(earlier);
  feed(s, Buffer.from(`${earlier} pid 10\nx${earlier} end 0\n`), 5);
  s.expect(t);
  const body = Buffer.from(`${earlier} end 0\n${earlier} pid 11\n${t.slice(0, 10)}${earlier}`);
  const r = feed(s, Buffer.concat([Buffer.from(`${t} begin\n`), body, Buffer.from(`${t} end\n`)]), 3);
  assert.ok(r.data.equals(body), r.data.toString());
  assert.equal(r.marks, ['begin', 'end']);
});

test('the token followed by a long line is not a mark (passed on as data)', () => {
  const t = residentToken();
  const s = new FrameSplitter();
  s.expect(t);
  feed(s, Buffer.from(`${t} begin\n`), 100);
  const long = `${t} ${'x'.repeat(200)}\n`;
  const r = feed(s, Buffer.from(`${long}${t} end\n`), 9);
  assert.is(r.data.toString(), long);
  assert.equal(r.marks, ['end']);
});

test("a line's output comes out as it comes; only what could start the token is held until more comes", () => {
  const t = residentToken();
  const s = new FrameSplitter();
  s.expect(t);
  s.push(Buffer.from(`${t} pid 5\n`));
  assert.equal(s.push(Buffer.from('started\n')), [{ kind: 'data', bytes: Buffer.from('started\n') }]);
  assert.equal(s.push(Buffer.from(`x${t.slice(0, 9)}`)), [{ kind: 'data', bytes: Buffer.from('x') }]);
  assert.equal(s.push(Buffer.from('!')), [{ kind: 'data', bytes: Buffer.from(`${t.slice(0, 9)}!`) }]);
});

test('a stream that ends gives up what it held back', () => {
  const t = residentToken();
  const s = new FrameSplitter();
  s.expect(t);
  assert.equal(s.push(Buffer.from(`sh: base64: not found\n${t.slice(0, 5)}`)), [{ kind: 'stray', bytes: Buffer.from('sh: base64: not found\n') }]);
  assert.equal(s.flush(), [{ kind: 'stray', bytes: Buffer.from(t.slice(0, 5)) }]);
});

test('between lines everything is stray; after forget() too', () => {
  const s = new FrameSplitter();
  assert.equal(feed(s, Buffer.from('abc'), 1).stray.toString(), 'abc');
  const t = residentToken();
  s.expect(t);
  assert.is(feed(s, Buffer.from(`${t} begin\nxy_`), 100).data.toString(), 'xy', "'_' held: it could be the start of the end mark");
  s.forget();
  assert.equal(feed(s, Buffer.from('z'), 1).stray.toString(), '_z', "the given-up line's held bytes come out as stray");
});

for (const shell of ['/bin/sh', '/bin/bash']) {
  test(`a request read by the loop with SHELL=${shell}: the line's words and values arrive as given, framed, its status last; no token in its environment or variables`, async () => {
    const start = residentToken();
    const t = residentToken();
    const sh = spawn('/bin/sh', ['-c', residentCommand()], { env: { PATH: process.env.PATH, SHELL: shell }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    sh.stdout.on('data', (d: Buffer) => out.push(d));
    sh.stderr.on('data', (d: Buffer) => err.push(d));
    // The token's prefix, spelled so that the line's own text does not hold it.
    const tokens = `"$(printf %s%s __director_ line_)"`;
    const text = requestText(t, { DIRECTOR_HOST: "n'1 \"$x\"" }, `printf '%s|' "$DIRECTOR_HOST" 'a  b'\n{ env; set; } | grep -c ${tokens} >&2; exit 3`);
    assert.is(text.split('\n')[0], t);
    sh.stdin.end(startText(start) + text);
    await new Promise((r) => sh.on('close', r));
    const so = new FrameSplitter();
    so.expect(start);
    feed(so, Buffer.concat(out), 1000);
    so.expect(t);
    const o = feed(so, Buffer.concat(out), 1000);
    assert.is(o.data.toString(), `n'1 "$x"|a  b|`);
    assert.equal(o.marks.map((m) => m.split(' ')[0]), ['pid', 'end']);
    assert.is(o.marks[1], 'end 3');
    assert.ok(Number(o.marks[0]?.split(' ')[1]) > 1, 'the pid of the line');
    const se = new FrameSplitter();
    se.expect(start);
    feed(se, Buffer.concat(err), 1000);
    se.expect(t);
    assert.is(feed(se, Buffer.concat(err), 1000).data.toString(), '0\n', 'no token in the environment nor in a variable of the line');
  });
}

/** Runs the loop under /bin/sh with this login shell and environment; each line's stdout data and end status. */
async function lines(shell: string, env: Record<string, string>, commands: string[]): Promise<Array<{ out: string; status: string | undefined }>> {
  const start = residentToken();
  const tokens = commands.map(() => residentToken());
  const sh = spawn('/bin/sh', ['-c', residentCommand()], { env: { PATH: process.env.PATH ?? '', SHELL: shell, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  sh.stdout.on('data', (d: Buffer) => out.push(d));
  sh.stderr.resume();
  sh.stdin.end(startText(start) + commands.map((c, i) => requestText(tokens[i]!, {}, c)).join(''));
  await new Promise((r) => sh.on('close', r));
  const all = Buffer.concat(out);
  const s = new FrameSplitter();
  s.expect(start);
  feed(s, all, 4096);
  return tokens.map((t) => {
    s.expect(t);
    const r = feed(s, all, 4096);
    return { out: r.data.toString(), status: r.marks.find((m) => m.startsWith('end'))?.split(' ')[1] };
  });
}

test("an rc file's set -e (bash's BASH_ENV) does not end the loop at a failing line", async () => {
  const rc = join(tempDir('director-rc-'), 'rc');
  writeFileSync(rc, 'set -e\n');
  assert.equal(await lines('/bin/bash', { BASH_ENV: rc }, ['false', 'echo after']), [
    { out: '', status: '1' },
    { out: 'after\n', status: '0' },
  ]);
});

if (existsSync('/bin/zsh')) {
  test('under zsh, a line starting with = is that line (never the previous one again)', async () => {
    const got = await lines('/bin/zsh', {}, ['echo first', '=nonexistent-director-cmd', 'echo third']);
    assert.equal(got.map((l) => l.out), ['first\n', '', 'third\n']);
    assert.is.not(got[1]!.status, '0');
  });
}

test.run();
