/**
 * Training and evaluation of the baseline DNNs, and the `npim train dnn` pipeline
 * (data → model → training → tfjs files → 8-bit quantization → metrics).
 *
 * Training is plain mini-batch Adam on softmax cross-entropy for a fixed number of epochs (no
 * early stopping, so no validation slice is carved out of the training images). It is written as
 * an explicit loop rather than `model.fit` because `fit` shuffles with `Math.random`; here the
 * per-epoch order comes from the run's {@link Rng}, the initializers are seeded, and the wasm
 * backend runs single-threaded, so the same seed gives bit-identical weights.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ensure } from '../core/errors.ts';
import { DNN_INPUT_SCALE } from '../core/defaults.ts';
import { Rng } from '../core/rng.ts';
import { loadMnist, mnistSplit, summarizeSplit, type DataSlice, type SplitSummary } from '../data/mnist.ts';
import { writeJsonAtomic } from '../io/files.ts';
import { info, startProgress } from '../report/progress.ts';
import { extractNetwork } from './import.ts';
import { saveLayersModelToDir } from './model-io.ts';
import { quantizeNetwork, quantizedAccuracy, summarizeQuantized, type QuantizedLayerSummary } from './quantize.ts';
import { registerWasmTrainingKernels } from './wasm-kernels.ts';
import { buildModel, type DnnArch } from './zoo.ts';

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

/** Configuration of {@link trainDnnToDir} (validated by the CLI). */
export interface TrainDnnConfig {
  arch: DnnArch;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** MNIST directory (else NPIM_DATA_DIR, else the package's datasets/mnist). */
  dataDir?: string;
  /** Download missing MNIST files (false: fail with the list of files to place). */
  download: boolean;
  /** Fetch the 60 000 training images when only the test set is present. */
  downloadTraining: boolean;
  /** Output directory for model.json, weights.bin and metrics.json. */
  out: string;
}

/** The content of `metrics.json`. */
export interface DnnMetrics {
  arch: DnnArch;
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: 'adam';
  split: SplitSummary;
  heldOutImages: number;
  /** Accuracy of the float tfjs model on the held-out images. */
  floatAccuracy: number;
  /** Accuracy of the 8-bit integer reference on the same images. */
  quantizedAccuracy: number;
  quantization: {
    weightBits: 8;
    activationBits: 8;
    weightScale: string;
    activationScale: string;
    calibrationImages: number;
    layers: QuantizedLayerSummary[];
  };
  /** Mean training loss per epoch. */
  epochLoss: number[];
  parameters: number;
  /** SHA-256 of weights.bin: equal across runs with the same seed. */
  weightsSha256: string;
  backend: string;
  trainSeconds: number;
  wallTimeSeconds: number;
}

/** Runs the whole `npim train dnn` pipeline and writes the model and metrics.json to `config.out`. */
export async function trainDnnToDir(config: TrainDnnConfig, backend: string): Promise<DnnMetrics> {
  const t0 = performance.now();
  const data = await loadMnist({ dataDir: config.dataDir, download: config.download, downloadTraining: config.downloadTraining });
  const split = mnistSplit(data);
  info(`MNIST from ${data.dir} (${data.source}); split '${split.name}': ${split.description}`);
  const rng = new Rng(config.seed);
  const model = buildModel(config.arch, rng.fork('model'));
  const train = asImageSet(split.train);
  const batches = Math.ceil(train.count / config.batchSize);
  let bar = startProgress(`epoch 1/${config.epochs}`, batches);
  const tTrain = performance.now();
  const epochs = await trainModel(model, train, {
    epochs: config.epochs,
    batchSize: config.batchSize,
    learningRate: config.learningRate,
    rng: rng.fork('shuffle'),
    onBatch: (epoch, b, _n, loss) => bar.update(b, `loss ${loss.toFixed(4)}`),
    onEpoch: (s) => {
      bar.stop();
      info(`epoch ${s.epoch}/${config.epochs}: loss ${s.loss.toFixed(4)} (${s.seconds.toFixed(1)} s)`);
      if (s.epoch < config.epochs) bar = startProgress(`epoch ${s.epoch + 1}/${config.epochs}`, batches);
    },
  });
  const trainSeconds = (performance.now() - tTrain) / 1000;
  info(
    `evaluating on ${split.heldOut.count} held-out images: float, then 8-bit (calibrated on ${split.calibration.count} training images)`,
  );
  const floatAcc = floatAccuracy(model, split.heldOut.images, split.heldOut.labels);
  const qnet = quantizeNetwork(extractNetwork(model, { inputScale: DNN_INPUT_SCALE }), split.calibration.images);
  const qAcc = quantizedAccuracy(qnet, split.heldOut.images, split.heldOut.labels);
  const files = await saveLayersModelToDir(model, config.out, { inputScale: DNN_INPUT_SCALE, arch: config.arch });
  const weightsSha256 = createHash('sha256')
    .update(await fs.readFile(files.weightsBin))
    .digest('hex');
  const metrics: DnnMetrics = {
    arch: config.arch,
    seed: config.seed,
    epochs: config.epochs,
    batchSize: config.batchSize,
    learningRate: config.learningRate,
    optimizer: 'adam',
    split: summarizeSplit(split),
    heldOutImages: split.heldOut.count,
    floatAccuracy: floatAcc,
    quantizedAccuracy: qAcc,
    quantization: {
      weightBits: 8,
      activationBits: 8,
      weightScale: 'per output channel: max |w| → 255, codes in [-255, 255]',
      activationScale: `unsigned codes [0, 255]; first layer uses the pixel codes, others the ${qnet.calibration.percentile}th percentile of their input over the calibration images → 255`,
      calibrationImages: qnet.calibration.images,
      layers: summarizeQuantized(qnet),
    },
    epochLoss: epochs.map((e) => +e.loss.toFixed(6)),
    parameters: model.countParams(),
    weightsSha256,
    backend,
    trainSeconds: +trainSeconds.toFixed(2),
    wallTimeSeconds: +((performance.now() - t0) / 1000).toFixed(2),
  };
  await writeJsonAtomic(path.join(config.out, 'metrics.json'), metrics);
  model.dispose();
  return metrics;
}

function asImageSet(slice: DataSlice): ImageSet {
  return { images: slice.images, labels: slice.labels, count: slice.count };
}
