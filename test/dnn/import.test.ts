import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/core/backend.ts';
import { Rng } from '../../src/core/rng.ts';
import { extractNetwork } from '../../src/dnn/import.ts';
import { importLayersModel } from '../../src/app/import-model.ts';
import { saveLayersModelToDir } from '../../src/io/layers-model.ts';
import { runFloatNetwork } from '../../src/dnn/network.ts';
import { userErrorOf } from './helpers.ts';

test.before(async () => {
  await initBackend('auto');
});

/** Sets every weight of `model` to seeded random values (batch-norm variances positive). */
function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  for (const layer of model.layers) {
    const ws = layer.getWeights().map((w, i) => {
      const data = Float32Array.from({ length: w.size }, () => rng.normal() * 0.3);
      const isVariance = layer.getClassName() === 'BatchNormalization' && i === layer.getWeights().length - 1;
      if (isVariance) for (let k = 0; k < data.length; k++) data[k] = 0.5 + Math.abs(data[k]);
      return tf.tensor(data, w.shape);
    });
    layer.setWeights(ws);
  }
}

function randomInputs(
  n: number,
  size: number,
  seed: number,
): { codes: Uint8Array; values: Float64Array; tensor: (shape: number[]) => tf.Tensor } {
  const rng = new Rng(seed);
  const codes = Uint8Array.from({ length: n * size }, () => rng.int(256));
  const values = Float64Array.from(codes, (c) => c / 255);
  return { codes, values, tensor: (shape) => tf.tensor(Float32Array.from(values), [n, ...shape]) };
}

test('the float layer list reproduces tfjs predictions (conv same/valid/stride 2, batch-norm folded, pools, dropout)', () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [9, 8, 2], filters: 3, kernelSize: [3, 2], strides: 2, padding: 'same', useBias: false }),
      tf.layers.batchNormalization({ epsilon: 1e-3 }),
      tf.layers.reLU(),
      tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      tf.layers.conv2d({ filters: 4, kernelSize: 2, padding: 'valid', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 5 }),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  randomizeWeights(model, 3);
  const net = extractNetwork(model);
  assert.equal(
    net.layers.map((l) => l.kind),
    ['conv2d', 'relu', 'avgPool', 'conv2d', 'relu', 'maxPool', 'flatten', 'dense', 'relu', 'dense'],
  );
  const n = 7;
  const input = randomInputs(n, 9 * 8 * 2, 5);
  const ours = runFloatNetwork(net, input.values, n);
  // The softmax was dropped, so compare against tfjs's logits (its softmax inverted by log + shift).
  const probs = tf.tidy(() => (model.predict(input.tensor([9, 8, 2])) as tf.Tensor).dataSync());
  for (let i = 0; i < n; i++) {
    const ref = Array.from(probs.subarray(i * 3, i * 3 + 3), Math.log);
    const mine = Array.from(ours.subarray(i * 3, i * 3 + 3));
    for (let j = 1; j < 3; j++)
      assert.ok(Math.abs(ref[j] - ref[0] - (mine[j] - mine[0])) < 1e-4, `image ${i} class ${j}: ${ref} vs ${mine}`);
  }
});

test('conv output geometry follows TensorFlow rules', () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same' }),
      tf.layers.conv2d({ filters: 2, kernelSize: 4, strides: 3, padding: 'same' }),
      tf.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'valid' }),
    ],
  });
  const net = extractNetwork(model);
  const shapes = net.layers.map((l) => l.outputShape);
  assert.equal(
    shapes,
    model.layers.map((l) => (l.outputShape as number[]).slice(1)),
  );
  const c1 = net.layers[0];
  assert.ok(c1.kind === 'conv2d');
  if (c1.kind === 'conv2d') {
    assert.equal(c1.padding, { top: 2, bottom: 2, left: 2, right: 2 });
    assert.is(c1.fanIn, 25);
  }
  const c2 = net.layers[1];
  // 28 input, stride 3 → 10 outputs; total padding (10−1)·3 + 4 − 28 = 3 → 1 before, 2 after.
  if (c2.kind === 'conv2d') assert.equal(c2.padding, { top: 1, bottom: 2, left: 1, right: 2 });
});

test('unsupported layers, activations and placements are one-line errors naming the layer and its class', async () => {
  const lstm = tf.sequential({ layers: [tf.layers.lstm({ name: 'rnn1', units: 4, inputShape: [5, 3] }), tf.layers.dense({ units: 2 })] });
  assert.match(await userErrorOf(() => extractNetwork(lstm)), /unsupported layer 'rnn1' \(LSTM\); supported layers: Dense, Conv2D/);
  const deconv = tf.sequential({
    layers: [
      tf.layers.conv2dTranspose({ name: 'up', filters: 2, kernelSize: 3, inputShape: [4, 4, 1] }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2 }),
    ],
  });
  assert.match(await userErrorOf(() => extractNetwork(deconv)), /unsupported layer 'up' \(Conv2DTranspose\)/);
  const sigmoid = tf.sequential({ layers: [tf.layers.dense({ name: 'd1', units: 3, inputShape: [4], activation: 'sigmoid' })] });
  assert.match(await userErrorOf(() => extractNetwork(sigmoid)), /layer 'd1' \(Dense\) uses activation 'sigmoid'/);
  const relu6 = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] }), tf.layers.reLU({ name: 'r6', maxValue: 6 })] });
  assert.match(await userErrorOf(() => extractNetwork(relu6)), /ReLU layer 'r6' caps its output at 6/);
  const midSoftmax = tf.sequential({
    layers: [tf.layers.dense({ name: 'a', units: 3, inputShape: [4], activation: 'softmax' }), tf.layers.dense({ name: 'b', units: 2 })],
  });
  assert.match(await userErrorOf(() => extractNetwork(midSoftmax)), /layer 'b' \(Dense\) follows the softmax in 'a'/);
  const lateBn = tf.sequential({
    layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'relu' }), tf.layers.batchNormalization({ name: 'bn' })],
  });
  assert.match(
    await userErrorOf(() => extractNetwork(lateBn)),
    /batch-norm layer 'bn' \(BatchNormalization\) does not directly follow a dense or conv2d layer without activation/,
  );
  const noFlatten = tf.sequential({ layers: [tf.layers.dense({ name: 'd3', units: 3, inputShape: [4, 4] })] });
  assert.match(await userErrorOf(() => extractNetwork(noFlatten)), /dense layer 'd3' receives a \[4, 4\] input; add a Flatten/);
  const dilated = tf.sequential({
    layers: [tf.layers.conv2d({ name: 'dil', filters: 1, kernelSize: 3, dilationRate: 2, inputShape: [8, 8, 1] })],
  });
  assert.match(await userErrorOf(() => extractNetwork(dilated)), /conv2d layer 'dil' uses dilation 2×2/);
  const x = tf.input({ shape: [4] });
  const branched = tf.model({
    inputs: x,
    outputs: tf.layers
      .concatenate({ name: 'cat' })
      .apply([tf.layers.dense({ units: 4 }).apply(x) as tf.SymbolicTensor, x]) as tf.SymbolicTensor,
  });
  // Branches join only through Add (residual connections).
  assert.match(await userErrorOf(() => extractNetwork(branched)), /^layer 'cat' \(Concatenate\) has 2 inputs; only Add joins branches$/);
});

test('a saved user model with an unsupported layer is rejected on import; an unknown class too', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-import-'));
  try {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2dTranspose({ name: 'tconv', filters: 2, kernelSize: 3, inputShape: [4, 4, 1] }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2 }),
      ],
    });
    await saveLayersModelToDir(model, path.join(dir, 'a'));
    assert.match(await userErrorOf(() => importLayersModel(path.join(dir, 'a'))), /unsupported layer 'tconv' \(Conv2DTranspose\)/);
    const ok = tf.sequential({ layers: [tf.layers.dense({ name: 'fc', units: 2, inputShape: [3] })] });
    await saveLayersModelToDir(ok, path.join(dir, 'b'));
    const jsonPath = path.join(dir, 'b', 'model.json');
    const json = await fs.readFile(jsonPath, 'utf8');
    await fs.writeFile(jsonPath, json.replace(/"class_name": *"Dense"/, '"class_name": "FancyDense"'));
    const msg = await userErrorOf(() => importLayersModel(path.join(dir, 'b')));
    assert.match(msg, /cannot build the model in .*: Unknown layer: FancyDense/);
    assert.not.match(msg, /\n/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test.run();
