/**
 * Residual graphs: a small Keras-format HDF5 file written here (residual Add, batch-norm to fold,
 * ZeroPadding2D + stride-2 conv, conv without bias, global average pooling, dropout, softmax) is
 * imported, and the float64 layer list equals a tfjs float forward pass of the same file.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/core/backend.ts';
import { Rng } from '../../src/core/rng.ts';
import { extractNetwork } from '../../src/dnn/import.ts';
import { kerasToLayersModel } from '../../src/dnn/keras-model.ts';
import { readKerasH5, writeKerasH5, type H5Tensor } from '../../src/io/keras-h5.ts';
import { networkInput, runFloatNetwork, type FloatNetwork } from '../../src/dnn/network.ts';
import { userErrorOf } from './helpers.ts';

test.before(async () => {
  await initBackend('auto');
});

/** A small residual CNN in tfjs, with seeded random weights (batch-norm statistics not trivial). */
function residualModel(seed: number): tf.LayersModel {
  const x = tf.input({ shape: [8, 8, 3], name: 'img' });
  const conv = (name: string, filters: number, k: number, strides = 1, padding: 'same' | 'valid' = 'same', useBias = true) =>
    tf.layers.conv2d({ name, filters, kernelSize: k, strides, padding, useBias });
  const bn = (name: string) => tf.layers.batchNormalization({ name, epsilon: 1e-3 });
  const apply = (l: tf.layers.Layer, t: tf.SymbolicTensor | tf.SymbolicTensor[]) => l.apply(t) as tf.SymbolicTensor;
  const stem = apply(tf.layers.activation({ name: 'stem_relu', activation: 'relu' }), apply(bn('stem_bn'), apply(conv('stem', 4, 3), x)));
  let y = apply(tf.layers.reLU({ name: 'b1_relu' }), apply(bn('b1_bn1'), apply(conv('b1_conv1', 4, 3, 1, 'same', false), stem)));
  y = apply(bn('b1_bn2'), apply(conv('b1_conv2', 4, 3), y));
  const sum = apply(tf.layers.activation({ name: 'b1_out', activation: 'relu' }), apply(tf.layers.add({ name: 'b1_add' }), [y, stem]));
  // Downsampling block: symmetric padding + stride 2 (PyTorch style), shortcut 1×1 stride 2.
  const padded = apply(tf.layers.zeroPadding2d({ name: 'b2_pad', padding: 1 }), sum);
  let z = apply(tf.layers.reLU({ name: 'b2_relu' }), apply(bn('b2_bn1'), apply(conv('b2_conv1', 6, 3, 2, 'valid'), padded)));
  z = apply(bn('b2_bn2'), apply(conv('b2_conv2', 6, 3), z));
  const short = apply(conv('b2_short', 6, 1, 2, 'valid'), sum);
  const out = apply(tf.layers.reLU({ name: 'b2_out' }), apply(tf.layers.add({ name: 'b2_add' }), [z, short]));
  const pooled = apply(tf.layers.dropout({ name: 'drop', rate: 0.5 }), apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), out));
  const logits = apply(tf.layers.dense({ name: 'fc', units: 5, activation: 'softmax' }), pooled);
  const model = tf.model({ inputs: x, outputs: logits });
  const rng = new Rng(seed);
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    layer.setWeights(
      ws.map((w, i) => {
        const data = Float32Array.from({ length: w.size }, () => rng.normal() * 0.4);
        if (layer.getClassName() === 'BatchNormalization' && i === ws.length - 1)
          for (let k = 0; k < data.length; k++) data[k] = 0.3 + Math.abs(data[k]);
        return tf.tensor(data, w.shape);
      }),
    );
  }
  return model;
}

/** The model as Keras 2.4 saves it: its configuration (class 'Functional') and weights by layer. */
async function writeKerasFile(
  model: tf.LayersModel,
  file: string,
  edit?: (config: { config: { layers: Array<Record<string, unknown>> } }) => void,
): Promise<void> {
  const config = model.toJSON(null, false) as unknown as { class_name: string; config: { layers: Array<Record<string, unknown>> } };
  config.class_name = 'Functional';
  edit?.(config);
  const names = ['kernel', 'bias', 'gamma', 'beta', 'moving_mean', 'moving_variance'];
  const weights = new Map<string, H5Tensor[]>();
  for (const layer of model.layers)
    weights.set(
      layer.name,
      layer.getWeights().map((w, i) => ({
        name: layer.getClassName() === 'BatchNormalization' ? names[2 + i] : names[i],
        shape: w.shape,
        values: Float32Array.from(w.dataSync()),
      })),
    );
  await writeKerasH5(file, config, weights);
}

function logitsOf(net: FloatNetwork, codes: Uint8Array, n: number): Float64Array {
  return runFloatNetwork(net, networkInput(net, codes, n), n);
}

test('a Keras residual network read from HDF5 runs as a layer graph equal to the tfjs forward pass of the same file', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-h5-'));
  try {
    const file = path.join(dir, 'res.h5');
    await writeKerasFile(residualModel(3), file);
    const h5 = await readKerasH5(file);
    const model = await kerasToLayersModel(h5.modelConfig, h5.weights, file);
    const net = extractNetwork(model, { inputScale: 1 / 255 });
    // Batch-norms folded, dropout and softmax dropped, ZeroPadding2D folded: 7 crossbar layers, 2 adds.
    assert.equal(net.layers.filter((l) => l.kind === 'conv2d' || l.kind === 'dense').length, 7);
    assert.equal(net.layers.filter((l) => l.kind === 'add').length, 2);
    const b2 = net.layers.find((l) => l.name === 'b2_conv1');
    assert.ok(b2?.kind === 'conv2d');
    // Symmetric one-pixel padding (TensorFlow's 'same' would put it all at the bottom/right).
    if (b2.kind === 'conv2d') assert.equal(b2.padding, { top: 1, bottom: 1, left: 1, right: 1 });
    const n = 6;
    const rng = new Rng(9);
    const codes = Uint8Array.from({ length: n * 8 * 8 * 3 }, () => rng.int(256));
    const ours = logitsOf(net, codes, n);
    const theirs = tf.tidy(() =>
      (
        model.predict(
          tf.tensor(
            Float32Array.from(codes, (c) => c / 255),
            [n, 8, 8, 3],
          ),
        ) as tf.Tensor
      ).dataSync(),
    );
    // tfjs ends in softmax; the layer list returns logits.
    for (let r = 0; r < n; r++) {
      const row = ours.subarray(r * 5, r * 5 + 5);
      const max = Math.max(...row);
      const e = Array.from(row, (v) => Math.exp(v - max));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < 5; j++) assert.ok(Math.abs(e[j] / sum - theirs[r * 5 + j]) < 1e-5, `image ${r} class ${j}`);
    }
    // The original in-memory model gives the same as the one read back from the file.
    const original = residualModel(3);
    const direct = tf.tidy(() =>
      (
        original.predict(
          tf.tensor(
            Float32Array.from(codes, (c) => c / 255),
            [n, 8, 8, 3],
          ),
        ) as tf.Tensor
      ).dataSync(),
    );
    for (let i = 0; i < direct.length; i++) assert.ok(Math.abs(direct[i] - theirs[i]) < 1e-6);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('an unsupported layer in a Keras file is a one-line error naming the layer and its class', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-h5-'));
  try {
    const file = path.join(dir, 'bad.h5');
    await writeKerasFile(residualModel(1), file, (c) => {
      const l = c.config.layers.find((x) => x.name === 'b1_add')!;
      l.class_name = 'Multiply';
    });
    const h5 = await readKerasH5(file);
    assert.match(await userErrorOf(() => kerasToLayersModel(h5.modelConfig, h5.weights, file)), /^unsupported layer 'b1_add' \(Multiply\)/);
    assert.match(await userErrorOf(() => readKerasH5(path.join(dir, 'none.h5'))), /not found/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test.run();
