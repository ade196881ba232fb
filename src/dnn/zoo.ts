/**
 * Baseline DNNs for MNIST, as tfjs Layers models. Every model takes `[28, 28, 1]` images scaled to
 * [0, 1] (pixel / 255) and outputs 10 logits (no softmax: the loss applies it, and the quantized
 * reference compares logits). Every initializer is seeded from the run's {@link Rng} and every
 * layer has a fixed name, so the same seed gives the same model and the same `model.json`.
 *
 * - `mlp`: flatten → dense 256 ReLU → dense 10 (784-256-10, 203 530 parameters).
 * - `lenet5`: conv 5×5×6 'same' ReLU → max-pool 2 → conv 5×5×16 'valid' ReLU → max-pool 2 →
 *   flatten → dense 120 ReLU → dense 84 ReLU → dense 10 (61 706 parameters). The first
 *   convolution uses 'same' padding because the original LeNet-5 took 32×32 inputs (MNIST padded
 *   by 2); padding 28×28 by 2 gives the same 28×28×6 → 14×14×6 → 10×10×16 → 5×5×16 geometry.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng.ts';
import { fail } from '../core/errors.ts';

/** Architectures of the zoo. */
export const DNN_ARCHS = ['mlp', 'lenet5'] as const;
/** A zoo architecture name. */
export type DnnArch = (typeof DNN_ARCHS)[number];

/** Input shape of every zoo model. */
export const MNIST_INPUT_SHAPE = [28, 28, 1];

/** Builds the named architecture with initializers seeded from `rng`. */
export function buildModel(arch: DnnArch, rng: Rng): tf.Sequential {
  switch (arch) {
    case 'mlp':
      return buildMlp(rng);
    case 'lenet5':
      return buildLenet5(rng);
    default:
      fail(`unknown architecture '${String(arch)}'; expected one of ${DNN_ARCHS.join(', ')}`);
  }
}

type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** Glorot-uniform kernels, zero biases (the Keras defaults), with seeds from `rng`. */
function init(rng: Rng): { kernelInitializer: Initializer; biasInitializer: Initializer } {
  return { kernelInitializer: tf.initializers.glorotUniform({ seed: rng.nextSeed() }), biasInitializer: tf.initializers.zeros() };
}

/** MLP 784-256-10 with ReLU. */
export function buildMlp(rng: Rng): tf.Sequential {
  const r = rng.fork('mlp-init');
  return tf.sequential({
    name: 'mlp',
    layers: [
      tf.layers.flatten({ name: 'flatten', inputShape: MNIST_INPUT_SHAPE }),
      tf.layers.dense({ name: 'fc1', units: 256, activation: 'relu', ...init(r) }),
      tf.layers.dense({ name: 'fc2', units: 10, ...init(r) }),
    ],
  });
}

/** LeNet-5 (see the module documentation for the padding choice). */
export function buildLenet5(rng: Rng): tf.Sequential {
  const r = rng.fork('lenet5-init');
  return tf.sequential({
    name: 'lenet5',
    layers: [
      tf.layers.conv2d({
        name: 'conv1',
        inputShape: MNIST_INPUT_SHAPE,
        filters: 6,
        kernelSize: 5,
        padding: 'same',
        activation: 'relu',
        ...init(r),
      }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
      tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu', ...init(r) }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'fc1', units: 120, activation: 'relu', ...init(r) }),
      tf.layers.dense({ name: 'fc2', units: 84, activation: 'relu', ...init(r) }),
      tf.layers.dense({ name: 'fc3', units: 10, ...init(r) }),
    ],
  });
}
