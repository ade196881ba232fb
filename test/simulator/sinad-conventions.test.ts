/**
 * SINAD conventions: noise injected at a peak-referred SINAD S (σ = max|x|/10^(S/20)) measures S
 * peak-referred and about S − 10·log10(max²/mean square) RMS-referred; and the chain measurement
 * (random kernels through exact peripherals at σ = 0) is exact.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../src/core/backend.ts';
import { deepMerge } from '../../src/core/config.ts';
import { SimulationConfigSchema, simulationConfigBase } from '../../src/chip/simulation-config.ts';
import { peakSinadDb, simulate, sinadDb } from '../../src/simulator/simulate.ts';
import { measureChain } from '../../src/simulator/chain.ts';
import { idealPeripherals, images, randomNet } from './helpers.ts';

test('peakSinadDb and sinadDb on a known signal and error', () => {
  const ref = [1, -4, 2, 0];
  const hw = [1.1, -4.1, 2.1, -0.1];
  // Noise power 0.01 per value; signal power (1 + 16 + 4 + 0)/4 = 5.25; peak 4.
  assert.ok(Math.abs(peakSinadDb(ref, hw) - 10 * Math.log10(16 / 0.01)) < 1e-9);
  assert.ok(Math.abs(sinadDb(ref, hw) - 10 * Math.log10((4 * 5.25 + 4 * 0.01) / (4 * 0.01))) < 1e-9);
  assert.is(peakSinadDb(ref, ref), Infinity);
});

test('noise injected at 30 dB peak-referred measures 30 dB peak-referred, and less RMS-referred', async () => {
  await initBackend('auto');
  const cfg = SimulationConfigSchema.parse(deepMerge(simulationConfigBase(), { dataflow: 'ideal', injectSinadDb: 30, workers: 1 }));
  const r = await simulate(cfg, randomNet(2), { images: images(3, 128, 300), labels: new Uint8Array(128) }, null);
  for (const s of r.sinadPeak) assert.ok(Math.abs(s.sinadDb - 30) < 0.5, `${s.layer}: ${s.sinadDb} dB peak-referred`);
  for (const s of r.sinad) assert.ok(s.sinadDb < 28, `${s.layer}: ${s.sinadDb} dB RMS-referred`);
});

test('the chain measurement is exact through exact peripherals at σ = 0, and not at σ > 0', () => {
  const base = { dataflow: 'neural-pim', neuralPimAccumulator: 'ideal', neuralPimAdc: 'exact', workers: 1 };
  const exact = SimulationConfigSchema.parse(deepMerge(simulationConfigBase(), { ...base, device: { programming: { sigma: 0 } } }));
  const o = { kernels: 4, vectors: 16, draws: 2, seed: 3 };
  const r0 = measureChain(exact, idealPeripherals, o);
  assert.equal(
    r0.draws.map((d) => [d.rmsSinadDb, d.peakSinadDb]),
    [
      [200, 200],
      [200, 200],
    ],
  );
  const varied = SimulationConfigSchema.parse(deepMerge(simulationConfigBase(), { ...base, device: { programming: { sigma: 0.05 } } }));
  const r1 = measureChain(varied, idealPeripherals, o);
  assert.ok(r1.rmsSinadMeanDb < 60 && r1.peakSinadMeanDb > r1.rmsSinadMeanDb, JSON.stringify(r1.draws));
});

test.run();
