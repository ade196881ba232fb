/** Loading a DNN and MNIST for simulation: the held-out images and the quantized network. */
import { importLayersModel } from './import-model.ts';
import { quantizeNetwork, type QuantizedNetwork } from '../dnn/quantize.ts';
import { loadMnist, mnistSplit, type MnistSplit } from '../data/mnist.ts';
import { ensure } from '../core/errors.ts';

/** A quantized network and the images to run it on. */
export interface PreparedWorkload {
  net: QuantizedNetwork;
  split: MnistSplit;
  images: Uint8Array;
  labels: Uint8Array;
  /** Which images (for reports). */
  description: string;
}

/**
 * Loads a tfjs Layers model, quantizes it to 8 bits with the split's calibration images, and takes
 * the first `samples` held-out images.
 */
export async function prepareWorkload(modelDir: string, samples: number, dataDir?: string): Promise<PreparedWorkload> {
  const data = await loadMnist({ dataDir });
  const split = mnistSplit(data);
  const { network } = await importLayersModel(modelDir);
  const net = quantizeNetwork(network, split.calibration.images);
  const n = Math.min(samples, split.heldOut.count);
  ensure(n >= 1, '--samples must be at least 1');
  const size = split.heldOut.rows * split.heldOut.cols;
  return {
    net,
    split,
    images: split.heldOut.images.subarray(0, n * size),
    labels: split.heldOut.labels.subarray(0, n),
    description: `${n} held-out MNIST images (${split.heldOut.source} set ${split.heldOut.start}..${split.heldOut.start + n - 1}); ${split.description}`,
  };
}
