import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../src/core/backend.ts';
import { Rng } from '../../src/core/rng.ts';
import { idealPeripherals, images, randomNet, simulateWithLogits } from './helpers.ts';
import { conversionsPerGroup, type DataflowKind } from '../../src/dataflows/closed-forms.ts';
import { runQuantizedReference } from '../../src/dnn/quantize.ts';
import { SimulationConfigSchema, type SimulationConfig } from '../../src/chip/simulation-config.ts';
import { simulate } from '../../src/simulator/simulate.ts';
import { loadPeripherals } from '../../src/app/load-peripherals.ts';
import { captureLayerInputs } from '../../src/simulator/simulate.ts';
import { isaacAccumulate, cascadeAccumulate, idealAccumulate } from '../../src/dataflows/functional.ts';

const noiseOff = (overrides: Partial<SimulationConfig>): SimulationConfig =>
  SimulationConfigSchema.parse({ device: { levelBits: 1, onOffRatio: 100, programming: { kind: 'none', sigma: 0 } }, ...overrides });

test('with noise off and converters of sufficient resolution every dataflow reproduces the 8-bit reference exactly', async () => {
  await initBackend('auto');
  const net = randomNet(1);
  const x = images(2, 24, 300);
  const labels = new Uint8Array(24);
  const reference = runQuantizedReference(net, x);
  const cases: Array<[string, Partial<SimulationConfig>]> = [
    ['ideal', { dataflow: 'ideal' }],
    ['isaac', { dataflow: 'isaac', isaacAdcBits: 8 }],
    ['cascade', { dataflow: 'cascade', bufferCellBits: 8, bufferFullScale: 255 }],
    ['neural-pim', { dataflow: 'neural-pim', neuralPimAccumulator: 'ideal', neuralPimAdc: 'exact' }],
  ];
  for (const [name, o] of cases) {
    const cfg = noiseOff(o);
    const { r, logits } = await simulateWithLogits(cfg, net, x, labels, cfg.dataflow === 'neural-pim' ? idealPeripherals : null);
    assert.equal(Array.from(logits), Array.from(reference), `${name} logits`);
    for (const s of r.sinad) assert.ok(s.sinadDb >= 199, `${name} layer ${s.layer} SINAD ${s.sinadDb} dB, expected exact`);
  }
});

test('with device variation the analog paths are no longer exact', async () => {
  const net = randomNet(1);
  const x = images(2, 24, 300);
  const cfg = SimulationConfigSchema.parse({
    dataflow: 'isaac',
    device: { levelBits: 1, onOffRatio: 100, programming: { kind: 'lognormal', sigma: 0.1 } },
  });
  const r = await simulate(cfg, net, { images: x, labels: new Uint8Array(24) }, null);
  assert.ok(
    r.sinad.some((s) => s.sinadDb < 199),
    'variation must show up as finite SINAD',
  );
});

test('results do not depend on how batches are split across worker threads', async () => {
  const net = randomNet(6);
  const x = images(7, 40, 300);
  const labels = new Uint8Array(40);
  const device = { levelBits: 1, onOffRatio: 100, programming: { kind: 'lognormal' as const, sigma: 0.05 }, readNoiseSigma: 0.02 };
  const logits: Float64Array[] = [];
  for (const workers of [1, 2]) {
    const cfg = SimulationConfigSchema.parse({ dataflow: 'isaac', device, batchSize: 5, workers, draws: 2 });
    // Progress counts every batch of every draw once, in order, from either thread.
    const steps: Array<[number, number]> = [];
    await simulate(
      cfg,
      net,
      { images: x, labels },
      null,
      (_stage, done, total) => steps.push([done, total]),
      (_d, l) => logits.push(l),
    );
    assert.equal(
      steps.filter(([done], i) => i === 0 || done !== steps[i - 1][0]).map(([done]) => done),
      Array.from({ length: 17 }, (_, i) => i),
    );
    assert.ok(steps.every(([, total]) => total === 16));
  }
  assert.equal(Array.from(logits[2]), Array.from(logits[0]));
  assert.equal(Array.from(logits[3]), Array.from(logits[1]));
});

test('functional reductions are exact on integer bit lines', () => {
  // One row, one weight column, 2 input slices (D = 1), 8 slices (P_R = 1): d[i][s].
  const g = { slices: 2, n: 1, fanOut: 1, weightSlices: 8, cellBits: 1, dacBits: 1 };
  const d = new Float32Array(16);
  const rng = new Rng(3);
  for (let i = 0; i < 16; i++) d[i] = rng.int(257) - 128;
  let expected = 0;
  for (let i = 0; i < 2; i++) for (let s = 0; s < 8; s++) expected += d[i * 8 + s] * 2 ** (i + s);
  const a = new Float64Array(1);
  idealAccumulate(d, g, a);
  assert.is(a[0], expected);
  const b = new Float64Array(1);
  assert.is(isaacAccumulate(d, g, 8, b), 16);
  assert.is(b[0], expected);
  const c = new Float64Array(1);
  const conv = cascadeAccumulate(d, g, { bufferCellBits: 8, bufferFullScale: 255, adcBits: 12, writeFactors: null }, c);
  assert.is(conv, 2 + 8 - 1);
  assert.is(c[0], expected);
});

test('an ISAAC converter saturates at its top code', () => {
  const g = { slices: 1, n: 1, fanOut: 1, weightSlices: 1, cellBits: 1, dacBits: 1 };
  const acc = new Float64Array(1);
  isaacAccumulate(Float32Array.of(-200), g, 7, acc);
  assert.is(acc[0], -127);
});

test('conversions counted during a run equal the closed forms of docs/reference.md §3', async () => {
  await initBackend('auto');
  const net = randomNet(4);
  const x = images(5, 10, 300);
  const labels = new Uint8Array(10);
  const inputs = captureLayerInputs(net, x);
  for (const kind of ['isaac', 'cascade', 'neural-pim'] as DataflowKind[]) {
    const cfg = noiseOff({ dataflow: kind, neuralPimAccumulator: 'ideal', neuralPimAdc: 'ideal' });
    const dac = kind === 'neural-pim' ? 4 : 1;
    const r = await simulate(cfg, net, { images: x, labels }, kind === 'neural-pim' ? { ...idealPeripherals, converter: 'ideal' } : null);
    const perGroup = conversionsPerGroup(kind, {
      inputBits: 8,
      weightBits: 8,
      outputBits: 8,
      log2Rows: 7,
      cellBits: 1,
      dacBits: dac,
      flipEncoding: false,
    });
    let expected = 0;
    net.layers.forEach((l, i) => {
      if (l.kind !== 'dense') return;
      const rows = inputs.get(i)!.rows;
      expected += rows * l.fanOut * Math.ceil(l.fanIn / 128) * perGroup;
    });
    assert.is(r.conversionsTotal, expected, kind);
  }
});

test.run();

test('Neural-PIM with trained peripherals and die-mismatch corners: the same result whatever the worker count', async () => {
  const net = randomNet(6);
  const x = images(7, 20, 300);
  const labels = new Uint8Array(20);
  const device = { levelBits: 1, onOffRatio: 100, programming: { kind: 'lognormal' as const, sigma: 0.025 } };
  const base = { dataflow: 'neural-pim', device, batchSize: 5 } as const;
  assert.is(SimulationConfigSchema.parse(base).peripheralCorners, 'die-mismatch');
  const peripherals = await loadPeripherals(SimulationConfigSchema.parse(base));
  assert.ok(peripherals.mismatch, 'the committed mismatch distribution is loaded');
  const logits: Float64Array[] = [];
  for (const workers of [1, 2]) {
    const cfg = SimulationConfigSchema.parse({ ...base, workers });
    await simulate(cfg, net, { images: x, labels }, peripherals, undefined, (_d, l) => logits.push(l));
  }
  assert.equal(Array.from(logits[1]), Array.from(logits[0]));
  // Local mismatch changes the circuits: the die's corner alone gives other results.
  const dieOnly = SimulationConfigSchema.parse({ ...base, peripheralCorners: 'random-die' });
  await simulate(dieOnly, net, { images: x, labels }, peripherals, undefined, (_d, l) => logits.push(l));
  assert.not.equal(Array.from(logits[2]), Array.from(logits[0]));
});
