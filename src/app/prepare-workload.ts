/** Loading a DNN and its evaluation data for simulation: the images and the quantized network. */
import { importLayersModel } from './import-model.ts';
import { quantizeNetwork, type QuantizedNetwork } from '../dnn/quantize.ts';
import { checkInputShape, loadEvaluationSet, resolveDataset, type DatasetName } from '../data/datasets.ts';
import { ensure } from '../core/errors.ts';
import { displayPath } from '../core/paths.ts';

/** A quantized network and the images to run it on. */
export interface PreparedWorkload {
  net: QuantizedNetwork;
  /** The data set the images come from. */
  dataset: DatasetName;
  images: Uint8Array;
  labels: Uint8Array;
  /** Which images (for reports). */
  description: string;
}

/**
 * Loads a tfjs Layers model, picks its data (`data`: `mnist`, `cifar10` or a directory; default the
 * data set the model's metadata names, else MNIST), checks that the model's input fits the images,
 * quantizes the model to 8 bits with the data's calibration images, and takes the first `samples`
 * evaluation images.
 */
export async function prepareWorkload(modelDir: string, samples: number, dataDir?: string, data?: string): Promise<PreparedWorkload> {
  const { network, metadata } = await importLayersModel(modelDir);
  const choice = resolveDataset(data ?? metadata?.dataset ?? 'mnist');
  checkInputShape(network.inputShape, displayPath(modelDir), choice);
  const set = await loadEvaluationSet(choice, { mnistDir: dataDir });
  const net = quantizeNetwork(network, set.calibration);
  const n = Math.min(samples, set.count);
  ensure(n >= 1, '--samples must be at least 1');
  const size = set.shape.reduce((a, b) => a * b, 1);
  return {
    net,
    dataset: set.name,
    images: set.images.subarray(0, n * size),
    labels: set.labels.subarray(0, n),
    description: set.describe(n),
  };
}
