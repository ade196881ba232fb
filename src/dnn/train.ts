/**
 * Training and evaluation of the baseline DNNs (the `npim train dnn` pipeline that writes a model
 * directory is {@link ../app/train-dnn.ts}).
 *
 * Training is plain mini-batch Adam on softmax cross-entropy for a fixed number of epochs (no
 * early stopping, so no validation slice is carved out of the training images). It is written as
 * an explicit loop rather than `model.fit` because `fit` shuffles with `Math.random`; here the
 * per-epoch order comes from the run's {@link Rng}, the initializers are seeded, and the wasm
 * backend runs single-threaded, so the same seed gives bit-identical weights.
 */
import * as tf from '@tensorflow/tfjs';
import { ensure } from '../core/errors.ts';
import { DNN_INPUT_SCALE } from '../core/defaults.ts';
import type { Rng } from '../core/rng.ts';
import { registerWasmTrainingKernels } from './wasm-kernels.ts';

/** Labelled 8-bit images, `count × prod(shape)` pixels. */
export interface ImageSet {
  images: Uint8Array;
  labels: ArrayLike<number>;
  count: number;
}

/** Options of {@link trainModel}. */
export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Seeds the per-epoch shuffling. */
  rng: Rng;
  /** Real value of one pixel code (the model sees pixel × inputScale). */
  inputScale?: number;
  /** Called after every mini-batch. */
  onBatch?: (epoch: number, batch: number, batches: number, loss: number) => void;
  /** Called after every epoch. */
  onEpoch?: (summary: EpochSummary) => void;
}

/** Per-epoch training figures. */
export interface EpochSummary {
  /** 1-based. */
  epoch: number;
  /** Mean training loss over the epoch's mini-batches. */
  loss: number;
  seconds: number;
}

/** A batch of images as a `[n, ...shape]` float tensor of pixel × inputScale. */
export function imagesToTensor(images: Uint8Array, shape: number[], inputScale = DNN_INPUT_SCALE, indices?: ArrayLike<number>): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const n = indices ? indices.length : images.length / size;
  const data = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const src = (indices ? indices[i] : i) * size;
    for (let k = 0; k < size; k++) data[i * size + k] = images[src + k] * inputScale;
  }
  return tf.tensor(data, [n, ...shape]);
}

/** Trains `model` in place (see the module documentation) and returns per-epoch figures. */
export async function trainModel(model: tf.LayersModel, data: ImageSet, options: TrainOptions): Promise<EpochSummary[]> {
  ensure(Number.isInteger(options.epochs) && options.epochs >= 1, `epochs must be a positive integer, got ${options.epochs}`);
  ensure(Number.isInteger(options.batchSize) && options.batchSize >= 1, `batch size must be a positive integer, got ${options.batchSize}`);
  ensure(options.learningRate > 0 && Number.isFinite(options.learningRate), `learning rate must be positive, got ${options.learningRate}`);
  registerWasmTrainingKernels();
  const shape = model.inputs[0].shape.slice(1) as number[];
  const numClasses = model.outputs[0].shape[model.outputs[0].shape.length - 1] as number;
  const inputScale = options.inputScale ?? DNN_INPUT_SCALE;
  const optimizer = tf.train.adam(options.learningRate);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const order = Array.from({ length: data.count }, (_, i) => i);
  const batches = Math.ceil(data.count / options.batchSize);
  const summaries: EpochSummary[] = [];
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const t0 = performance.now();
    options.rng.shuffle(order);
    let lossSum = 0;
    for (let b = 0; b < batches; b++) {
      const idx = order.slice(b * options.batchSize, (b + 1) * options.batchSize);
      const loss = tf.tidy(() => {
        const xs = imagesToTensor(data.images, shape, inputScale, idx);
        const ys = tf.oneHot(
          tf.tensor1d(
            idx.map((i) => data.labels[i]),
            'int32',
          ),
          numClasses,
        );
        const l = optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar,
          true,
          vars,
        );
        return l!.dataSync()[0];
      });
      ensure(Number.isFinite(loss), `training diverged: loss is ${loss} in epoch ${epoch}, batch ${b + 1}; lower the learning rate`);
      lossSum += loss;
      options.onBatch?.(epoch, b + 1, batches, loss);
    }
    const summary = { epoch, loss: lossSum / batches, seconds: (performance.now() - t0) / 1000 };
    summaries.push(summary);
    options.onEpoch?.(summary);
  }
  optimizer.dispose();
  return summaries;
}

/** Predicted classes of a float tfjs model (first arg-max of its outputs). */
export function predictClasses(model: tf.LayersModel, images: Uint8Array, inputScale = DNN_INPUT_SCALE, batchSize = 500): Int32Array {
  const shape = model.inputs[0].shape.slice(1) as number[];
  const size = shape.reduce((a, b) => a * b, 1);
  ensure(images.length % size === 0, `input has ${images.length} values, not a whole number of ${size}-value images`);
  const count = images.length / size;
  const out = new Int32Array(count);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const pred = tf.tidy(() => {
      const x = imagesToTensor(images.subarray(start * size, (start + n) * size), shape, inputScale);
      return (model.predict(x) as tf.Tensor).argMax(-1).dataSync();
    });
    out.set(pred, start);
  }
  return out;
}

/** Fraction of `labels` a float tfjs model predicts correctly. */
export function floatAccuracy(model: tf.LayersModel, images: Uint8Array, labels: ArrayLike<number>, inputScale = DNN_INPUT_SCALE): number {
  const pred = predictClasses(model, images, inputScale);
  ensure(pred.length === labels.length, `${pred.length} images but ${labels.length} labels`);
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) correct++;
  return correct / pred.length;
}
