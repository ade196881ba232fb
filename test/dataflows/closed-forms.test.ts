import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fc from 'fast-check';
import { UserError } from '../../src/core/errors.ts';
import {
  adcConverterBits,
  adcResolutionBits,
  cascadeSummedConversionsPerGroup,
  columnsPerWeight,
  conversionsPerGroup,
  dataflowFigures,
  digitalAccumulationResolutionBits,
  inputCycles,
  type DataflowParams,
} from '../../src/dataflows/closed-forms.ts';

/** docs/reference.md §3's compared configuration: 8-bit inputs/weights/outputs, 128 rows, 1-bit cells. */
const base: DataflowParams = { inputBits: 8, weightBits: 8, outputBits: 8, log2Rows: 7, cellBits: 1, dacBits: 1, flipEncoding: true };

test('§3 table: ISAAC-style with 1-bit DACs, 1-bit cells, 128 rows and flip encoding needs a 7-bit ADC, 64 conversions per group', () => {
  assert.equal(dataflowFigures('isaac', base), { inputCycles: 8, weightSlices: 8, conversionsPerGroup: 64, adcResolutionBits: 7 });
});

test('§3 table: CASCADE-style needs 10-bit conversions, 8 + 8 − 1 = 15 per group by the closed form', () => {
  assert.is(conversionsPerGroup('cascade', base), 15);
  assert.is(adcResolutionBits('cascade', base), 10);
});

test('§3 table: Neural-PIM with 4-bit DACs: 2 input cycles, one 8-bit conversion per group', () => {
  const p = { ...base, dacBits: 4, flipEncoding: false };
  assert.equal(dataflowFigures('neural-pim', p), { inputCycles: 2, weightSlices: 8, conversionsPerGroup: 1, adcResolutionBits: 8 });
});

test('the original ISAAC (16-bit, 2-bit cells, 1-bit DAC, flip encoding) gets its published 8-bit ADC and 16 input cycles', () => {
  const p = { ...base, inputBits: 16, weightBits: 16, outputBits: 16, cellBits: 2 };
  assert.is(adcResolutionBits('isaac', p), 8);
  assert.is(inputCycles(p), 16);
  assert.is(conversionsPerGroup('isaac', p), 16 * 8);
});

test('CASCADE with summing amplifiers: the published 10 conversions per 16 cycles, 5 for 8 cycles', () => {
  // 16-bit operands on 1-bit DACs: 16 cycles → 10 conversions, as the published design.
  assert.is(cascadeSummedConversionsPerGroup({ ...base, inputBits: 16, weightBits: 16, cellBits: 2 }, 10 / 16), 10);
  assert.is(cascadeSummedConversionsPerGroup(base, 10 / 16), 5);
  // Never more than the closed form.
  assert.is(cascadeSummedConversionsPerGroup(base, 5), 15);
});

test('the differential layout puts a signed 8-bit weight on 16 columns of 1-bit cells (8 groups per 128 columns)', () => {
  assert.is(columnsPerWeight(base, 'differential'), 16);
  assert.is(Math.floor(128 / columnsPerWeight(base, 'differential')), 8);
  assert.is(columnsPerWeight({ ...base, weightBits: 16, cellBits: 2 }, 'offset'), 8);
});

test('without flip encoding the digital resolution is exactly the bits of the largest bit-line sum 2^N·(2^P_D−1)·(2^P_R−1)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 10 }), (pr, pd, n) => {
      const p = { ...base, cellBits: pr, dacBits: pd, log2Rows: n, flipEncoding: false };
      const largest = 2 ** n * (2 ** pd - 1) * (2 ** pr - 1);
      return digitalAccumulationResolutionBits(p) === Math.ceil(Math.log2(largest + 1));
    }),
  );
  // Flip encoding saves exactly one bit.
  assert.is(digitalAccumulationResolutionBits(base), digitalAccumulationResolutionBits({ ...base, flipEncoding: false }) - 1);
});

test('conversions: digital ≥ buffered ≥ analog, with digital = buffered exactly when one factor is 1', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 16 }),
      fc.integer({ min: 1, max: 16 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      (pi, pw, pd, pr) => {
        const p = { ...base, inputBits: pi, weightBits: pw, dacBits: pd, cellBits: pr };
        const a = conversionsPerGroup('isaac', p);
        const b = conversionsPerGroup('cascade', p);
        const c = conversionsPerGroup('neural-pim', p);
        const t = Math.ceil(pi / pd);
        const s = Math.ceil(pw / pr);
        return a >= b && b >= c && c === 1 && (a === b) === (t === 1 || s === 1);
      },
    ),
  );
});

test('CASCADE resolution grows by log2 of the input cycles summed in a buffer column', () => {
  for (const dacBits of [1, 2, 4, 8]) {
    const p = { ...base, dacBits };
    const cycles = Math.ceil(8 / dacBits);
    assert.is(adcResolutionBits('cascade', p), adcResolutionBits('isaac', p) + Math.ceil(Math.log2(cycles)));
  }
});

test('invalid parameters are user errors naming the parameter', () => {
  assert.throws(
    () => inputCycles({ ...base, dacBits: 0 }),
    (e: unknown) => e instanceof UserError && /DAC bits/.test((e as Error).message),
  );
  assert.throws(
    () => conversionsPerGroup('isaac', { ...base, inputBits: 2.5 }),
    (e: unknown) => e instanceof UserError && /input bits/.test((e as Error).message),
  );
  assert.throws(
    () => cascadeSummedConversionsPerGroup(base, Number.NaN),
    (e: unknown) => e instanceof UserError,
  );
});

test('converter bits: a signed column pair needs sign + magnitude; flip encoding only for unsigned (offset) columns', () => {
  const p = { ...base, flipEncoding: false };
  // |BL⁺ − BL⁻| ≤ 128 on 128 rows of 1-bit cells and 1-bit inputs: 8 magnitude bits (0..128) and a sign.
  assert.is(adcConverterBits('isaac', p, 'differential'), 9);
  assert.is(adcConverterBits('cascade', p, 'differential'), 12);
  assert.is(adcConverterBits('neural-pim', p, 'differential'), 8);
  assert.throws(
    () => adcConverterBits('isaac', base, 'differential'),
    (e: unknown) => e instanceof UserError && /offset layout/.test(e.message),
  );
  // ISAAC's own offset layout: 16-bit operands on 2-bit cells, every unsigned column converted with flip encoding: 8 bits.
  const isaac16 = { inputBits: 16, weightBits: 16, outputBits: 16, log2Rows: 7, cellBits: 2, dacBits: 1, flipEncoding: true };
  assert.is(adcConverterBits('isaac', isaac16, 'offset'), 8);
  // The sign + magnitude count is exactly what the largest pair difference needs.
  const largest = 2 ** p.log2Rows * (2 ** p.cellBits - 1) * (2 ** p.dacBits - 1);
  assert.is(adcConverterBits('isaac', p, 'differential'), 1 + Math.ceil(Math.log2(largest + 1)));
});

test.run();
