import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../src/core/errors.ts';
import { idealQuantizer, measureConverter } from '../../src/analysis/adc-metrics.ts';
import { loadAdcCsv, parseAdcCsv, writeAdcCsv } from '../../src/data/adc-csv.ts';

/** A uniform ramp over [−5 %, 105 %] of [0, 0.5] V through an ideal quantizer, `perCode` points per LSB. */
function idealRamp(bits: number, perCode: number) {
  const q = idealQuantizer(bits, 0, 0.5);
  const n = Math.round(2 ** bits * perCode * 1.1);
  const inputVolts = Float64Array.from({ length: n }, (_, i) => -0.025 + ((i + 0.5) * 0.55) / n);
  return { inputVolts, codes: Int32Array.from(inputVolts, (v) => q(v)) };
}

function userError(pattern: RegExp) {
  return (e: unknown) => e instanceof UserError && pattern.test(e.message) && !e.message.includes('\n');
}

test('a CSV written to a temp dir reads back exactly, and its ramp measures as an ideal converter', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-adc-csv-'));
  try {
    const ramp = idealRamp(6, 64);
    const file = path.join(dir, 'ramp.csv');
    await writeAdcCsv(file, ramp);
    const back = await loadAdcCsv(file, 6);
    assert.equal(Array.from(back.inputVolts), Array.from(ramp.inputVolts));
    assert.equal(Array.from(back.codes), Array.from(ramp.codes));
    const m = measureConverter({ kind: 'samples', inputVolts: back.inputVolts, codes: back.codes }, { bits: 6 });
    assert.is(m.source, 'sampled pairs');
    // 64 ramp points per LSB, not aligned with the transitions: code widths are exact to 1/64 LSB.
    assert.ok(
      Math.max(Math.abs(m.linearity.dnlMinLsb), Math.abs(m.linearity.dnlMaxLsb)) <= 1.01 / 64,
      `DNL ${m.linearity.dnlMinLsb}..${m.linearity.dnlMaxLsb}`,
    );
    assert.equal(m.linearity.missingCodes, []);
    assert.ok(Math.abs(m.linearity.offsetErrorLsb) <= 1 / 64 && Math.abs(m.linearity.gainErrorLsb) <= 2 / 64);
    // The nearest-sample transfer reproduces the quantizer to within 1/64 LSB of each transition.
    assert.ok(Math.abs(m.sine.enobBits - 6) < 0.05, `ENOB ${m.sine.enobBits}`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('row order does not matter, extra columns are ignored', () => {
  const ramp = idealRamp(4, 16);
  const order = Array.from(ramp.codes, (_, i) => i).reverse();
  const text = 'code,input,note\n' + order.map((i) => `${ramp.codes[i]},${ramp.inputVolts[i]},x`).join('\n') + '\n';
  const s = parseAdcCsv(text, 4);
  const sorted = measureConverter({ kind: 'samples', inputVolts: ramp.inputVolts, codes: ramp.codes }, { bits: 4 });
  const shuffled = measureConverter({ kind: 'samples', inputVolts: s.inputVolts, codes: s.codes }, { bits: 4 });
  assert.equal(shuffled.linearity.perCode, sorted.linearity.perCode);
  assert.is(shuffled.sine.sinadDb, sorted.sine.sinadDb);
});

test('a non-uniform ramp is weighted by input spacing: code widths stay right', () => {
  // Dense in the lower half, sparse in the upper half: a plain histogram would double the lower codes.
  const q = idealQuantizer(4, 0, 0.5);
  const inputs: number[] = [];
  for (let v = -0.05 + 0.0005; v < 0.25; v += 0.001) inputs.push(v);
  for (let v = 0.25 + 0.001; v < 0.55; v += 0.002) inputs.push(v);
  const m = measureConverter({ kind: 'samples', inputVolts: inputs, codes: inputs.map((v) => q(v)) }, { bits: 4 });
  // LSB = 31.25 mV; widths are exact to one spacing (≤ 2 mV ≈ 0.064 LSB).
  assert.ok(
    Math.max(Math.abs(m.linearity.dnlMinLsb), Math.abs(m.linearity.dnlMaxLsb)) < 0.07,
    `DNL ${m.linearity.dnlMinLsb}..${m.linearity.dnlMaxLsb}`,
  );
});

test('bad CSV is a one-line user error naming the line', () => {
  const good = idealRamp(2, 8);
  const rows = Array.from(good.codes, (c, i) => `${good.inputVolts[i]},${c}`);
  const withRow = (line: string) => ['input,code', rows[0], line, ...rows.slice(1)].join('\n');
  assert.throws(() => parseAdcCsv(withRow('0.1,abc'), 2), userError(/line 3: code must be an integer, got 'abc'/));
  assert.throws(() => parseAdcCsv(withRow('0.1,2.5'), 2), userError(/line 3: code must be an integer, got '2.5'/));
  assert.throws(() => parseAdcCsv(withRow('0.1,4'), 2), userError(/line 3: code 4 is outside 0\.\.3 of a 2-bit converter/));
  assert.throws(() => parseAdcCsv(withRow('0.1,-1'), 2), userError(/line 3: code -1 is outside/));
  assert.throws(() => parseAdcCsv(withRow('volts,1'), 2), userError(/line 3: input must be a number/));
  assert.throws(() => parseAdcCsv(withRow('0.1,'), 2), userError(/line 3: code must be an integer, got ''/));
  assert.throws(() => parseAdcCsv(withRow('0.1,1,7'), 2), userError(/not valid CSV/));
  assert.throws(() => parseAdcCsv('vin,code\n0.1,1\n', 2), userError(/no 'input' column \(columns: vin, code\)/));
  assert.throws(() => parseAdcCsv('input,code\n', 2), userError(/no data rows/));
  assert.throws(() => parseAdcCsv('input,code\n0.1,1\n0.2,2\n', 2), userError(/2 rows; a 2-bit histogram test needs at least 16/));
});

test('a missing file is a user error', async () => {
  try {
    await loadAdcCsv(path.join(os.tmpdir(), 'npim-no-such-file.csv'), 8);
    assert.unreachable('should have failed');
  } catch (e) {
    assert.ok(e instanceof UserError && /ADC CSV not found/.test(e.message));
  }
});

test.run();
