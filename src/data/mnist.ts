/**
 * MNIST: locating, verifying, downloading and splitting the standard IDX files.
 *
 * **Where the files are.** The data directory is, in order of precedence: the `--data-dir` option,
 * the `NPIM_DATA_DIR` environment variable, `datasets/mnist/` inside the package. It must hold the
 * standard gzip files under their standard names; a directory that holds none of them but has a
 * `mnist/` subdirectory is taken to mean that subdirectory (so NPIM_DATA_DIR may name either).
 *
 * **Checksums.** Every file is checked against the published MD5 of the standard distribution
 * (and, for the test files, the SHA-256 of the shared copy) each time it is read; it costs a few
 * milliseconds and rules out silently training on a damaged or different file.
 *
 * **Downloads.** When the test files are missing, or the training files are wanted and missing,
 * the missing standard files are fetched from the CVDF mirror, verified, and written atomically.
 * Only the test files present and no training file: the test-only split is used and nothing is
 * downloaded, so the split never depends on whether the network happens to be up
 * (`downloadTraining` asks for the training files explicitly).
 *
 * **Splits** ({@link mnistSplit}, the single definition used by every command):
 * - `standard` (all four files present): train on the 60 000 training images; the held-out set
 *   is the last 2 000 test images (test indices 8000..9999), so held-out figures are comparable
 *   with the test-only split.
 * - `test-only` (only the 10 000 test images): train on test images 0..7999, hold out test
 *   images 8000..9999.
 * In both, the quantization calibration batch is the first 1 000 training images of the split
 * (never held-out data). There is no validation slice: training runs a fixed number of epochs
 * without early stopping.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { ensure, fail } from '../core/errors.ts';
import { DATASETS_DIR } from '../core/paths.ts';
import { writeFileAtomic } from '../io/files.ts';
import { startProgress } from '../io/progress.ts';
import { decodeIdx, pairImagesAndLabels, type LabelledImages } from './idx.ts';

/** One standard MNIST file and its published checksums (of the gzip file as distributed). */
export interface MnistFile {
  name: string;
  md5: string;
  /** SHA-256, where known. */
  sha256?: string;
}

/** The four standard files. */
export const MNIST_FILES = {
  trainImages: { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
  trainLabels: { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
  testImages: {
    name: 't10k-images-idx3-ubyte.gz',
    md5: '9fb629c4189551a2d022fa330f9573f3',
    sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
  },
  testLabels: {
    name: 't10k-labels-idx1-ubyte.gz',
    md5: 'ec29112dd5afa0611ce80d1b7f02629c',
    sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
  },
} as const satisfies Record<string, MnistFile>;

/** Mirror the missing files are downloaded from (the original yann.lecun.com site is gone). */
export const MNIST_MIRROR = 'https://storage.googleapis.com/cvdf-datasets/mnist/';

/** Image height of MNIST, pixels. */
export const MNIST_ROWS = 28;
/** Image width of MNIST, pixels. */
export const MNIST_COLS = 28;
/** Number of MNIST classes (digits 0..9). */
export const MNIST_CLASSES = 10;

/** The split's sizes, written down once. */
export const MNIST_SPLIT_SIZES = {
  /** Test-only split: test images [0, 8000) train. */
  testOnlyTrain: 8000,
  /** Held-out images: test images [8000, 10000) in both splits. */
  heldOutStart: 8000,
  heldOutEnd: 10000,
  /** Calibration batch for activation quantization: the first images of the training slice. */
  calibration: 1000,
} as const;

/** Where the data directory came from. */
export type DataDirSource = '--data-dir' | 'NPIM_DATA_DIR' | 'package';

/** The data directory chosen by {@link resolveMnistDir}. */
export interface MnistDir {
  dir: string;
  source: DataDirSource;
}

/** Loaded MNIST files. */
export interface MnistData {
  dir: string;
  source: DataDirSource;
  /** The 60 000 training images, when their files are present. */
  train?: LabelledImages;
  /** The 10 000 test images. */
  test: LabelledImages;
}

/** A contiguous slice of one of the MNIST sets (views, not copies). */
export interface DataSlice {
  /** Which file pair the slice comes from. */
  source: 'train' | 'test';
  /** First index (inclusive) and end index (exclusive) in that set. */
  start: number;
  end: number;
  count: number;
  rows: number;
  cols: number;
  /** Pixels 0..255, `count × rows × cols`. */
  images: Uint8Array;
  labels: Uint8Array;
}

/** A train / held-out split (see the module documentation). */
export interface MnistSplit {
  name: 'standard' | 'test-only';
  /** One sentence saying what trains and what is held out. */
  description: string;
  train: DataSlice;
  heldOut: DataSlice;
  /** Calibration batch for quantization, inside `train`. */
  calibration: DataSlice;
}

/** JSON summary of a split (no pixel data), for metrics files and reports. */
export interface SplitSummary {
  name: MnistSplit['name'];
  description: string;
  train: { source: string; start: number; end: number };
  heldOut: { source: string; start: number; end: number };
  calibration: { source: string; start: number; end: number };
}

/** Options of {@link loadMnist}. */
export interface LoadMnistOptions {
  /** Explicit data directory (the `--data-dir` option). */
  dataDir?: string;
  /** Download missing standard files (default true). Tests pass false. */
  download?: boolean;
  /** Also download the training files when only the test files are present. */
  downloadTraining?: boolean;
  /** Environment to read NPIM_DATA_DIR from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** fetch implementation (default the global one); injectable so downloads can be tested offline. */
  fetchImpl?: typeof fetch;
}

/** Picks the data directory: `--data-dir`, then NPIM_DATA_DIR, then the package's `datasets/mnist/`. */
export function resolveMnistDir(dataDir?: string, env: NodeJS.ProcessEnv = process.env): MnistDir {
  const pick = (dir: string, source: DataDirSource): MnistDir => ({ dir: preferMnistSubdir(path.resolve(dir)), source });
  if (dataDir !== undefined && dataDir !== '') return pick(dataDir, '--data-dir');
  if (env.NPIM_DATA_DIR) return pick(env.NPIM_DATA_DIR, 'NPIM_DATA_DIR');
  return { dir: path.join(DATASETS_DIR, 'mnist'), source: 'package' };
}

function preferMnistSubdir(dir: string): string {
  const holdsAny = Object.values(MNIST_FILES).some((f) => existsSync(path.join(dir, f.name)));
  const sub = path.join(dir, 'mnist');
  if (!holdsAny && existsSync(sub) && statSync(sub).isDirectory()) return sub;
  return dir;
}

/** Why `bytes` do not match the published checksums of `file`, or null when they match. */
export function mnistChecksumMismatch(bytes: Uint8Array, file: MnistFile): string | null {
  const md5 = createHash('md5').update(bytes).digest('hex');
  if (md5 !== file.md5) return `md5 ${md5}, expected ${file.md5}`;
  if (file.sha256) {
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== file.sha256) return `sha256 ${sha}, expected ${file.sha256}`;
  }
  return null;
}

/** Fails unless `bytes` match the published checksums of `file`; `where` names the file. */
export function verifyMnistChecksum(bytes: Uint8Array, file: MnistFile, where: string): void {
  const why = mnistChecksumMismatch(bytes, file);
  if (why)
    fail(`${where} fails its checksum (${why}): it is damaged or not the standard MNIST file; delete it and run again to download it`);
}

/**
 * Loads MNIST from the data directory (see the module documentation for the directory order, the
 * download rule and the checksums).
 */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<MnistData> {
  const { dir, source } = resolveMnistDir(options.dataDir, options.env);
  if (existsSync(dir)) ensure(statSync(dir).isDirectory(), `MNIST data directory is not a directory: ${dir}`);
  const all = Object.values(MNIST_FILES) as MnistFile[];
  const present = new Set(all.filter((f) => existsSync(path.join(dir, f.name))).map((f) => f.name));
  const testPresent = present.has(MNIST_FILES.testImages.name) && present.has(MNIST_FILES.testLabels.name);
  const anyTrain = present.has(MNIST_FILES.trainImages.name) || present.has(MNIST_FILES.trainLabels.name);
  const wantTrain = !testPresent || anyTrain || Boolean(options.downloadTraining);
  const needed = wantTrain ? all : [MNIST_FILES.testImages, MNIST_FILES.testLabels];
  const missing = needed.filter((f) => !present.has(f.name));
  if (missing.length) {
    if (options.download === false) fail(`MNIST files missing and downloads are off: ${placeHint(missing, dir)}`);
    await downloadMnistFiles(dir, missing, options.fetchImpl ?? fetch);
  }
  const test = await loadPair(dir, MNIST_FILES.testImages, MNIST_FILES.testLabels);
  const train = wantTrain ? await loadPair(dir, MNIST_FILES.trainImages, MNIST_FILES.trainLabels) : undefined;
  return { dir, source, train, test };
}

async function loadPair(dir: string, imagesFile: MnistFile, labelsFile: MnistFile): Promise<LabelledImages> {
  const imagesPath = path.join(dir, imagesFile.name);
  const labelsPath = path.join(dir, labelsFile.name);
  const [imageBytes, labelBytes] = await Promise.all([readBytes(imagesPath), readBytes(labelsPath)]);
  verifyMnistChecksum(imageBytes, imagesFile, imagesPath);
  verifyMnistChecksum(labelBytes, labelsFile, labelsPath);
  const pair = pairImagesAndLabels(
    decodeIdx(imageBytes, imagesPath),
    decodeIdx(labelBytes, labelsPath),
    { images: imagesPath, labels: labelsPath },
    MNIST_CLASSES,
  );
  ensure(pair.rows === MNIST_ROWS && pair.cols === MNIST_COLS, `${imagesPath}: images are ${pair.rows}×${pair.cols}, expected 28×28`);
  return pair;
}

async function readBytes(filePath: string): Promise<Buffer> {
  try {
    return await fs.readFile(filePath);
  } catch (e) {
    fail(`cannot read ${filePath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function placeHint(files: MnistFile[], dir: string): string {
  return `place ${files.map((f) => f.name).join(', ')} in ${dir} (or point --data-dir or NPIM_DATA_DIR at a directory holding them)`;
}

/**
 * Downloads `files` from {@link MNIST_MIRROR} into `dir`, one at a time, with a progress bar.
 * Each file is verified before it is written (atomically: temporary file, then rename), so a failed
 * or corrupt download leaves nothing behind. Any failure is a one-line UserError that ends by
 * saying which files (this one and those not yet fetched) to place in which directory.
 */
export async function downloadMnistFiles(dir: string, files: MnistFile[], fetchImpl: typeof fetch = fetch): Promise<void> {
  for (const [i, file] of files.entries()) {
    const where = placeHint(files.slice(i), dir);
    const url = MNIST_MIRROR + file.name;
    let bytes: Uint8Array;
    try {
      bytes = await fetchBytes(url, fetchImpl, file.name);
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const why = err.cause?.code ?? err.cause?.message ?? err.message;
      fail(`cannot download ${url} (${why.split('\n')[0]}); ${where}`);
    }
    const why = mnistChecksumMismatch(bytes, file);
    if (why) fail(`download of ${url} fails its checksum (${why}); ${where}`);
    await writeFileAtomic(path.join(dir, file.name), bytes);
  }
}

async function fetchBytes(url: string, fetchImpl: typeof fetch, label: string): Promise<Uint8Array> {
  // A stalled connection must not hang the command: two minutes is ample for 10 MB.
  const res = await fetchImpl(url, { signal: AbortSignal.timeout(120_000) });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get('content-length')) || 0;
  const bar = startProgress(`download ${label}`, total || 1);
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    const reader = res.body.getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.length;
      bar.update(Math.min(received, total || received), `${(received / 1e6).toFixed(1)} MB`);
    }
  } finally {
    bar.stop();
  }
  const out = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A slice of a labelled image set, as views. */
export function sliceImages(set: LabelledImages, source: DataSlice['source'], start: number, end: number): DataSlice {
  ensure(start >= 0 && end <= set.count && start < end, `slice ${start}..${end} is outside the ${set.count} ${source} images`);
  const px = set.rows * set.cols;
  return {
    source,
    start,
    end,
    count: end - start,
    rows: set.rows,
    cols: set.cols,
    images: set.images.subarray(start * px, end * px),
    labels: set.labels.subarray(start, end),
  };
}

/** The train / held-out split for the files present (the one definition every command uses). */
export function mnistSplit(data: MnistData): MnistSplit {
  const s = MNIST_SPLIT_SIZES;
  ensure(data.test.count === s.heldOutEnd, `MNIST test set has ${data.test.count} images, expected ${s.heldOutEnd}`);
  const heldOut = sliceImages(data.test, 'test', s.heldOutStart, s.heldOutEnd);
  if (data.train) {
    const train = sliceImages(data.train, 'train', 0, data.train.count);
    return {
      name: 'standard',
      description: `trained on the ${train.count} MNIST training images; held out: test images ${s.heldOutStart}..${s.heldOutEnd - 1}`,
      train,
      heldOut,
      calibration: sliceImages(data.train, 'train', 0, s.calibration),
    };
  }
  return {
    name: 'test-only',
    description: `only the MNIST test set is present: trained on test images 0..${s.testOnlyTrain - 1}, held out: test images ${s.heldOutStart}..${s.heldOutEnd - 1}`,
    train: sliceImages(data.test, 'test', 0, s.testOnlyTrain),
    heldOut,
    calibration: sliceImages(data.test, 'test', 0, s.calibration),
  };
}

/** The JSON summary of a split. */
export function summarizeSplit(split: MnistSplit): SplitSummary {
  const range = (d: DataSlice) => ({ source: d.source, start: d.start, end: d.end });
  return {
    name: split.name,
    description: split.description,
    train: range(split.train),
    heldOut: range(split.heldOut),
    calibration: range(split.calibration),
  };
}

/** Number of images of each class 0..9 in `labels`. */
export function classCounts(labels: Uint8Array, numClasses = MNIST_CLASSES): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const l of labels) counts[l]++;
  return counts;
}
