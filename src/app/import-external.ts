/**
 * `npim import keras | torch`: a model trained elsewhere turned into the project's model format (a
 * tfjs Layers directory whose `npim` metadata records the input scale and normalization, the data
 * set, the source file and the float accuracy), after checking that every layer is one the
 * accelerator can run, and with its float top-1 measured by a plain tfjs forward pass.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ensure, fail } from '../core/errors.ts';
import { DNN_INPUT_SCALE } from '../core/defaults.ts';
import { extractNetwork, SUPPORTED_LAYER_CLASSES } from '../dnn/import.ts';
import { argmaxRows, isCrossbar, networkInput, runFloatNetwork, shapeSize, type FloatNetwork } from '../dnn/network.ts';
import { kerasToLayersModel } from '../dnn/keras-model.ts';
import { predictQuantized, quantizeNetwork } from '../dnn/quantize.ts';
import { readTorchStateDict } from '../dnn/torch-pth.ts';
import { RESNET_CIFAR_NORMALIZATION, resnetCifarFromStateDict, TORCH_ARCHS } from '../dnn/resnet-cifar.ts';
import { readKerasH5 } from '../io/keras-h5.ts';
import { saveLayersModelToDir, type NpimModelMetadata } from '../io/layers-model.ts';
import { writeJsonAtomic } from '../io/files.ts';
import { startProgress } from '../io/progress.ts';
import { checkInputShape, loadEvaluationSet, resolveDataset } from '../data/datasets.ts';
import { readNpy } from '../data/npy.ts';

/** Options shared by both imports. */
export interface ExternalImportOptions {
  /** Output model directory. */
  out: string;
  /** Evaluation data (`mnist`, `cifar10` or a directory); default from the input shape. */
  data?: string;
  /** Images for the float accuracy (default: all). */
  samples?: number;
  /** Images on which the float64 layer-list forward pass is compared with tfjs (default 50). */
  check?: number;
  /** Also measure the exact 8-bit reference (dnn/quantize.ts) on this many images (default 0: not measured). */
  int8Samples?: number;
}

/** What an import did. */
export interface ExternalImportResult {
  out: string;
  source: string;
  kind: 'keras' | 'torch';
  arch: string;
  /** Crossbar (dense/conv2d) layers, all layers of the layer list, and residual adds. */
  crossbarLayers: number;
  layers: number;
  adds: number;
  inputShape: number[];
  dataset: string;
  /** Float top-1 of the tfjs forward pass. */
  floatAccuracy: { images: number; top1: number; correct: number };
  /** Top-1 of the exact 8-bit integer reference, when asked for (`int8Samples`). */
  int8Accuracy?: { images: number; top1: number; correct: number; calibrationImages: number };
  /** The project's float64 layer-list forward pass (batch-norm folded) against tfjs on the first images. */
  agreement: { images: number; sameClass: number; maxAbsDifference: number };
  description: string;
}

/** Imports a Keras HDF5 model; `meanImage` is a `.npy` per-pixel mean subtracted from the pixels (default: `x_train_mean.npy` beside the file, if present). */
export async function importKeras(
  file: string,
  options: ExternalImportOptions & { meanImage?: string; inputScale?: number },
): Promise<ExternalImportResult> {
  const h5 = await readKerasH5(file);
  const model = await kerasToLayersModel(h5.modelConfig, h5.weights, file);
  const inputScale = options.inputScale ?? DNN_INPUT_SCALE;
  const network = extractNetwork(model, { inputScale });
  const besides = path.join(path.dirname(file), 'x_train_mean.npy');
  const meanFile = options.meanImage ?? ((await exists(besides)) ? besides : undefined);
  if (meanFile) {
    const mean = await readNpy(meanFile);
    ensure(
      mean.values.length === shapeSize(network.inputShape),
      `mean image ${meanFile} has shape [${mean.shape.join(', ')}]; the model's input is [${network.inputShape.join(', ')}]`,
    );
    // x = (pixel − mean) × inputScale: the offset is −mean × inputScale.
    network.inputNormalization = {
      channelGain: new Float64Array(network.inputShape[network.inputShape.length - 1]).fill(1),
      offset: mean.values.map((m) => -m * inputScale),
    };
  }
  const arch = `keras:${String((h5.modelConfig.config as { name?: unknown }).name ?? 'model')}`;
  return finishImport(model, network, file, 'keras', arch, options);
}

/** Imports a PyTorch state dict of a named architecture (`resnet-cifar`). */
export async function importTorch(file: string, arch: string, options: ExternalImportOptions): Promise<ExternalImportResult> {
  const { model, network, depth } = await loadTorchNetwork(file, arch);
  return finishImport(model, network, file, 'torch', `resnet${depth}-cifar`, options);
}

/**
 * A PyTorch state dict of a named architecture as a tfjs model and the layer list with its input
 * preprocessing, without evaluating it (the first half of {@link importTorch}).
 */
export async function loadTorchNetwork(
  file: string,
  arch: string,
): Promise<{ model: tf.LayersModel; network: FloatNetwork; depth: number }> {
  if (!(TORCH_ARCHS as readonly string[]).includes(arch)) fail(`unknown --arch '${arch}' (known: ${TORCH_ARCHS.join(', ')})`);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    fail(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const { model, depth } = resnetCifarFromStateDict(readTorchStateDict(bytes, file), file);
  const network = extractNetwork(model, { inputScale: DNN_INPUT_SCALE });
  const { mean, std } = RESNET_CIFAR_NORMALIZATION;
  const size = shapeSize(network.inputShape);
  // x = (pixel/255 − mean_c)/std_c = pixel × (1/255) × (1/std_c) − mean_c/std_c.
  network.inputNormalization = {
    channelGain: Float64Array.from(std, (s) => 1 / s),
    offset: Float64Array.from({ length: size }, (_, i) => -mean[i % 3] / std[i % 3]),
  };
  return { model, network, depth };
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/** tfjs forward pass of `model` on `count` images given as 8-bit codes, preprocessed as `network` says. */
export function tfjsPredict(model: tf.LayersModel, network: FloatNetwork, codes: Uint8Array, count: number, batch = 100): Float32Array {
  const size = shapeSize(network.inputShape);
  const out: Float32Array[] = [];
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const x = Float32Array.from(networkInput(network, codes.subarray(start * size, (start + n) * size), n));
    const y = tf.tidy(() => (model.predict(tf.tensor(x, [n, ...network.inputShape])) as tf.Tensor).dataSync() as Float32Array);
    out.push(Float32Array.from(y));
  }
  const all = new Float32Array(out.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const o of out) {
    all.set(o, at);
    at += o.length;
  }
  return all;
}

/** Whether the model's output goes through a softmax (which the layer list drops). */
function endsInSoftmax(model: tf.LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  const cfg = last.getConfig() as { activation?: unknown };
  return last.getClassName() === 'Softmax' || cfg.activation === 'softmax';
}

function softmaxRows(values: Float64Array, cols: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let r = 0; r < values.length / cols; r++) {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, values[r * cols + j]);
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += out[r * cols + j] = Math.exp(values[r * cols + j] - max);
    for (let j = 0; j < cols; j++) out[r * cols + j] /= sum;
  }
  return out;
}

async function finishImport(
  model: tf.LayersModel,
  network: FloatNetwork,
  file: string,
  kind: 'keras' | 'torch',
  arch: string,
  options: ExternalImportOptions,
): Promise<ExternalImportResult> {
  const shape = network.inputShape;
  const defaultData = shape.join(',') === '32,32,3' ? 'cifar10' : 'mnist';
  const choice = resolveDataset(options.data ?? defaultData);
  checkInputShape(shape, path.basename(file), choice);
  const set = await loadEvaluationSet(choice);
  const count = Math.min(options.samples ?? set.count, set.count);
  ensure(count >= 1, '--samples must be at least 1');
  const classes = shapeSize(network.layers[network.layers.length - 1].outputShape);

  // Float top-1 of the tfjs forward pass.
  const bar = startProgress(`import: float accuracy (tfjs) on ${count} ${set.name} images`, count);
  let correct = 0;
  const step = 500;
  for (let start = 0; start < count; start += step) {
    const n = Math.min(step, count - start);
    const size = shapeSize(shape);
    const y = tfjsPredict(model, network, set.images.subarray(start * size, (start + n) * size), n);
    const pred = argmaxRows(y, n, classes);
    for (let i = 0; i < n; i++) if (pred[i] === set.labels[start + i]) correct++;
    bar.update(start + n);
  }
  bar.stop();

  // The layer list's float64 forward pass against tfjs on the first images.
  const checkCount = Math.min(options.check ?? 50, count);
  const codes = set.images.subarray(0, checkCount * shapeSize(shape));
  const ours = runFloatNetwork(network, networkInput(network, codes, checkCount), checkCount);
  const theirs = tfjsPredict(model, network, codes, checkCount);
  const comparable = endsInSoftmax(model) ? softmaxRows(ours, classes) : ours;
  let maxAbs = 0;
  for (let i = 0; i < comparable.length; i++) maxAbs = Math.max(maxAbs, Math.abs(comparable[i] - theirs[i]));
  const a = argmaxRows(ours, checkCount, classes);
  const b = argmaxRows(theirs, checkCount, classes);
  let same = 0;
  for (let i = 0; i < checkCount; i++) if (a[i] === b[i]) same++;

  // The exact 8-bit reference, calibrated on the data set's calibration images.
  let int8: ExternalImportResult['int8Accuracy'];
  if (options.int8Samples) {
    const n8 = Math.min(options.int8Samples, set.count);
    const size = shapeSize(shape);
    const qnet = quantizeNetwork(network, set.calibration);
    const bar8 = startProgress(`import: 8-bit reference on ${n8} images`, n8);
    let ok = 0;
    for (let start = 0; start < n8; start += 100) {
      const n = Math.min(100, n8 - start);
      const pred = predictQuantized(qnet, set.images.subarray(start * size, (start + n) * size));
      for (let i = 0; i < n; i++) if (pred[i] === set.labels[start + i]) ok++;
      bar8.update(start + n);
    }
    bar8.stop();
    int8 = { images: n8, top1: ok / n8, correct: ok, calibrationImages: qnet.calibration.images };
  }

  const bytes = await fs.readFile(file);
  const norm = network.inputNormalization;
  const metadata: NpimModelMetadata = {
    inputScale: network.inputScale,
    arch,
    ...(norm ? { inputNormalization: { channelGain: [...norm.channelGain], offset: [...norm.offset] } } : {}),
    dataset: set.name,
    importedFrom: { kind, file: path.basename(file), sha256: createHash('sha256').update(bytes).digest('hex') },
    floatAccuracy: { data: set.name, images: count, top1: correct / count },
    ...(int8 ? { int8Accuracy: { data: set.name, images: int8.images, top1: int8.top1 } } : {}),
  };
  const saved = await saveLayersModelToDir(model, options.out, metadata);
  const crossbars = network.layers.filter(isCrossbar).length;
  const adds = network.layers.filter((l) => l.kind === 'add').length;
  const result: ExternalImportResult = {
    out: options.out,
    source: file,
    kind,
    arch,
    crossbarLayers: crossbars,
    layers: network.layers.length,
    adds,
    inputShape: shape,
    dataset: set.name,
    floatAccuracy: { images: count, top1: correct / count, correct },
    ...(int8 ? { int8Accuracy: int8 } : {}),
    agreement: { images: checkCount, sameClass: same, maxAbsDifference: maxAbs },
    description: set.describe(count),
  };
  // metrics.json beside the model, as the shipped models have: the import's figures without this
  // machine's paths, and the SHA-256 of the source file and of the weights written.
  const { out: _out, source: _source, ...figures } = result;
  void _out;
  void _source;
  await writeJsonAtomic(path.join(options.out, 'metrics.json'), {
    source: path.basename(file),
    sourceSha256: metadata.importedFrom!.sha256,
    ...figures,
    weightsSha256: saved.weightsSha256,
  });
  return result;
}

/** Layer classes an import accepts, for help texts. */
export const IMPORT_LAYER_CLASSES = SUPPORTED_LAYER_CLASSES.filter((c) => c !== 'InputLayer');
