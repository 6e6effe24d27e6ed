// The placement record as placement.json plus its journal: what readers see mid-run, after a
// crash (a torn last line) and after the fold; the text written entry by entry is the JSON
// it always was.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JournalWriter, readJournal } from '../../src/transfer/placement-journal.js';
import { placementRecorder } from '../../src/transfer/placement-recorder.js';
import { placementJournalPath, placementRecordPath, readPlacementRecord, writePlacementRecord, type PlacedFile } from '../../src/transfer/placement-record.js';
import { tempDir } from '../support/temp.js';

/** A state folder with the project's folder in it (the recorder makes it with placement.json). */
function stateDir(): string {
  const state = tempDir('director-journal-');
  mkdirSync(join(state, 'p'));
  return state;
}

const entry = (path: string, client = 'h1', md5 = 'a'.repeat(32)): PlacedFile => ({ path, client, remotePath: `director/data/p/${path}`, size: 3, md5, time: '2026-12-03T12:00:00.000Z' });

test('the record is written entry by entry as JSON.stringify(record, null, 2), sorted by path then client', () => {
  const state = stateDir();
  const files = [entry('b "q".txt', 'h2'), entry('a\nnewline.txt'), entry('b "q".txt', 'h1'), entry('ü/ß.txt')];
  writePlacementRecord(state, { version: 1, project: 'p', remoteRoot: '~/x', files });
  const sorted = [files[1], files[2], files[0], files[3]];
  assert.is(readFileSync(placementRecordPath(state, 'p'), 'utf8'), `${JSON.stringify({ version: 1, project: 'p', remoteRoot: '~/x', files: sorted }, null, 2)}\n`);
  writePlacementRecord(state, { version: 1, project: 'e', remoteRoot: '~/x', files: [] });
  assert.is(readFileSync(placementRecordPath(state, 'e'), 'utf8'), `${JSON.stringify({ version: 1, project: 'e', remoteRoot: '~/x', files: [] }, null, 2)}\n`);
});

test('readers fold the journal in: a later entry for the same copy wins, other copies of a path stay', () => {
  const state = stateDir();
  writePlacementRecord(state, { version: 1, project: 'p', remoteRoot: '~/r', files: [entry('a.txt'), entry('b.txt')] });
  const j = new JournalWriter(placementJournalPath(state, 'p'));
  j.append([entry('b.txt', 'h1', 'b'.repeat(32)), entry('b.txt', 'h2')]);
  j.append([entry('c.txt')]);
  j.close();
  const r = readPlacementRecord(state, 'p');
  assert.is(r?.remoteRoot, '~/r');
  const got = r!.files.map((f) => `${f.path}@${f.client}:${f.md5[0]}`).sort();
  assert.equal(got, ['a.txt@h1:a', 'b.txt@h1:b', 'b.txt@h2:a', 'c.txt@h1:a']);
});

test('a torn last line (a crash mid-append) is skipped by readers and cut off by the next writer', () => {
  const state = stateDir();
  const file = placementJournalPath(state, 'p');
  const j = new JournalWriter(file);
  j.append([entry('a.txt')]);
  j.close();
  appendFileSync(file, '{"path":"torn.t');
  assert.equal(readJournal(file).map((f) => f.path), ['a.txt']);
  const again = new JournalWriter(file);
  again.append([entry('b.txt')]);
  again.close();
  assert.equal(readJournal(file).map((f) => f.path), ['a.txt', 'b.txt']);
  assert.not.match(readFileSync(file, 'utf8'), /torn/);
});

test('a damaged line before the last is an error naming file:line, not a silent loss', () => {
  const state = stateDir();
  const file = placementJournalPath(state, 'p');
  new JournalWriter(file).append([entry('a.txt')]);
  appendFileSync(file, 'garbage\n');
  appendFileSync(file, `${JSON.stringify(entry('c.txt'))}\n`);
  assert.throws(() => readJournal(file), /placement\.journal:2: not a director placement journal line/);
});

test('the recorder: placement.json exists before the first append, entries go to the journal, close folds and removes it', async () => {
  const state = stateDir();
  const rec = placementRecorder(state, 'p', '~/root');
  await rec.record([entry('a.txt'), entry('a.txt', 'h2')]);
  await Promise.all([rec.record([entry('b.txt')]), rec.record([entry('c.txt')])]);
  // Mid-run: placement.json names the remote root and lists nothing yet; readers see all.
  const onDisk = JSON.parse(readFileSync(placementRecordPath(state, 'p'), 'utf8')) as { remoteRoot: string; files: unknown[] };
  assert.is(onDisk.remoteRoot, '~/root');
  assert.is(onDisk.files.length, 0);
  assert.is(readPlacementRecord(state, 'p')?.files.length, 4);
  rec.close();
  assert.not.ok(existsSync(placementJournalPath(state, 'p')));
  const folded = JSON.parse(readFileSync(placementRecordPath(state, 'p'), 'utf8')) as { files: PlacedFile[] };
  assert.equal(folded.files.map((f) => `${f.path}@${f.client}`), ['a.txt@h1', 'a.txt@h2', 'b.txt@h1', 'c.txt@h1']);
  assert.equal(readdirSync(join(state, 'p')), ['placement.json']);
});

test('a killed run\'s journal is folded by the next run\'s recorder, even one that records nothing', () => {
  const state = stateDir();
  writePlacementRecord(state, { version: 1, project: 'p', remoteRoot: '~/r', files: [entry('a.txt')] });
  writeFileSync(placementJournalPath(state, 'p'), `${JSON.stringify(entry('b.txt'))}\n`);
  placementRecorder(state, 'p', '~/r').close();
  assert.not.ok(existsSync(placementJournalPath(state, 'p')));
  const folded = JSON.parse(readFileSync(placementRecordPath(state, 'p'), 'utf8')) as { files: PlacedFile[] };
  assert.equal(folded.files.map((f) => f.path), ['a.txt', 'b.txt']);
});

test.run();
