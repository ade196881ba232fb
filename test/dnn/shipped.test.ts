import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../../src/core/backend.ts';
import { MODELS_DIR } from '../../src/core/paths.ts';
import { loadMnist, mnistSplit, type MnistSplit } from '../../src/data/mnist.ts';
import { importLayersModel } from '../../src/app/import-model.ts';
import { exactMatmul, quantizeNetwork, quantizedAccuracy, type QuantizedNetwork } from '../../src/dnn/quantize.ts';
import { floatAccuracy } from '../../src/dnn/train.ts';
import { MNIST_TEST_DIR, mnistAvailable } from './helpers.ts';

let split: MnistSplit | null = null;
let backend = '';
test.before(async () => {
  backend = (await initBackend('auto')).name;
  if (mnistAvailable()) split = mnistSplit(await loadMnist({ dataDir: MNIST_TEST_DIR, download: false }));
});

async function readMetrics(
  dir: string,
): Promise<Record<string, unknown> & { floatAccuracy: number; quantizedAccuracy: number; split: { name: string }; weightsSha256: string }> {
  return JSON.parse(await fs.readFile(path.join(MODELS_DIR, dir, 'metrics.json'), 'utf8'));
}

for (const [dir, arch, minFloat] of [
  ['lenet5-mnist', 'lenet5', 0.97],
  ['mlp-mnist', 'mlp', 0.94],
] as const) {
  test(`${dir}: shipped files, metrics and weights agree`, async () => {
    const m = await readMetrics(dir);
    assert.is(m.arch, arch);
    assert.ok(m.floatAccuracy >= minFloat, `float accuracy ${m.floatAccuracy}`);
    const bytes = await fs.readFile(path.join(MODELS_DIR, dir, 'weights.bin'));
    assert.is(createHash('sha256').update(bytes).digest('hex'), m.weightsSha256);
  });

  test(`${dir}: re-evaluating the shipped model reproduces metrics.json exactly; codes in range`, async () => {
    if (!split) return;
    const m = await readMetrics(dir);
    if (m.split.name !== split.name) {
      console.log(`note: ${dir} was trained on split '${m.split.name}', this machine has '${split.name}'; not re-evaluated`);
      return;
    }
    const { model, network } = await importLayersModel(path.join(MODELS_DIR, dir));
    const q: QuantizedNetwork = quantizeNetwork(network, split.calibration.images);
    for (const l of q.layers) {
      if (l.kind !== 'dense' && l.kind !== 'conv2d') continue;
      assert.ok(
        l.weights.every((w) => Number.isInteger(w) && w >= -255 && w <= 255),
        `${l.name} weight codes`,
      );
    }
    const fAcc = floatAccuracy(model, split.heldOut.images, split.heldOut.labels);
    const codeRange = new Map<number, [number, number]>();
    const qAcc = quantizedAccuracy(q, split.heldOut.images, split.heldOut.labels, {
      matmul: (layer, i, codes, rows) => {
        const [lo, hi] = codeRange.get(i) ?? [Infinity, -Infinity];
        let a = lo;
        let b = hi;
        for (const c of codes) {
          if (c < a) a = c;
          if (c > b) b = c;
        }
        codeRange.set(i, [a, b]);
        return exactMatmul(layer, i, codes, rows);
      },
    });
    // The shipped figures were measured on wasm; another backend may flip a near-tie.
    if (backend === 'wasm') assert.is(fAcc, m.floatAccuracy);
    else assert.ok(Math.abs(fAcc - m.floatAccuracy) <= 0.001, `float ${fAcc} vs ${m.floatAccuracy}`);
    assert.is(qAcc, m.quantizedAccuracy);
    // 8-bit quantization costs at most about one percentage point.
    assert.ok(Math.abs(qAcc - fAcc) <= 0.01, `float ${fAcc}, 8-bit ${qAcc}`);
    for (const [i, [lo, hi]] of codeRange) {
      assert.ok(lo >= 0 && hi <= 255 && Number.isInteger(lo) && Number.isInteger(hi), `layer ${i} activation codes ${lo}..${hi}`);
      assert.is(hi, 255, `layer ${i} uses the full code range`);
    }
    model.dispose();
  });
}

test('resnet20-cifar10: shipped files, metrics, metadata and layer graph agree', async () => {
  const dir = path.join(MODELS_DIR, 'resnet20-cifar10');
  const m = JSON.parse(await fs.readFile(path.join(dir, 'metrics.json'), 'utf8')) as {
    source: string;
    arch: string;
    crossbarLayers: number;
    adds: number;
    inputShape: number[];
    dataset: string;
    floatAccuracy: { top1: number; images: number };
    int8Accuracy: { top1: number; images: number };
    weightsSha256: string;
  };
  const bytes = await fs.readFile(path.join(dir, 'weights.bin'));
  assert.is(createHash('sha256').update(bytes).digest('hex'), m.weightsSha256);
  assert.equal([m.source, m.arch, m.dataset, m.inputShape], ['resnet20_cifar10.pth', 'resnet20-cifar', 'cifar10', [32, 32, 3]]);
  // The shared data's independent reference on the same pixels: 79.80 %; 8-bit within 1 pp of float.
  assert.is(m.floatAccuracy.images, 10000);
  assert.ok(Math.abs(m.floatAccuracy.top1 - 0.798) < 0.001, `float ${m.floatAccuracy.top1}`);
  assert.ok(Math.abs(m.int8Accuracy.top1 - m.floatAccuracy.top1) < 0.01, `8-bit ${m.int8Accuracy.top1}`);
  const { model, network, metadata } = await importLayersModel(dir);
  assert.is(network.layers.filter((l) => l.kind === 'dense' || l.kind === 'conv2d').length, m.crossbarLayers);
  assert.is(network.layers.filter((l) => l.kind === 'add').length, m.adds);
  assert.equal([metadata?.dataset, metadata?.floatAccuracy?.top1], ['cifar10', m.floatAccuracy.top1]);
  assert.ok(network.inputNormalization, 'the ImageNet normalization travels with the model');
  model.dispose();
});

test.run();
