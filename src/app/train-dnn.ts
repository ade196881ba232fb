/**
 * The `npim train dnn` pipeline: data → model → training → tfjs files → 8-bit quantization →
 * metrics, written to a model directory (the training loop itself is {@link ../dnn/train.ts}).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DNN_INPUT_SCALE } from '../core/defaults.ts';
import { Rng } from '../core/rng.ts';
import { loadMnist, mnistSplit, summarizeSplit, type DataSlice, type SplitSummary } from '../data/mnist.ts';
import { writeJsonAtomic } from '../io/files.ts';
import { stagedPath } from '../io/result-dir.ts';
import { info, startProgress } from '../io/progress.ts';
import { extractNetwork } from '../dnn/import.ts';
import { saveLayersModelToDir } from '../io/layers-model.ts';
import { quantizeNetwork, quantizedAccuracy, summarizeQuantized, type QuantizedLayerSummary } from '../dnn/quantize.ts';
import { floatAccuracy, trainModel, type ImageSet } from '../dnn/train.ts';
import { buildModel, type DnnArch } from '../dnn/zoo.ts';

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
    .update(await fs.readFile(stagedPath(files.weightsBin)))
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
