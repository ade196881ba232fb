import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng.ts';
import { initBackend } from '../../src/core/backend.ts';
import { columnAbsWeightSums, effectiveWeights, passiveColumnVoltages, type CrossbarConductances } from '../../src/circuits/crossbar.ts';
import { passiveColumns } from '../../src/circuits/tf-ops.ts';

function randomCrossbar(rng: Rng, pairs: number, columns: number, gMin = 1e-6, gMax = 100e-6): CrossbarConductances {
  const n = pairs * columns;
  return {
    pairs,
    columns,
    upperSiemens: Float64Array.from({ length: n }, () => rng.uniformIn(gMin, gMax)),
    lowerSiemens: Float64Array.from({ length: n }, () => rng.uniformIn(gMin, gMax)),
  };
}

test('an ideal crossbar computes the conductance-weighted average of its inputs', () => {
  // Hand-computed case: one column, pairs (0.3 V, 0.9 V) through (10 µS, 30 µS) and (1.2 V, 0 V) through (20 µS, 40 µS).
  const x: CrossbarConductances = {
    pairs: 2,
    columns: 1,
    upperSiemens: Float64Array.of(10e-6, 20e-6),
    lowerSiemens: Float64Array.of(30e-6, 40e-6),
  };
  const v = passiveColumnVoltages(x, [0.3, 1.2], [0.9, 0], 1);
  const expected = (10 * 0.3 + 30 * 0.9 + 20 * 1.2 + 40 * 0) / (10 + 30 + 20 + 40);
  assert.ok(Math.abs(v[0] - expected) < 1e-12);
});

test('for pseudo-differential inputs (v, VDD − v) the output is Σ W·v plus the lower-line offset', () => {
  const rng = new Rng(4);
  const x = randomCrossbar(rng, 6, 3);
  const vdd = 1.2;
  const v = Array.from({ length: 6 }, () => rng.uniformIn(0, 0.5));
  const out = passiveColumnVoltages(
    x,
    v,
    v.map((u) => vdd - u),
    1,
  );
  const w = effectiveWeights(x);
  for (let j = 0; j < 3; j++) {
    let total = 0;
    let offset = 0;
    for (let k = 0; k < 6; k++) total += x.upperSiemens[k * 3 + j] + x.lowerSiemens[k * 3 + j];
    for (let k = 0; k < 6; k++) offset += (x.lowerSiemens[k * 3 + j] * vdd) / total;
    let lin = offset;
    for (let k = 0; k < 6; k++) lin += w[k * 3 + j] * v[k];
    assert.ok(Math.abs(out[j] - lin) < 1e-12);
  }
});

test('property: every column of a passive crossbar has Σ|W| < 1', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 0, max: 2 ** 31 }),
      (pairs, cols, seed) => {
        const sums = columnAbsWeightSums(randomCrossbar(new Rng(seed), pairs, cols));
        return sums.every((s) => s < 1);
      },
    ),
  );
});

test('the tfjs passive column agrees with the float64 reference', async () => {
  await initBackend('auto');
  const rng = new Rng(8);
  const x = randomCrossbar(rng, 5, 4);
  const B = 7;
  const up = Float64Array.from({ length: B * 5 }, () => rng.uniformIn(0, 1.2));
  const lo = Float64Array.from({ length: B * 5 }, () => rng.uniformIn(0, 1.2));
  const ref = passiveColumnVoltages(x, up, lo, B);
  const scale = 1e5; // tfjs runs in float32: work in units of 10 µS
  const got = tf.tidy(() =>
    passiveColumns(
      tf.tensor2d(Float32Array.from(up), [B, 5]),
      tf.tensor2d(Float32Array.from(lo), [B, 5]),
      tf.tensor2d(
        Float32Array.from(x.upperSiemens, (g) => g * scale),
        [5, 4],
      ),
      tf.tensor2d(
        Float32Array.from(x.lowerSiemens, (g) => g * scale),
        [5, 4],
      ),
    ).dataSync(),
  );
  for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(ref[i] - got[i]) < 1e-5);
});

test.run();
