import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  classCounts,
  downloadMnistFiles,
  loadMnist,
  MNIST_FILES,
  mnistSplit,
  resolveMnistDir,
  type MnistData,
} from '../../src/data/mnist.ts';
import type { LabelledImages } from '../../src/data/idx.ts';
import { MNIST_TEST_DIR, mnistAvailable, userErrorOf } from '../dnn/helpers.ts';

// From /work/shared/datasets/README.md (independent of the code's table).
const TEST_SHA256 = {
  't10k-images-idx3-ubyte.gz': '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
  't10k-labels-idx1-ubyte.gz': 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
};
const TEST_CLASS_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

let tmp = '';
test.before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-mnist-'));
});
test.after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

test('the data directory is --data-dir, then NPIM_DATA_DIR, then the package', () => {
  assert.is(resolveMnistDir('/a/b', { NPIM_DATA_DIR: '/c' }).dir, '/a/b');
  assert.is(resolveMnistDir('/a/b', { NPIM_DATA_DIR: '/c' }).source, '--data-dir');
  assert.is(resolveMnistDir(undefined, { NPIM_DATA_DIR: '/c' }).dir, '/c');
  const pkg = resolveMnistDir(undefined, {});
  assert.is(pkg.source, 'package');
  assert.ok(pkg.dir.endsWith(path.join('datasets', 'mnist')));
});

test('the shared test set passes its checksums and has the published class counts', async () => {
  if (!mnistAvailable()) return;
  for (const [name, sha] of Object.entries(TEST_SHA256)) {
    const bytes = await fs.readFile(path.join(MNIST_TEST_DIR, name));
    assert.is(createHash('sha256').update(bytes).digest('hex'), sha, name);
  }
  const data = await loadMnist({ dataDir: MNIST_TEST_DIR, download: false });
  assert.is(data.train, undefined);
  assert.is(data.test.count, 10000);
  assert.is(data.test.rows, 28);
  assert.equal(classCounts(data.test.labels), TEST_CLASS_COUNTS);
});

test('test-only split: train on test 0..7999, hold out 8000..9999, disjoint and deterministic', async () => {
  if (!mnistAvailable()) return;
  const data = await loadMnist({ dataDir: MNIST_TEST_DIR, download: false });
  const a = mnistSplit(data);
  const b = mnistSplit(await loadMnist({ dataDir: MNIST_TEST_DIR, download: false }));
  assert.is(a.name, 'test-only');
  assert.equal([a.train.source, a.train.start, a.train.end], ['test', 0, 8000]);
  assert.equal([a.heldOut.source, a.heldOut.start, a.heldOut.end], ['test', 8000, 10000]);
  assert.ok(a.train.end <= a.heldOut.start, 'train and held-out do not overlap');
  assert.ok(a.calibration.source === a.train.source && a.calibration.end <= a.train.end, 'calibration images are training images');
  assert.is(a.train.images.length, 8000 * 784);
  assert.is(a.heldOut.labels.length, 2000);
  // Held-out image 0 is test image 8000, pixel for pixel, and a second load gives the same data.
  assert.equal(Array.from(a.heldOut.images.subarray(0, 784)), Array.from(data.test.images.subarray(8000 * 784, 8001 * 784)));
  assert.equal(Array.from(a.heldOut.labels), Array.from(b.heldOut.labels));
  assert.equal(createHash('md5').update(a.train.images).digest('hex'), createHash('md5').update(b.train.images).digest('hex'));
  assert.match(a.description, /trained on test images 0\.\.7999, held out: test images 8000\.\.9999/);
});

test('with the 60 000 training images the split trains on them and holds out test 8000..9999', () => {
  const fake = (count: number): LabelledImages => ({
    count,
    rows: 28,
    cols: 28,
    images: new Uint8Array(count * 784),
    labels: new Uint8Array(count),
  });
  const data: MnistData = { dir: '/x', source: '--data-dir', train: fake(60000), test: fake(10000) };
  const s = mnistSplit(data);
  assert.is(s.name, 'standard');
  assert.equal([s.train.source, s.train.start, s.train.end], ['train', 0, 60000]);
  assert.equal([s.heldOut.source, s.heldOut.start, s.heldOut.end], ['test', 8000, 10000]);
  assert.is(s.calibration.source, 'train');
});

test('missing files with downloads off: the error lists the files and the directory', async () => {
  const dir = path.join(tmp, 'empty');
  await fs.mkdir(dir);
  const msg = await userErrorOf(() => loadMnist({ dataDir: dir, download: false }));
  for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'])
    assert.ok(msg.includes(f), `${f} in: ${msg}`);
  assert.ok(msg.includes(dir));
  assert.not.match(msg, /\n/);
});

test('a damaged file fails its checksum with a message naming it', async () => {
  if (!mnistAvailable()) return;
  const dir = path.join(tmp, 'damaged');
  await fs.mkdir(dir);
  const labels = await fs.readFile(path.join(MNIST_TEST_DIR, 't10k-labels-idx1-ubyte.gz'));
  await fs.copyFile(path.join(MNIST_TEST_DIR, 't10k-images-idx3-ubyte.gz'), path.join(dir, 't10k-images-idx3-ubyte.gz'));
  labels[100] ^= 0xff;
  await fs.writeFile(path.join(dir, 't10k-labels-idx1-ubyte.gz'), labels);
  const msg = await userErrorOf(() => loadMnist({ dataDir: dir, download: false }));
  assert.match(msg, /t10k-labels-idx1-ubyte\.gz fails its checksum \(md5 [0-9a-f]{32}, expected ec29112dd5afa0611ce80d1b7f02629c\)/);
});

// Downloads are exercised with a stand-in for fetch: nothing leaves the machine.
test('missing files are fetched from the mirror, verified and written; offline says what to place where', async () => {
  if (!mnistAvailable()) return;
  const dir = path.join(tmp, 'fetched');
  const requested: string[] = [];
  const fakeFetch = (async (url: string | URL | Request) => {
    requested.push(String(url));
    return new Response(await fs.readFile(path.join(MNIST_TEST_DIR, String(url).split('/').pop()!)));
  }) as typeof fetch;
  await downloadMnistFiles(dir, [MNIST_FILES.testImages, MNIST_FILES.testLabels], fakeFetch);
  assert.equal(requested, [
    'https://storage.googleapis.com/cvdf-datasets/mnist/t10k-images-idx3-ubyte.gz',
    'https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz',
  ]);
  assert.equal((await fs.readdir(dir)).sort(), ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
  // With the test pair present and no training file, nothing more is fetched.
  const noFetch = (async () => {
    throw new Error('unexpected fetch');
  }) as typeof fetch;
  const data = await loadMnist({ dataDir: dir, fetchImpl: noFetch });
  assert.is(data.test.count, 10000);
  assert.is(data.train, undefined);
  // Asking for the training images does fetch them (here: fails, and says what to place where).
  assert.match(
    await userErrorOf(() => loadMnist({ dataDir: dir, fetchImpl: noFetch, downloadTraining: true })),
    /cannot download .*train-images-idx3-ubyte\.gz \(unexpected fetch\); place train-images-idx3-ubyte\.gz, train-labels-idx1-ubyte\.gz in /,
  );

  const offline = (async () => {
    throw new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } });
  }) as typeof fetch;
  const dir2 = path.join(tmp, 'offline');
  await fs.mkdir(dir2);
  const msg = await userErrorOf(() => loadMnist({ dataDir: dir2, fetchImpl: offline }));
  assert.match(msg, /cannot download https:\/\/storage\.googleapis\.com\/cvdf-datasets\/mnist\/\S+ \(ENOTFOUND\); place /);
  assert.ok(msg.includes('t10k-images-idx3-ubyte.gz') && msg.includes('train-labels-idx1-ubyte.gz') && msg.includes(dir2));

  const wrong = (async () => new Response(new Uint8Array([1, 2, 3]))) as typeof fetch;
  const dir3 = path.join(tmp, 'wrong');
  await fs.mkdir(dir3);
  await fs.copyFile(path.join(MNIST_TEST_DIR, 't10k-labels-idx1-ubyte.gz'), path.join(dir3, 't10k-labels-idx1-ubyte.gz'));
  assert.match(
    await userErrorOf(() => loadMnist({ dataDir: dir3, fetchImpl: wrong })),
    /download of .*train-images-idx3-ubyte\.gz fails its checksum \(md5 /,
  );
  assert.equal(await fs.readdir(dir3), ['t10k-labels-idx1-ubyte.gz']);
});

test.run();
