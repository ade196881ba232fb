/** The simulation table states spread only where there is one. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simulationTable } from '../../src/report/simulation-report.ts';
import type { SimulationResult } from '../../src/simulator/simulate.ts';

function result(accuracyPerDraw: number[]): SimulationResult {
  const mean = accuracyPerDraw.reduce((a, b) => a + b, 0) / accuracyPerDraw.length;
  const std = Math.sqrt(accuracyPerDraw.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, accuracyPerDraw.length - 1));
  return {
    dataflow: 'isaac',
    mode: 'behavioral',
    images: 100,
    draws: accuracyPerDraw.length,
    sigma: 0.025,
    readNoiseSigma: 0,
    accuracyPerDraw,
    accuracyMean: mean,
    accuracyStd: std,
    referenceAccuracy: 0.98,
    conversions: [],
    conversionsTotal: 1000,
    sinad: [],
    sinadMeanDb: 40,
    wallSeconds: 1,
    hardwareSeconds: 1,
  };
}

test('one draw says it has no spread; several give mean ± std', () => {
  const [, , one, three] = simulationTable([result([0.97]), result([0.96, 0.98, 0.97])]).split('\n');
  assert.match(one, /\| 97\.00 \(1 draw, no spread\) \|/);
  assert.not.match(one, /±/);
  assert.match(three, /\| 97\.00 ± 1\.00 \|/);
});

test.run();
