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
import { Rng } from '../../src/core/rng.ts';
import { idealPeripherals } from './helpers.ts';
import { quantizeNetwork, runQuantized, runQuantizedReference, type QuantizedCrossbar } from '../../src/dnn/quantize.ts';
import { lookupDigitalSumsReference } from '../../src/dataflows/lookup-sums.ts';
import { isaacConverterBits } from '../../src/dataflows/isaac.ts';
import { programDraw } from '../../src/simulator/engine.ts';
import { drawSeedOf } from '../../src/mapping/dnn-weights.ts';
import type { SimulationResult } from '../../src/simulator/simulate.ts';
import { loadPeripherals } from '../../src/app/load-peripherals.ts';
import { networkInput, runFloatNetwork, windowAxis, type FloatNetwork, type Layer } from '../../src/dnn/network.ts';
import { SimulationConfigSchema, type SimulationConfig } from '../../src/chip/simulation-config.ts';
import { simulate } from '../../src/simulator/simulate.ts';

const noiseOff = (overrides: Partial<SimulationConfig>): SimulationConfig =>
  SimulationConfigSchema.parse({ device: { levelBits: 1, onOffRatio: 100, programming: { kind: 'none', sigma: 0 } }, ...overrides });

/** A residual CNN on [6, 6, 3] inputs, ImageNet-style normalized, with seeded weights. */
function residualNet(seed: number): FloatNetwork {
  const rng = new Rng(seed);
  const conv = (name: string, inputShape: number[], cout: number, k: number, stride: number, inputs?: number[]): Layer<Float64Array> => {
    const [H, W, C] = inputShape;
    const y = windowAxis(H, k, stride, 'same');
    const x = windowAxis(W, k, stride, 'same');
    const fanIn = k * k * C;
    return {
      kind: 'conv2d',
      name,
      inputShape,
      outputShape: [y.out, x.out, cout],
      kernelSize: [k, k],
      strides: [stride, stride],
      padding: { top: y.before, bottom: y.after, left: x.before, right: x.after },
      fanIn,
      fanOut: cout,
      weights: Float64Array.from({ length: fanIn * cout }, () => rng.normal() / Math.sqrt(fanIn)),
      bias: Float64Array.from({ length: cout }, () => rng.normal() * 0.1),
      ...(inputs ? { inputs } : {}),
    };
  };
  const relu = (name: string, shape: number[], inputs?: number[]): Layer<Float64Array> => ({
    kind: 'relu',
    name,
    inputShape: shape,
    outputShape: shape,
    ...(inputs ? { inputs } : {}),
  });
  const add = (name: string, shape: number[], inputs: number[]): Layer<Float64Array> => ({
    kind: 'add',
    name,
    inputShape: shape,
    outputShape: shape,
    inputs,
  });
  const s1 = [6, 6, 8];
  const s2 = [3, 3, 16];
  const layers: Layer<Float64Array>[] = [
    conv('stem', [6, 6, 3], 8, 3, 1), // 0
    relu('stem_relu', s1), // 1
    conv('b1_conv1', s1, 8, 3, 1), // 2
    relu('b1_relu', s1), // 3
    conv('b1_conv2', s1, 8, 3, 1), // 4: fan-in 72
    add('b1_add', s1, [4, 1]), // 5
    relu('b1_out', s1), // 6
    conv('b2_conv1', s1, 16, 3, 2), // 7
    relu('b2_relu', s2), // 8
    conv('b2_conv2', s2, 16, 3, 1), // 9: fan-in 144 spans two 128-row arrays
    conv('b2_short', s1, 16, 1, 2, [6]), // 10
    add('b2_add', s2, [9, 10]), // 11
    relu('b2_out', s2), // 12
    {
      kind: 'avgPool',
      name: 'gap',
      inputShape: s2,
      outputShape: [1, 1, 16],
      poolSize: [3, 3],
      strides: [3, 3],
      padding: { top: 0, bottom: 0, left: 0, right: 0 },
    },
    { kind: 'flatten', name: 'flat', inputShape: [1, 1, 16], outputShape: [16] },
    {
      kind: 'dense',
      name: 'fc',
      inputShape: [16],
      outputShape: [5],
      fanIn: 16,
      fanOut: 5,
      weights: Float64Array.from({ length: 80 }, () => rng.normal() / 4),
      bias: Float64Array.from({ length: 5 }, () => rng.normal() * 0.1),
    },
  ];
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  return {
    inputShape: [6, 6, 3],
    inputScale: 1 / 255,
    inputNormalization: {
      channelGain: Float64Array.from(std, (s) => 1 / s),
      offset: Float64Array.from({ length: 108 }, (_, i) => -mean[i % 3] / std[i % 3]),
    },
    layers,
  };
}

function pixels(seed: number, n: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n * 108 }, () => rng.int(256));
}

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
    let logits: Float64Array | null = null;
    const r = await simulate(
      cfg,
      net,
      { images: x, labels },
      cfg.dataflow === 'neural-pim' ? idealPeripherals : null,
      undefined,
      (_d, l) => (logits = l),
    );
    assert.equal(Array.from(logits!), Array.from(reference), `${name} logits`);
    assert.equal(r.sinad.length, 7, `${name}: one SINAD per crossbar layer`);
  }
});

test('with programming variation every dataflow gives the same result on 1 and 2 workers, and the ISAAC-style fast path equals its plain specification', async () => {
  await initBackend('auto');
  const net = quantizeNetwork(residualNet(5), pixels(1, 40));
  const x = pixels(4, 12);
  const labels = new Uint8Array(12);
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
    for (const workers of [1, 2]) {
      const cfg = varied({ ...o, workers });
      let logits: Float64Array | null = null;
      const r = await simulate(cfg, net, { images: x, labels }, name === 'neural-pim' ? shipped : null, undefined, (_d, l) => (logits = l));
      runs.push({ r, logits: logits! });
    }
    const [one, two] = runs;
    assert.equal(Array.from(two.logits), Array.from(one.logits), `${name}: logits`);
    assert.equal(two.r.sinad, one.r.sinad, `${name}: RMS SINAD`);
    assert.equal(two.r.sinadPeak, one.r.sinadPeak, `${name}: peak SINAD`);
    assert.equal(two.r.events, one.r.events, `${name}: events`);
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
