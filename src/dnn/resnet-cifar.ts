/**
 * The CIFAR-10 ResNet v1 of He et al. (2016) as PyTorch state dicts name it (CrossSim's
 * `ResNet_cifar10`, `--arch resnet-cifar`), rebuilt as a tfjs Layers model with the state dict's
 * weights, so the rest of the project (import, quantization, simulation) treats it like any tfjs
 * model.
 *
 * Architecture (depth 6n + 2, n basic blocks per stage; the depth comes from the state dict):
 * stem `conv1` 3×3 3→16 (no bias) → `bn1` (ε = 1e-3) → ReLU; stages `res1`, `res2`, `res3` of 16,
 * 32, 64 channels, each `BasicBlock` = `conv1` 3×3 (stride 2 in the first block of res2/res3) →
 * `bn1` → ReLU → `conv2` 3×3 → `bn2` → + shortcut → ReLU, the shortcut being `downsample` (1×1
 * conv, stride 2, no bias, then BN) where the shape changes and the identity elsewhere; head
 * `classifier` = global average pool → flatten → `classifier.2` Linear(64, 10). Batch-norm ε is
 * 1e-5 except the stem's.
 *
 * PyTorch pads a 3×3 stride-2 convolution by one pixel on every side; TensorFlow's 'same' would
 * pad only bottom and right, so those convolutions are written as ZeroPadding2D(1) + 'valid'
 * (the import folds the padding back into the convolution). PyTorch weights `[out, in, kh, kw]`
 * become tfjs kernels `[kh, kw, in, out]`; Linear `[out, in]` becomes `[in, out]`.
 */
import * as tf from '@tensorflow/tfjs';
import { ensure, fail } from '../core/errors.ts';
import type { TorchTensor } from './torch-pth.ts';

/** Architectures `npim import torch --arch` knows. */
export const TORCH_ARCHS = ['resnet-cifar'] as const;

/**
 * ImageNet normalization the CrossSim CIFAR-10 ResNets expect: `x = (pixel/255 − mean)/std` per
 * channel (torchvision ToTensor + Normalize).
 */
export const RESNET_CIFAR_NORMALIZATION = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

/** Builds the tfjs model of a `resnet-cifar` state dict; missing, extra or mis-shaped tensors are one-line errors. */
export function resnetCifarFromStateDict(sd: Map<string, TorchTensor>, source: string): { model: tf.LayersModel; depth: number } {
  const used = new Set<string>();
  const get = (key: string, shape: number[]): TorchTensor => {
    const t = sd.get(key);
    if (!t) fail(`${source}: the state dict has no '${key}'; it is not a resnet-cifar model`);
    ensure(
      t.shape.join(',') === shape.join(','),
      `${source}: '${key}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] for resnet-cifar`,
    );
    used.add(key);
    return t;
  };
  const blocks = new Set([...sd.keys()].filter((k) => k.startsWith('res1.')).map((k) => k.split('.')[1]));
  const n = blocks.size;
  ensure(n >= 1, `${source}: the state dict has no res1 blocks; it is not a resnet-cifar model`);
  const weightsToSet: Array<{ layer: tf.layers.Layer; values: tf.Tensor[] }> = [];

  const convKernel = (key: string, cin: number, cout: number, k: number): tf.Tensor => {
    const t = get(key, [cout, cin, k, k]);
    return tf.tidy(() => tf.tensor4d(Float32Array.from(t.values), [cout, cin, k, k]).transpose([2, 3, 1, 0]));
  };
  const conv = (x: tf.SymbolicTensor, key: string, cin: number, cout: number, k: number, stride: number): tf.SymbolicTensor => {
    const name = key.replaceAll('.', '_');
    let input = x;
    let padding: 'same' | 'valid' = 'same';
    if (stride !== 1) {
      padding = 'valid';
      const pad = (k - 1) / 2;
      if (pad > 0) input = tf.layers.zeroPadding2d({ padding: pad, name: `${name}_pad` }).apply(x) as tf.SymbolicTensor;
    }
    const layer = tf.layers.conv2d({ filters: cout, kernelSize: k, strides: stride, padding, useBias: false, name });
    const y = layer.apply(input) as tf.SymbolicTensor;
    weightsToSet.push({ layer, values: [convKernel(`${key}.weight`, cin, cout, k)] });
    return y;
  };
  const bn = (x: tf.SymbolicTensor, key: string, c: number, epsilon: number): tf.SymbolicTensor => {
    const layer = tf.layers.batchNormalization({ axis: -1, epsilon, name: key.replaceAll('.', '_') });
    const y = layer.apply(x) as tf.SymbolicTensor;
    const part = (p: string) => tf.tensor1d(Float32Array.from(get(`${key}.${p}`, [c]).values));
    weightsToSet.push({ layer, values: [part('weight'), part('bias'), part('running_mean'), part('running_var')] });
    used.add(`${key}.num_batches_tracked`);
    return y;
  };
  const relu = (x: tf.SymbolicTensor, name: string) => tf.layers.reLU({ name }).apply(x) as tf.SymbolicTensor;

  const input = tf.input({ shape: [32, 32, 3], name: 'input' });
  let x = relu(bn(conv(input, 'conv1', 3, 16, 3, 1), 'bn1', 16, 1e-3), 'relu');
  let cin = 16;
  for (const [s, cout] of [16, 32, 64].entries()) {
    for (let b = 0; b < n; b++) {
      const p = `res${s + 1}.${b}`;
      const stride = s > 0 && b === 0 ? 2 : 1;
      let y = relu(bn(conv(x, `${p}.conv1`, cin, cout, 3, stride), `${p}.bn1`, cout, 1e-5), `${p}_relu1`.replaceAll('.', '_'));
      y = bn(conv(y, `${p}.conv2`, cout, cout, 3, 1), `${p}.bn2`, cout, 1e-5);
      const shortcut =
        stride !== 1 || cin !== cout ? bn(conv(x, `${p}.downsample.0`, cin, cout, 1, stride), `${p}.downsample.1`, cout, 1e-5) : x;
      const sum = tf.layers.add({ name: `${p}_add`.replaceAll('.', '_') }).apply([y, shortcut]) as tf.SymbolicTensor;
      x = relu(sum, `${p}_relu2`.replaceAll('.', '_'));
      cin = cout;
    }
  }
  const pooled = tf.layers.globalAveragePooling2d({ name: 'classifier_pool' }).apply(x) as tf.SymbolicTensor;
  const dense = tf.layers.dense({ units: 10, name: 'classifier_2' });
  const logits = dense.apply(pooled) as tf.SymbolicTensor;
  const w = get('classifier.2.weight', [10, 64]);
  weightsToSet.push({
    layer: dense,
    values: [
      tf.tidy(() => tf.tensor2d(Float32Array.from(w.values), [10, 64]).transpose()),
      tf.tensor1d(Float32Array.from(get('classifier.2.bias', [10]).values)),
    ],
  });
  const extra = [...sd.keys()].filter((k) => !used.has(k));
  if (extra.length) fail(`${source}: the state dict has tensors resnet-cifar does not use: ${extra.slice(0, 3).join(', ')}`);
  const model = tf.model({ inputs: input, outputs: logits, name: `resnet${6 * n + 2}_cifar10` });
  for (const { layer, values } of weightsToSet) {
    layer.setWeights(values);
    tf.dispose(values);
  }
  return { model, depth: 6 * n + 2 };
}
