/** The simulation table states spread only where there is one. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  attributionTable,
  sigmaAtLoss,
  sigmaSweepPlot,
  simulationMarkdown,
  simulationTable,
  sweepPlot,
} from '../../src/report/simulation-report.ts';
import { renderSvg } from '../../src/report/plot.ts';
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
    events: [],
    sinad: [],
    sinadMeanDb: 40,
    sinadPeak: [],
    sinadPeakMeanDb: 45,
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

test('accuracy sweeps draw the spread over draws as a band and the reference and 1 pp lines', async () => {
  const spec = sweepPlot(
    'Accuracy vs σ',
    'σ',
    [
      { x: 0, accuracy: 0.98, accuracyStd: 0, series: 'isaac' },
      { x: 0.05, accuracy: 0.96, accuracyStd: 0.01, series: 'isaac' },
      { x: 0.1, accuracy: 0.9, accuracyStd: 0.03, series: 'isaac' },
    ],
    'linear',
    0.98,
  );
  const layers = (spec as { layer: Array<{ mark: { type: string } }> }).layer.map((l) => l.mark.type);
  // One label per target line (two targets), so close targets can be placed apart.
  assert.equal(layers, ['errorband', 'line', 'rule', 'text', 'text']);
  const svg = await renderSvg(spec);
  assert.match(svg, /8-bit reference/);
  assert.match(svg, /1 pp below/);
  // Without spread or targets: a plain line plot, as before.
  assert.is((sweepPlot('a', 'b', [{ x: 0, accuracy: 0.9, series: 's' }]) as { mark: { type: string } }).mark.type, 'line');
});

test('the σ sweep plot marks where each dataflow loses 1 point, at the interpolated σ', async () => {
  const sweep = [
    { dataflow: 'isaac' as const, sigma: 0, accuracy: 0.98, accuracyStd: 0, sinadMeanDb: 60 },
    { dataflow: 'isaac' as const, sigma: 0.1, accuracy: 0.975, accuracyStd: 0.002, sinadMeanDb: 40 },
    { dataflow: 'isaac' as const, sigma: 0.2, accuracy: 0.955, accuracyStd: 0.01, sinadMeanDb: 30 },
  ];
  // 98 → 97 % is crossed a quarter of the way from 97.5 % at 0.1 to 95.5 % at 0.2.
  const sigma = sigmaAtLoss(sweep, 0.98)!;
  assert.ok(Math.abs(sigma - 0.125) < 1e-12, `σ ${sigma}`);
  const spec = sigmaSweepPlot({ results: [result([0.98])], sigmaSweep: sweep, sigmaAtOnePointLoss: [{ dataflow: 'isaac', sigma }] });
  const layers = (spec as { layer: Array<{ mark: { type: string }; data: { values: Array<{ x?: number }> } }> }).layer;
  const markers = layers.filter((l) => l.mark.type === 'rule' && l.data.values.some((v) => v.x !== undefined));
  assert.is(markers.length, 1);
  assert.is(markers[0].data.values[0].x, sigma);
  assert.match(await renderSvg(spec), /isaac: −1 pp at σ 0\.125/);
  // Lost already at the smallest σ swept: an upper bound, said so.
  const md = simulationMarkdown({
    workload: 'w',
    model: 'm',
    results: [result([0.98])],
    sigmaSweep: sweep,
    sigmaAtOnePointLoss: [
      { dataflow: 'isaac', sigma },
      { dataflow: 'neural-pim', sigma: 0, atFirstPoint: true },
      { dataflow: 'cascade', sigma: null },
    ],
  });
  assert.match(md, /\| isaac \| 0\.1250 \|/);
  assert.match(md, /\| neural-pim \| ≤ 0\.0000 \(lost at the smallest σ swept\) \|/);
  assert.match(md, /\| cascade \| beyond the sweep \|/);
  assert.match(md, /\| isaac \| 0\.2 \| 95\.50 ± 1\.00 \| 30\.0 \|/);
});

test('the attribution table names the dominant source per layer, and is empty without attribution', () => {
  const r = {
    ...result([0.9]),
    dataflow: 'neural-pim' as const,
    attribution: [
      {
        layer: 'conv1',
        rows: 2048,
        hardwareDb: 20,
        nnsaIdealDb: 30,
        nnadcIdealDb: 21,
        idealPeripheralsDb: 40,
        shares: { 'NNS+A': 0.8, NNADC: 0.15, 'crossbar + 8-bit quantization': 0.05 },
        dominant: 'NNS+A' as const,
      },
    ],
  };
  const [, , row] = attributionTable([r]).split('\n');
  assert.is(row, '| neural-pim | conv1 | 2048 | 20.0 | 30.0 | 21.0 | 40.0 | 80 / 15 / 5 | NNS+A |');
  assert.is(attributionTable([result([0.9])]), '');
});

test.run();
