/**
 * `dnn` benchmark: inference speed of the shipped baseline DNNs on 1000 MNIST images (held-out test
 * images 8000..8999): plain tfjs float inference on the current backend, and the 8-bit integer
 * reference (`runQuantizedReference`, plain JavaScript, one thread) that the accelerator simulator
 * must reproduce.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { MODELS_DIR, PACKAGE_ROOT } from '../src/core/paths.ts';
import { loadMnist, mnistSplit } from '../src/data/mnist.ts';
import { importLayersModel } from '../src/app/import-model.ts';
import { quantizeNetwork, runQuantizedReference } from '../src/dnn/quantize.ts';
import { imagesToTensor } from '../src/dnn/train.ts';
import type { BenchFigure, BenchSection } from './types.ts';

const BATCH = 1000;

/** Repeats `fn` until at least `minSeconds` have passed (after one warm-up call); returns seconds per call. */
function timeIt(fn: () => void, minSeconds = 1): number {
  fn();
  let calls = 0;
  const t0 = performance.now();
  do {
    fn();
    calls++;
  } while (performance.now() - t0 < minSeconds * 1000);
  return (performance.now() - t0) / 1000 / calls;
}

export const dnnBench: BenchSection = {
  name: 'dnn',
  run: async () => {
    const shared = path.resolve(PACKAGE_ROOT, '../shared/datasets/mnist');
    const dataDir = process.env.NPIM_DATA_DIR ?? (existsSync(shared) ? shared : undefined);
    const split = mnistSplit(await loadMnist({ dataDir, download: false }));
    const images = split.heldOut.images.subarray(0, BATCH * 784);
    const figures: BenchFigure[] = [];
    for (const [label, dir] of [
      ['LeNet-5', 'lenet5-mnist'],
      ['MLP 784-256-10', 'mlp-mnist'],
    ] as const) {
      const { model, network } = await importLayersModel(path.join(MODELS_DIR, dir));
      const x = imagesToTensor(images, [28, 28, 1], network.inputScale);
      const tFloat = timeIt(() => tf.tidy(() => (model.predict(x, { batchSize: BATCH }) as tf.Tensor).dataSync()));
      x.dispose();
      const qnet = quantizeNetwork(network, split.calibration.images);
      const tQuant = timeIt(() => runQuantizedReference(qnet, images), 2);
      model.dispose();
      figures.push(
        {
          name: `${label} tfjs float inference`,
          value: BATCH / tFloat,
          unit: 'images/s',
          better: 'higher',
          note: `batch ${BATCH} of split '${split.name}' held-out images, ${tf.getBackend()} backend`,
        },
        {
          name: `${label} 8-bit integer reference`,
          value: BATCH / tQuant,
          unit: 'images/s',
          better: 'higher',
          note: `same images, plain JS, one thread`,
        },
      );
    }
    return figures;
  },
};
