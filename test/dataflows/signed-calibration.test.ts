/**
 * The sign-aware foreground calibration (`offset-gain-signed`): on the shipped nominal NNS+A and
 * ¼-range NNADC, whose sign-magnitude conversion jumps where the NNS+A output crosses zero
 * (MODELS.md, "The converter pair around zero"), fitting negative and positive readings
 * separately converts known near-zero inputs with less error than the one-line fit.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../src/core/rng.ts';
import { SimulationConfigSchema } from '../../src/chip/simulation-config.ts';
import { loadPeripherals } from '../../src/app/load-peripherals.ts';
import {
  calibrationOutputs,
  convertAndAdd,
  idealCalibrationOutput,
  instantiatePeripherals,
  neuralPimLsb,
  type PeripheralCalibration,
} from '../../src/dataflows/neural-pim-circuits.ts';
import { inputCyclesOf } from '../../src/dataflows/closed-forms.ts';

test('offset-gain-signed converts near-zero inputs of the shipped pair with less error than one line', async () => {
  const p = (await loadPeripherals(SimulationConfigSchema.parse({ dataflow: 'neural-pim' })))!;
  const range = 0.25;
  const bits = 8;
  const arrayRows = 128;
  const dacBits = 4;
  const cycles = inputCyclesOf(8, dacBits);
  const lsb = neuralPimLsb(range, bits, arrayRows, dacBits);
  const codeLevel = range / (2 ** bits - 1);
  // Known inputs whose ideal outputs lie within ±8 LSB of zero, every quarter LSB.
  const perLevel = idealCalibrationOutput(cycles, dacBits, 1);
  const levels = Array.from({ length: 65 }, (_, k) => ((k - 32) / 4) * (codeLevel / perLevel));
  const rmsError = (calibration: PeripheralCalibration): number => {
    const chips = instantiatePeripherals(p, false, 0, new Rng(1), 'nominal', calibration);
    const y = Float64Array.from(levels, (l) => calibrationOutputs(chips, cycles, l)[0]);
    const g = { slices: cycles, n: levels.length, fanOut: 1, weightSlices: 8, cellBits: 1, dacBits };
    const acc = new Float64Array(levels.length);
    convertAndAdd(y, g, p, chips, range, arrayRows, acc, 1);
    let s2 = 0;
    levels.forEach((l, i) => (s2 += (acc[i] / lsb - idealCalibrationOutput(cycles, dacBits, l) / codeLevel) ** 2));
    return Math.sqrt(s2 / levels.length);
  };
  const oneLine = rmsError('offset-gain');
  const signed = rmsError('offset-gain-signed');
  assert.ok(signed < 0.7 * oneLine, `RMS error near zero: signed ${signed.toFixed(2)} LSB, one line ${oneLine.toFixed(2)} LSB`);
});

test.run();
