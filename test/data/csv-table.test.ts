import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCsvTable, parseCsvTable } from '../../src/data/csv-table.ts';
import { userErrorOf } from '../dnn/helpers.ts';

test('parses numeric features and an integer label column, in header order', () => {
  const t = parseCsvTable('x1,label,x2\n0.5,1,-2\n1e-3, 0 ,4\n\n3,2,5\n');
  assert.equal(t.featureNames, ['x1', 'x2']);
  assert.is(t.rows, 3);
  assert.equal(Array.from(t.features), [0.5, -2, Math.fround(1e-3), 4, 3, 5]);
  assert.equal(Array.from(t.labels), [1, 0, 2]);
  assert.is(t.numClasses, 3);
});

test('label column name and feature subset are configurable', () => {
  const t = parseCsvTable('a,b,c,cls\n1,2,3,4\n', { labelColumn: 'cls', featureColumns: ['c', 'a'] });
  assert.equal(t.featureNames, ['c', 'a']);
  assert.equal(Array.from(t.features), [3, 1]);
  assert.equal(Array.from(t.labels), [4]);
});

test('bad cells name the source, line and column', async () => {
  const cases: Array<[string, RegExp]> = [
    ['x,label\n1,0\nabc,1\n', /d\.csv line 3, column 'x': 'abc' is not a finite number/],
    ['x,label\n1,0\n,1\n', /d\.csv line 3, column 'x': '' is not a finite number/],
    ['x,label\nInfinity,0\n', /line 2, column 'x': 'Infinity' is not a finite number/],
    ['x,label\n1,0.5\n', /line 2, label column 'label': '0\.5' is not a non-negative integer/],
    ['x,label\n1,-1\n', /label column 'label': '-1' is not a non-negative integer/],
    ['x,y\n1,2\n', /d\.csv has no label column 'label' \(columns: x, y\)/],
    ['label\n1\n', /d\.csv has no feature columns besides 'label'/],
    ['x,x,label\n1,2,3\n', /column 'x' appears twice/],
    ['x,label\n', /d\.csv has a header but no data rows/],
    ['', /d\.csv is empty/],
    ['x,label\n1,2,3\n', /d\.csv is not valid CSV: /],
    ['x,label\n"1,2\n', /d\.csv is not valid CSV: /],
  ];
  for (const [text, pattern] of cases) {
    const msg = await userErrorOf(() => parseCsvTable(text, { source: 'd.csv' }));
    assert.match(msg, pattern, `${JSON.stringify(text)} → ${msg}`);
    assert.not.match(msg, /\n/);
  }
  assert.match(
    await userErrorOf(() => parseCsvTable('a,label\n1,2\n', { featureColumns: ['b'], source: 'd.csv' })),
    /no feature column 'b'/,
  );
});

test('loads a file; a missing file is a UserError naming it', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-csv-'));
  try {
    await fs.writeFile(path.join(dir, 't.csv'), 'f,label\n2,1\n');
    const t = await loadCsvTable(path.join(dir, 't.csv'));
    assert.equal(Array.from(t.features), [2]);
    assert.match(await userErrorOf(() => loadCsvTable(path.join(dir, 'nope.csv'))), /CSV file not found: .*nope\.csv/);
    await fs.writeFile(path.join(dir, 'bad.csv'), 'f,label\nx,1\n');
    assert.match(
      await userErrorOf(() => loadCsvTable(path.join(dir, 'bad.csv'))),
      new RegExp(`${path.join(dir, 'bad.csv').replace(/[.]/g, '\\.')} line 2`),
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test.run();
