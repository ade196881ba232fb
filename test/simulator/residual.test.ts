/**
 * Residual graphs on the simulated hardware: a small quantized residual CNN (normalized input folded
 * into the first layer, two residual adds, a strided shortcut, a layer spanning several arrays) run
 * with every noise source off reproduces its exact integer reference under every dataflow, and the
 * quantized reference follows the float network.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../src/core/backend.ts';
import { idealPeripherals, pixels, residualNet } from './helpers.ts';
import { quantizeNetwork, runQuantizedReference } from '../../src/dnn/quantize.ts';
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
