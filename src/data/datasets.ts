/**
 * The evaluation data sets as a choice (`--data mnist | cifar10 | DIR`): each gives labelled images to
 * evaluate on and a calibration batch for 8-bit quantization, with one-line descriptions.
 *
 * - `mnist`: the held-out images of the MNIST split and its calibration batch (`mnist.ts`).
 * - `cifar10`: the CIFAR-10 test set (`cifar10.ts`); evaluation runs on test images 0, 1, …; the
 *   calibration batch is test images 0..{@link CIFAR10_CALIBRATION_IMAGES}−1, as in the shared
 *   data's 8-bit reference (there is no training set here, so this is a slight test-set leak; the
 *   reference does the same so figures are comparable).
 * - a directory: CIFAR-10 if it (or its `cifar10/`) holds `test_batch.bin.gz`, else MNIST files.
 */
import { existsSync, statSync } from 'node:fs';
import { ensure, fail } from '../core/errors.ts';
import { CIFAR10_SHAPE, holdsCifar10, loadCifar10 } from './cifar10.ts';
import { MNIST_COLS, MNIST_ROWS, loadMnist, mnistSplit } from './mnist.ts';

/** Data set names `--data` accepts besides a directory. */
export const DATASET_NAMES = ['mnist', 'cifar10'] as const;
/** A named data set. */
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Calibration images of CIFAR-10: test images 0..499. */
export const CIFAR10_CALIBRATION_IMAGES = 500;

/** Labelled images to evaluate on, and the calibration batch. */
export interface EvaluationSet {
  name: DatasetName;
  /** Per-image shape, channels-last. */
  shape: number[];
  /** Evaluation images in order (`count × shape`). */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  /** Calibration images for quantization. */
  calibration: Uint8Array;
  /** Says which images the first `n` evaluation images are, and how calibration was chosen. */
  describe(n: number): string;
}

/** Options of {@link loadEvaluationSet}. */
export interface LoadEvaluationOptions {
  /** MNIST directory (`--data-dir`). */
  mnistDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** A data set choice resolved to its name, directory (if given) and image shape, before any file is read. */
export interface DatasetChoice {
  name: DatasetName;
  dir?: string;
  shape: number[];
}

/** Resolves `--data` (a name or a directory; see the module documentation) without loading anything. */
export function resolveDataset(choice: string): DatasetChoice {
  if ((DATASET_NAMES as readonly string[]).includes(choice)) return withShape(choice as DatasetName);
  if (!existsSync(choice) || !statSync(choice).isDirectory())
    fail(`--data must be ${DATASET_NAMES.join(' or ')} or a directory holding one of them; '${choice}' is neither`);
  return withShape(holdsCifar10(choice) ? 'cifar10' : 'mnist', choice);
}

function withShape(name: DatasetName, dir?: string): DatasetChoice {
  return { name, dir, shape: name === 'cifar10' ? [...CIFAR10_SHAPE] : [MNIST_ROWS, MNIST_COLS, 1] };
}

/** Loads the evaluation set `choice` (a name, a directory, or a resolved choice). */
export async function loadEvaluationSet(choice: string | DatasetChoice, options: LoadEvaluationOptions = {}): Promise<EvaluationSet> {
  const { name, dir } = typeof choice === 'string' ? resolveDataset(choice) : choice;
  if (name === 'cifar10') {
    const data = await loadCifar10(dir, options.env);
    const size = CIFAR10_SHAPE.reduce((a, b) => a * b, 1);
    const cal = Math.min(CIFAR10_CALIBRATION_IMAGES, data.count);
    return {
      name,
      shape: [...CIFAR10_SHAPE],
      images: data.images,
      labels: data.labels,
      count: data.count,
      calibration: data.images.subarray(0, cal * size),
      describe: (n) =>
        `${n} CIFAR-10 test images (0..${n - 1}); 8-bit activation scales calibrated on test images 0..${cal - 1}, as the shared data's reference`,
    };
  }
  const split = mnistSplit(await loadMnist({ dataDir: dir ?? options.mnistDir, env: options.env }));
  const h = split.heldOut;
  return {
    name,
    shape: [MNIST_ROWS, MNIST_COLS, 1],
    images: h.images,
    labels: h.labels,
    count: h.count,
    calibration: split.calibration.images,
    describe: (n) => `${n} held-out MNIST images (${h.source} set ${h.start}..${h.start + n - 1}); ${split.description}`,
  };
}

/**
 * Fails (one line, naming both) unless a model taking `modelShape` inputs can run on `set`. A flat
 * input of the same size as the images (an MLP on MNIST) fits.
 */
export function checkInputShape(modelShape: number[], modelName: string, set: Pick<EvaluationSet, 'name' | 'shape'>): void {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const fits = modelShape.length === 1 ? modelShape[0] === size(set.shape) : modelShape.join(',') === set.shape.join(',');
  ensure(fits, `model ${modelName} takes [${modelShape.join(', ')}] inputs but --data ${set.name} has [${set.shape.join(', ')}] images`);
}
