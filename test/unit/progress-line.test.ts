// data's live line: every field when there is room, the least useful dropped first when not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { progressLine, remainingText, type ProgressFigures } from '../../src/output/progress-line.js';

const MB = 1024 * 1024;
const f = (o: Partial<ProgressFigures> = {}): ProgressFigures => ({ files: 12345, totalFiles: 100000, failed: 0, checksum: 0, bytes: 1200 * MB, totalBytes: 10_500 * MB, elapsedMs: 10_000, ...o });

test('the time left: seconds, minutes, hours; "verifying" once every byte is out; none before any byte', () => {
  assert.is(remainingText(f({ bytes: 50 * MB, totalBytes: 100 * MB })), 'ETA 10s');
  assert.is(remainingText(f({ bytes: 10 * MB, totalBytes: 100 * MB, elapsedMs: 10_000 })), 'ETA 1m30s');
  assert.is(remainingText(f({ bytes: 1 * MB, totalBytes: 1000 * MB, elapsedMs: 10_000 })), 'ETA 2h46m');
  assert.is(remainingText(f({ bytes: 100, totalBytes: 100 })), 'verifying');
  assert.is(remainingText(f({ bytes: 0 })), 'ETA …');
});

test('wide: every field, in order', () => {
  assert.is(progressLine(f(), 160), 'Transferred 12345/100000 files | 0 files failed checksum | 1.2 GB of 10.3 GB | 120 MB/s | ETA 1m18s');
});

const table: Array<[string, Partial<ProgressFigures>, number, string]> = [
  ['a zero checksum count goes first', {}, 90, 'Transferred 12345/100000 files | 1.2 GB of 10.3 GB | 120 MB/s | ETA 1m18s'],
  ['then the long labels', {}, 70, '12345/100000 files | 1.2 GB of 10.3 GB | 120 MB/s | ETA 1m18s'],
  ['then the speed', {}, 55, '12345/100000 files | 1.2 GB of 10.3 GB | ETA 1m18s'],
  ['then the bytes', {}, 40, '12345/100000 files | ETA 1m18s'],
  ['failures stay, short', { failed: 5, checksum: 2 }, 75, '12345/100000 files | 2 bad md5 | 3 failed | 1.2 GB of 10.3 GB | ETA 1m18s'],
  ['failures in full when there is room', { failed: 5, checksum: 2 }, 160, 'Transferred 12345/100000 files | 2 files failed checksum | 3 other failures | 1.2 GB of 10.3 GB | 120 MB/s | ETA 1m18s'],
  ['a terminal too narrow for anything: cut, never wrapped', {}, 20, '12345/100000 files…'],
];
for (const [what, o, width, want] of table) {
  test(`${width} columns: ${what}`, () => {
    const line = progressLine(f(o), width);
    assert.is(line, want);
    assert.ok(line.length < width);
  });
}

test.run();
