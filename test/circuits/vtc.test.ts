import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend.ts';
import { UserError } from '../../src/core/errors.ts';
import {
  DEFAULT_ANALYTIC_VTC,
  DEFAULT_VTC_GRID,
  analyticBank,
  analyticVtc,
  bankVtc,
  interpolateVtc,
  parseVtcCsv,
  vtcFigures,
} from '../../src/circuits/vtc.ts';
import { vtcLookup } from '../../src/circuits/tf-ops.ts';
import { loadVtcBank } from '../../src/data/vtc-bank.ts';

test('analytic VTC: VDD at 0 V, VDD/2 at V_M, slope −gain at V_M', () => {
  const p = DEFAULT_ANALYTIC_VTC;
  assert.ok(Math.abs(analyticVtc(p, 0) - p.vddVolts) < 1e-6);
  assert.ok(Math.abs(analyticVtc(p, p.switchingVolts) - p.vddVolts / 2) < 1e-12);
  const h = 1e-6;
  const slope = (analyticVtc(p, p.switchingVolts + h) - analyticVtc(p, p.switchingVolts - h)) / (2 * h);
  assert.ok(Math.abs(slope + p.gain) < 1e-3);
});

test('bank interpolation reproduces the analytic curve and its figures', () => {
  const bank = analyticBank();
  for (const v of [0.1, 0.55, 0.6, 0.6123, 0.9]) assert.ok(Math.abs(bankVtc(bank, 0, v) - analyticVtc(DEFAULT_ANALYTIC_VTC, v)) < 3e-5);
  const f = vtcFigures(bank, 0);
  assert.ok(Math.abs(f.switchingVolts - 0.6) < 1e-3);
  assert.ok(Math.abs(f.peakGain - 16) < 0.1);
});

test('CSV parsing: groups corners, interpolates piecewise-linearly', () => {
  const curves = parseVtcCsv('corner,vin,vout\na,0,1.2\na,0.6,0.6\na,1.2,0\nb,0,1.2\nb,1.2,0\n');
  assert.equal(
    curves.map((c) => c.name),
    ['a', 'b'],
  );
  assert.ok(Math.abs(interpolateVtc(curves[0], 0.3) - 0.9) < 1e-12);
  assert.ok(Math.abs(interpolateVtc(curves[0], 2) - 0) < 1e-12);
});

test('malformed and non-monotonic VTC CSVs are user errors', () => {
  const bad = [
    'vin,vout\n0,1.2\n0.6,0.8\n0.5,0.1\n', // vin not increasing
    'vin,vout\n0,1.0\n0.6,1.1\n1.2,0\n', // vout rises
    'vin,vout\n0,abc\n1,0\n', // non-numeric
    'x,y\n0,1\n', // wrong columns
    'vin,vout\n', // no rows
  ];
  for (const text of bad)
    assert.throws(
      () => parseVtcCsv(text),
      (e: unknown) => e instanceof UserError,
    );
});

test('the committed PVT bank has monotonic curves with V_M near VDD/2', async () => {
  const bank = await loadVtcBank();
  assert.ok(bank.corners.length >= 5);
  assert.is(bank.corners[bank.nominalIndex], 'tt_27c');
  for (let c = 0; c < bank.corners.length; c++) {
    const f = vtcFigures(bank, c);
    assert.ok(f.switchingVolts > 0.5 && f.switchingVolts < 0.7, `${bank.corners[c]} V_M ${f.switchingVolts}`);
    assert.ok(f.peakGain > 8 && f.peakGain < 30, `${bank.corners[c]} gain ${f.peakGain}`);
  }
});

test('tfjs VTC lookup matches the reference and its gradient is the local slope', async () => {
  await initBackend('auto');
  const bank = analyticBank();
  const table = tf.tensor2d(bank.table, [1, DEFAULT_VTC_GRID.points]);
  const xs = [0.2, 0.58, 0.6, 0.6105, 0.7];
  const x = tf.tensor2d(xs, [xs.length, 1]);
  const y = vtcLookup(x, table, bank.grid).dataSync();
  xs.forEach((v, i) => assert.ok(Math.abs(y[i] - bankVtc(bank, 0, v)) < 1e-5));
  const g = tf
    .grad((t: tf.Tensor) => vtcLookup(t as tf.Tensor2D, table, bank.grid).sum())(x)
    .dataSync();
  xs.forEach((v, i) => {
    const h = 1e-3;
    const numeric = (analyticVtc(DEFAULT_ANALYTIC_VTC, v + h / 2) - analyticVtc(DEFAULT_ANALYTIC_VTC, v - h / 2)) / h;
    assert.ok(Math.abs(g[i] - numeric) < 0.05 * Math.max(1, Math.abs(numeric)), `slope at ${v}: ${g[i]} vs ${numeric}`);
  });
});

test.run();
