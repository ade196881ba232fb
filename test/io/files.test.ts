/** JSON results: a non-finite number is never written as null. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../../src/io/files.ts';
import { UserError } from '../../src/core/errors.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'npim-files-'));

test('NaN or Infinity in a result is an error naming where, and nothing is written', async () => {
  for (const [value, where] of [
    [{ evaluation: { monteCarlo: [{ meanMaxAbsVolts: NaN }] } }, 'evaluation.monteCarlo.0.meanMaxAbsVolts is NaN'],
    [{ enob: Infinity }, 'enob is Infinity'],
  ] as const) {
    const file = path.join(work, 'metrics.json');
    try {
      await writeJsonAtomic(file, value);
      assert.unreachable('written');
    } catch (e) {
      assert.instance(e, UserError);
      assert.ok((e as Error).message.includes(where), (e as Error).message);
    }
    assert.not.ok(existsSync(file));
  }
});

test('per-code ADC arrays keep null for codes without a defined value', async () => {
  const file = path.join(work, 'adc.json');
  await writeJsonAtomic(file, { linearity: { perCode: { widthLsb: [NaN, 1, NaN] } }, enob: 7.9 });
  assert.equal(JSON.parse(readFileSync(file, 'utf8')), { linearity: { perCode: { widthLsb: [null, 1, null] } }, enob: 7.9 });
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
