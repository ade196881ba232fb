import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/core/rng.ts';
import { bankFromJson } from '../../src/circuits/approximator-model.ts';
import { readApproximatorModel } from '../../src/io/approximator-model.ts';
import { NnsaModelSchema } from '../../src/circuits/nnsa/config.ts';
import { forwardNetwork, instantiateNetwork } from '../../src/circuits/network.ts';
import { chipErrors, outputErrors } from '../../src/circuits/nnsa/evaluate.ts';
import { nnsaRampCalibration } from '../../src/circuits/nnsa/calibrate.ts';
import { sampleNnsaBatch } from '../../src/circuits/nnsa/dataset.ts';
import { outputPair } from '../../src/circuits/nnsa/signals.ts';
import { trimNnsa } from '../../src/circuits/nnsa/trim.ts';
import { vtcFigures } from '../../src/circuits/vtc.ts';
import { ROOT, assertOneLineError, npim } from '../helpers/cli.ts';

test('NNS+A trimming: hidden columns land within the tolerance of the design, a loose tolerance changes nothing, the error falls', async () => {
  const model = await readApproximatorModel(path.join(ROOT, 'models/nnsa-d4'), 'nnsa', NnsaModelSchema);
  const bank = bankFromJson(model.vtcBank);
  const device = { ...model.network.device, programming: { ...model.network.device.programming, sigma: 0.025 } };
  const nominal = instantiateNetwork(model.network, bank, device, null, { kind: 'nominal' });
  const data = sampleNnsaBatch(new Rng(3), 2048, model.dacBits, 0);
  // Hidden column voltage at the reference input (zero bit lines, held zero output), from the
  // conductances and the row voltages written out here rather than by the trimming code.
  const columnVolts = (inst: ReturnType<typeof instantiateNetwork>, j: number): number => {
    const l = inst.layers[0];
    const [p, n] = outputPair(0);
    // Signal rows: the model's layout (parallel rows of the upper bits), bit lines then the held output.
    const sources = model.network.inputRows ?? [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const S = sources.length;
    const volts = (k: number): [number, number] => {
      if (k < S) return sources[k] === 8 ? [p, n] : [0, 0];
      if (k < S + inst.biasRows) return [inst.vddVolts, 0];
      if (k < S + inst.biasRows + (inst.replicaRows ?? 0)) return [inst.replicaVolts!, inst.replicaVolts!];
      return inst.trimVolts!;
    };
    let num = 0;
    let den = 0;
    for (let k = 0; k < l.pairs; k++) {
      const [u, lo] = volts(k);
      num += l.upperSiemens[k * l.columns + j] * u + l.lowerSiemens[k * l.columns + j] * lo;
      den += l.upperSiemens[k * l.columns + j] + l.lowerSiemens[k * l.columns + j];
    }
    return num / den;
  };
  let before = 0;
  let after = 0;
  for (let d = 0; d < 3; d++) {
    const plain = instantiateNetwork(model.network, bank, device, new Rng(50 + d), { kind: 'nominal' });
    const loose = instantiateNetwork(model.network, bank, device, new Rng(50 + d), { kind: 'nominal' });
    assert.is(trimNnsa(loose, nominal, bank, device, { toleranceVolts: 1, maxAttempts: 50 }, new Rng(9)).meanAttempts, 1);
    assert.equal(
      forwardNetwork(loose, bank, data.upper, data.lower, 64).at(-1),
      forwardNetwork(plain, bank, data.upper, data.lower, 64).at(-1),
    );
    const trimmed = instantiateNetwork(model.network, bank, device, new Rng(50 + d), { kind: 'nominal' });
    const outcome = trimNnsa(trimmed, nominal, bank, device, { toleranceVolts: 2e-4, maxAttempts: 100 }, new Rng(9));
    assert.is(outcome.outOfTolerance, 0);
    for (let j = 0; j < trimmed.layers[0].columns; j++) {
      const vm = vtcFigures(bank, trimmed.layers[0].corners[j]).switchingVolts;
      const vmNominal = vtcFigures(bank, nominal.layers[0].corners[j]).switchingVolts;
      assert.ok(Math.abs(columnVolts(trimmed, j) - vm - (columnVolts(nominal, j) - vmNominal)) <= 2e-4, `neuron ${j}`);
    }
    before += chipErrors(plain, bank, data, 2048).stats.rmsVolts / 3;
    after += chipErrors(trimmed, bank, data, 2048).stats.rmsVolts / 3;
  }
  assert.ok(after < before, `RMS error ${after} after trimming vs ${before}`);
});

test('offset/gain calibration: the designed circuit is near identity; a correction undoes a known offset and gain', async () => {
  const model = await readApproximatorModel(path.join(ROOT, 'models/nnsa-d4'), 'nnsa', NnsaModelSchema);
  const bank = bankFromJson(model.vtcBank);
  const nominal = instantiateNetwork(model.network, bank, model.network.device, null, { kind: 'nominal' });
  const c = nnsaRampCalibration(nominal, bank, model.dacBits);
  // Trained to the target: gain within 2 % of 1 and offset within a few mV (its nominal max error is ≈ 7 mV).
  assert.ok(Math.abs(c.gain - 1) < 0.02 && Math.abs(c.offsetVolts) < 0.003, JSON.stringify(c));
  // Outputs exactly gain·ideal + offset measure zero error once corrected by that offset and gain.
  const data = sampleNnsaBatch(new Rng(5), 64, model.dacBits, 0);
  const out = new Float64Array(128);
  for (let b = 0; b < 64; b++) {
    const d = 1.1 * 0.5 * data.targetValue[b] + 0.02;
    [out[2 * b], out[2 * b + 1]] = [0.25 + d / 2, 0.25 - d / 2];
  }
  assert.ok(outputErrors(out, data, 64).stats.maxAbsVolts > 0.02);
  assert.ok(outputErrors(out, data, 64, { offsetVolts: 0.02, gain: 1.1 }).stats.maxAbsVolts < 1e-12);
});

test('eval sa --trim adds trimmed Monte Carlo entries on the same draws; a bad tolerance is a one-line error', () => {
  // eval sa writes metrics.json beside the model: evaluate a copy, never the shipped model.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'npim-nnsa-trim-'));
  copyFileSync(path.join(ROOT, 'models/nnsa-d4/model.json'), path.join(dir, 'model.json'));
  const r = npim('eval', 'sa', dir, '--mc', '3', '--corners', 'per-neuron', '--points', '512', '--trim', '0.2', '--json');
  assert.is(r.code, 0, r.stderr);
  type Entry = {
    programming: string;
    trimMillivolts?: number;
    meanRmsVolts: number;
    meanMaxAbsVolts: number;
    perDrawMaxAbsVolts: number[];
    offsetGainCalibrated: { meanRmsVolts: number; perDrawMaxAbsVolts: number[] };
  };
  const mc = JSON.parse(r.stdout) as { evaluation?: { monteCarlo: Entry[] } };
  const entries = mc.evaluation!.monteCarlo;
  assert.is(entries.length, 2);
  assert.is(entries[0].trimMillivolts, undefined);
  assert.is(entries[1].trimMillivolts, 0.2);
  assert.equal(
    entries.map((e) => e.programming),
    ['as-programmed', 'trimmed'],
  );
  for (const e of entries) {
    assert.is(e.perDrawMaxAbsVolts.length, 3);
    assert.is(e.offsetGainCalibrated.perDrawMaxAbsVolts.length, 3);
    assert.ok(Math.abs(e.perDrawMaxAbsVolts.reduce((a, b) => a + b, 0) / 3 - e.meanMaxAbsVolts) < 1e-15);
  }
  assert.ok(entries[1].meanRmsVolts < entries[0].meanRmsVolts, `trimmed RMS ${entries[1].meanRmsVolts} vs ${entries[0].meanRmsVolts}`);
  // Per-neuron corners shift the output by tens of mV: the offset/gain calibration removes most of it.
  const raw = entries[0];
  assert.ok(
    raw.offsetGainCalibrated.meanRmsVolts < 0.8 * raw.meanRmsVolts,
    `calibrated RMS ${raw.offsetGainCalibrated.meanRmsVolts} vs ${raw.meanRmsVolts}`,
  );
  assertOneLineError(npim('eval', 'sa', dir, '--mc', '1', '--trim', '0'), /--trim/);
  rmSync(dir, { recursive: true, force: true });
});

test.run();
