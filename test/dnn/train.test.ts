import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/core/backend.ts';
import { Rng } from '../../src/core/rng.ts';
import { loadMnist, mnistSplit } from '../../src/data/mnist.ts';
import { floatAccuracy, trainModel, type ImageSet } from '../../src/dnn/train.ts';
import { registerWasmTrainingKernels } from '../../src/dnn/wasm-kernels.ts';
import { buildModel, type DnnArch } from '../../src/dnn/zoo.ts';
import { MNIST_TEST_DIR, mnistAvailable } from './helpers.ts';

let backend = '';
test.before(async () => {
  backend = (await initBackend('auto')).name;
});

test('the wasm filter gradient of conv2d equals the cpu backend’s (same/valid padding, strides 1 and 2)', async () => {
  if (backend !== 'wasm') return;
  registerWasmTrainingKernels();
  const rng = new Rng(8);
  const cases = [
    { x: [2, 9, 7, 3], f: [3, 2, 3, 4], strides: 1, pad: 'same' as const },
    { x: [3, 10, 9, 2], f: [5, 5, 2, 3], strides: 2, pad: 'same' as const },
    { x: [2, 8, 8, 1], f: [3, 3, 1, 2], strides: 2, pad: 'valid' as const },
  ];
  for (const c of cases) {
    const xData = Float32Array.from({ length: c.x.reduce((a, b) => a * b) }, () => rng.normal());
    const fData = Float32Array.from({ length: c.f.reduce((a, b) => a * b) }, () => rng.normal());
    const grads: Float32Array[] = [];
    for (const name of ['cpu', 'wasm']) {
      await tf.setBackend(name);
      const g = tf.tidy(() => {
        const x = tf.tensor4d(xData, c.x as [number, number, number, number]);
        const f = tf.tensor4d(fData, c.f as [number, number, number, number]);
        // Weight the outputs so every output position matters differently.
        const dy = (y: tf.Tensor4D) => tf.sum(tf.mul(y, tf.range(0, y.size).reshape(y.shape).div(y.size)));
        return tf
          .grad((ff: tf.Tensor) => dy(tf.conv2d(x, ff as tf.Tensor4D, c.strides, c.pad)))(f)
          .dataSync() as Float32Array;
      });
      grads.push(g);
    }
    await tf.setBackend('wasm');
    for (let i = 0; i < grads[0].length; i++)
      assert.ok(
        Math.abs(grads[0][i] - grads[1][i]) < 1e-4 * (1 + Math.abs(grads[0][i])),
        `${JSON.stringify(c)} [${i}]: ${grads[0][i]} vs ${grads[1][i]}`,
      );
  }
});

function synthetic(count: number, seed: number): ImageSet {
  // Digit-like blobs: class k lights up a 6×6 block at a class-dependent place, plus noise.
  const rng = new Rng(seed);
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const k = rng.int(10);
    labels[n] = k;
    const oy = 2 + 2 * (k % 5);
    const ox = 4 + 10 * Math.floor(k / 5);
    for (let i = 0; i < 784; i++) images[n * 784 + i] = rng.int(40);
    for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) images[n * 784 + (oy + y) * 28 + ox + x] = 200 + rng.int(56);
  }
  return { images, labels, count };
}

async function trainOnce(arch: DnnArch, seed: number, data: ImageSet, epochs: number): Promise<{ weights: number[][]; losses: number[] }> {
  const rng = new Rng(seed);
  const model = buildModel(arch, rng.fork('model'));
  const summaries = await trainModel(model, data, { epochs, batchSize: 32, learningRate: 1e-3, rng: rng.fork('shuffle') });
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  model.dispose();
  return { weights, losses: summaries.map((s) => s.loss) };
}

test('same seed ⇒ bit-identical weights after training (MLP and LeNet-5); another seed differs', async () => {
  const data = synthetic(192, 1);
  for (const arch of ['mlp', 'lenet5'] as const) {
    const a = await trainOnce(arch, 7, data, 1);
    const b = await trainOnce(arch, 7, data, 1);
    const c = await trainOnce(arch, 8, data, 1);
    assert.equal(a.weights, b.weights, `${arch}: same seed`);
    assert.equal(a.losses, b.losses);
    assert.not.equal(a.weights[0], c.weights[0], `${arch}: different seed`);
  }
});

test('training learns: a small MLP separates the synthetic classes and its loss falls', async () => {
  const data = synthetic(600, 2);
  const rng = new Rng(3);
  const model = buildModel('mlp', rng.fork('model'));
  const s = await trainModel(model, data, { epochs: 3, batchSize: 32, learningRate: 1e-3, rng: rng.fork('shuffle') });
  assert.ok(s[2].loss < s[0].loss, `losses ${s.map((e) => e.loss)}`);
  const test = synthetic(200, 9);
  assert.ok(floatAccuracy(model, test.images, test.labels) > 0.9);
  model.dispose();
});

test('LeNet-5 trained briefly on real MNIST images beats chance by far', async () => {
  if (!mnistAvailable()) return;
  const split = mnistSplit(await loadMnist({ dataDir: MNIST_TEST_DIR, download: false }));
  const rng = new Rng(1);
  const model = buildModel('lenet5', rng.fork('model'));
  const n = 1000;
  await trainModel(
    model,
    { images: split.train.images.subarray(0, n * 784), labels: split.train.labels.subarray(0, n), count: n },
    { epochs: 1, batchSize: 32, learningRate: 2e-3, rng: rng.fork('shuffle') },
  );
  const acc = floatAccuracy(model, split.heldOut.images.subarray(0, 500 * 784), split.heldOut.labels.subarray(0, 500));
  assert.ok(acc > 0.6, `accuracy ${acc}`);
  model.dispose();
});

test.run();
