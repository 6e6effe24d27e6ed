// The Reliability table (docs/RELIABILITY.md) and the README's summary are rendered from the
// suite's records: rows per area, figures as measured, totals by area, a rerun of a case
// replacing its row, and each generated block replaced in place.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderSummary, renderTable, spliceBlock, spliceSummary } from '../../scripts/reliability-readme.js';
import { readRecords, type Figure } from '../support/reliability.js';

const fig = (id: string, area: Figure['area'], extra: Partial<Figure> = {}): Figure => ({ id, area, case: `case ${id}`, does: `does ${id}`, test: 't.ts', ...extra });

test('rows go under their area, with measured figures and dashes where none', () => {
  const t = renderTable([fig('a', 'security'), fig('b', 'fault', { filesLost: 0, processesLeft: 0, detectMs: 1234.5 }), fig('c', 'fault', { detectMs: 12, figure: 'x | y' })], '2026-11-23');
  const lines = t.split('\n');
  const faults = lines.indexOf('#### Faults');
  const security = lines.indexOf('#### Security checks');
  assert.ok(faults > 0 && security > faults, t);
  assert.not.ok(t.includes('#### Hostile input'), 'an area without records has no heading');
  assert.ok(lines.includes('| case b | does b | 0 | 0 | 1.23 s | — | `t.ts` |'), t);
  assert.ok(lines.includes('| case c | does c | — | — | 12 ms | x \\| y | `t.ts` |'), t);
  assert.match(t, /3 cases, every one a passing test/);
});

test('a rerun of a case replaces its row; the README block is replaced, the rest kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'director-rel-'));
  const file = join(dir, 'r.jsonl');
  writeFileSync(file, [fig('a', 'fault', { filesLost: 1 }), fig('b', 'fault'), fig('a', 'fault', { filesLost: 0 })].map((f) => JSON.stringify(f)).join('\n') + '\n');
  const recs = readRecords(file);
  assert.equal(recs.map((r) => [r.id, r.filesLost]), [['b', undefined], ['a', 0]]);
  const table = renderTable(recs, 'today');
  const readme = `# x\n\nbefore\n${table.split('\n')[0]}\nold stuff\n<!-- reliability:end -->\nafter\n`;
  const out = spliceBlock(readme, table);
  assert.ok(out.startsWith('# x\n\nbefore\n') && out.endsWith('\nafter\n'), out);
  assert.not.ok(out.includes('old stuff'));
  assert.throws(() => spliceBlock('# no block\n', table), /no <!-- reliability:begin/);
});

test('the summary: five lines with the totals by area and a link to the table', () => {
  const recs = [fig('a', 'fault', { filesLost: 0, processesLeft: 2 }), fig('b', 'fault', { filesLost: 1 }), fig('c', 'hostile'), fig('d', 'security')];
  const s = renderSummary(recs, '2026-12-03');
  const lines = s.split('\n').slice(1, -1);
  assert.is(lines.length, 5, s);
  assert.is(lines[0], '- 4 cases, every one a passing test of `npm run reliability` (2026-12-03).');
  assert.is(lines[1], '- Faults: 2 cases; 1 file lost in 2 that count them, 2 processes left in 1 that count them.');
  assert.is(lines[2], '- Hostile input: 1 cases.');
  assert.match(lines[4]!, /docs\/RELIABILITY\.md/);
  const readme = `# x\n${s.split('\n')[0]}\nold\n<!-- reliability-summary:end -->\nafter\n`;
  assert.is(spliceSummary(readme, s), `# x\n${s}\nafter\n`);
});

test.run();
