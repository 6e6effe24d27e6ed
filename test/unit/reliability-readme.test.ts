// The README's Reliability table is rendered from the suite's records: rows per area, figures
// as measured, a rerun of a case replacing its row, and the README block replaced in place.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderTable, spliceReadme } from '../../scripts/reliability-readme.js';
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
  const out = spliceReadme(readme, table);
  assert.ok(out.startsWith('# x\n\nbefore\n') && out.endsWith('\nafter\n'), out);
  assert.not.ok(out.includes('old stuff'));
  assert.throws(() => spliceReadme('# no block\n', table), /no <!-- reliability:begin/);
});

test.run();
