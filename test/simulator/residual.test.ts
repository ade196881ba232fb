/**
 * Residual graphs on the simulated hardware: a small quantized residual CNN (normalized input folded
 * into the first layer, two residual adds, a strided shortcut, a layer spanning several arrays) run
 * with every noise source off reproduces its exact integer reference under every dataflow; with
 * programming variation every dataflow gives the same numbers on one and on two worker threads, and
 * the ISAAC-style fast path (lookup kernels) equals its plain JavaScript specification; and the
 * quantized reference follows the float network.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../src/core/backend.ts';
import { idealPeripherals, pixels, residualNet, simulateWithLogits } from './helpers.ts';
import { quantizeNetwork, runQuantized, runQuantizedReference, type QuantizedCrossbar } from '../../src/dnn/quantize.ts';
import { lookupDigitalSumsReference } from '../../src/dataflows/lookup-sums.ts';
import { isaacConverterBits } from '../../src/dataflows/isaac.ts';
import { programDraw } from '../../src/simulator/engine.ts';
import { drawSeedOf } from '../../src/mapping/dnn-weights.ts';
import type { SimulationResult } from '../../src/simulator/simulate.ts';
import { loadPeripherals } from '../../src/app/load-peripherals.ts';
import { networkInput, runFloatNetwork } from '../../src/dnn/network.ts';
import { SimulationConfigSchema, type SimulationConfig } from '../../src/chip/simulation-config.ts';
import { simulate } from '../../src/simulator/simulate.ts';

const noiseOff = (overrides: Partial<SimulationConfig>): SimulationConfig =>
  SimulationConfigSchema.parse({ device: { levelBits: 1, onOffRatio: 100, programming: { kind: 'none', sigma: 0 } }, ...overrides });

test('a quantized residual CNN with every noise source off equals its integer reference under every dataflow', async () => {
  await initBackend('auto');
  const float = residualNet(5);
  const net = quantizeNetwork(float, pixels(1, 40));
  // The first layer takes raw pixels: its normalization is folded into weights and a per-position bias.
  const stem = net.layers[0];
  assert.ok(stem.kind === 'conv2d' && stem.inputScaleFrom === 'network input' && stem.positionBias?.length === 36 * 8);
  const x = pixels(2, 12);
  const labels = new Uint8Array(12);
  const reference = runQuantizedReference(net, x);
  const cases: Array<[string, Partial<SimulationConfig>]> = [
    ['ideal', { dataflow: 'ideal' }],
    ['isaac', { dataflow: 'isaac', isaacAdcBits: 8 }],
    ['cascade', { dataflow: 'cascade', bufferCellBits: 8, bufferFullScale: 255 }],
    ['neural-pim', { dataflow: 'neural-pim', neuralPimAccumulator: 'ideal', neuralPimAdc: 'exact' }],
  ];
  for (const [name, o] of cases) {
    const cfg = noiseOff({ ...o, workers: 1 });
    const { r, logits } = await simulateWithLogits(cfg, net, x, labels, cfg.dataflow === 'neural-pim' ? idealPeripherals : null);
    assert.equal(Array.from(logits), Array.from(reference), `${name} logits`);
    assert.equal(r.sinad.length, 7, `${name}: one SINAD per crossbar layer`);
  }
});

test('with programming variation every dataflow gives the same result on 1, 2 and 3 workers, and the ISAAC-style fast path equals its plain specification', async () => {
  await initBackend('auto');
  const net = quantizeNetwork(residualNet(5), pixels(1, 40));
  // Four batches: two workers sum two batches each, so the events' float sums would differ if they
  // were added per worker rather than per batch in batch order.
  const x = pixels(4, 16);
  const labels = new Uint8Array(16);
  const varied = (o: Partial<SimulationConfig>): SimulationConfig =>
    SimulationConfigSchema.parse({
      device: { levelBits: 1, onOffRatio: 100, programming: { kind: 'lognormal', sigma: 0.05 } },
      batchSize: 4,
      ...o,
    });
  const cases: Array<[string, Partial<SimulationConfig>]> = [
    ['isaac', { dataflow: 'isaac', isaacAdcBits: 6 }],
    ['cascade', { dataflow: 'cascade' }],
    ['neural-pim', { dataflow: 'neural-pim' }],
  ];
  // The shipped NNS+A and NNADCs, varied, cornered and calibrated per draw.
  const shipped = await loadPeripherals(varied({ dataflow: 'neural-pim' }));
  for (const [name, o] of cases) {
    const runs: Array<{ r: SimulationResult; logits: Float64Array }> = [];
    for (const workers of [1, 2, 3]) {
      const cfg = varied({ ...o, workers });
      runs.push(await simulateWithLogits(cfg, net, x, labels, name === 'neural-pim' ? shipped : null));
    }
    const [one, ...more] = runs;
    for (const [k, other] of more.entries()) {
      const w = `${name}, ${k + 2} workers`;
      assert.equal(Array.from(other.logits), Array.from(one.logits), `${w}: logits`);
      assert.equal(other.r.sinad, one.r.sinad, `${w}: RMS SINAD`);
      assert.equal(other.r.sinadPeak, one.r.sinadPeak, `${w}: peak SINAD`);
      assert.equal(other.r.events, one.r.events, `${w}: events`);
    }
    // The variation is felt (a test that could not fail otherwise).
    assert.not.equal(Array.from(one.logits), Array.from(runQuantizedReference(net, x)), `${name}: varied`);
  }
  // The plain path: every crossbar product from the JavaScript specification of the lookup sums on
  // the same programmed devices.
  const cfg = varied({ dataflow: 'isaac', isaacAdcBits: 6, workers: 2 });
  const programmed = new Map(programDraw(cfg, net, drawSeedOf(cfg.seed, 0)));
  const bits = isaacConverterBits(cfg, 1, 1);
  const plain = runQuantized(net, x, {
    batchSize: 4,
    matmul: (layer: QuantizedCrossbar, index, codes, rows) => {
      const acc = new Float64Array(rows * layer.fanOut);
      lookupDigitalSumsReference(programmed.get(index)!, 1, 8, bits, codes, rows, acc);
      return acc;
    },
  });
  let fast: Float64Array | null = null;
  await simulate(cfg, net, { images: x, labels }, null, undefined, (_d, l) => (fast = l));
  assert.equal(Array.from(fast!), Array.from(plain), 'isaac fast path vs plain specification');
});

test('the quantized residual reference follows the float network (normalization folded exactly, borders included)', () => {
  const float = residualNet(5);
  const net = quantizeNetwork(float, pixels(1, 40));
  const x = pixels(3, 20);
  const q = runQuantizedReference(net, x);
  const f = runFloatNetwork(float, networkInput(float, x, 20), 20);
  let err = 0;
  let sig = 0;
  for (let i = 0; i < f.length; i++) {
    err += (q[i] - f[i]) ** 2;
    sig += f[i] ** 2;
  }
  // 8-bit weights and activations: a few per cent of the logits' power at most.
  assert.ok(Math.sqrt(err / sig) < 0.05, `relative error ${Math.sqrt(err / sig)}`);
  // Without the folded offset (plain pixel scaling) the first layer would be far off.
  const plain = quantizeNetwork({ ...float, inputNormalization: undefined }, pixels(1, 40));
  const p = runQuantizedReference(plain, x);
  let errPlain = 0;
  for (let i = 0; i < f.length; i++) errPlain += (p[i] - f[i]) ** 2;
  assert.ok(errPlain > 10 * err);
});

test.run();
