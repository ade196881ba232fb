/** The CIFAR-10 binary loader: record layout, checks, directory choice, and the shared test set. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { decodeCifar10, loadCifar10, resolveCifar10Dir, CIFAR10_TEST_FILE } from '../../src/data/cifar10.ts';
import { checkInputShape, resolveDataset } from '../../src/data/datasets.ts';
import { REPO_ROOT, userErrorOf } from '../dnn/helpers.ts';

test('records decode to channels-last images: pixel p of plane c lands at p·3 + c', () => {
  const rec = (label: number, base: number) => {
    const r = new Uint8Array(3073);
    r[0] = label;
    for (let i = 0; i < 3072; i++) r[1 + i] = (base + i) % 251;
    return r;
  };
  const bin = new Uint8Array(2 * 3073);
  bin.set(rec(7, 0), 0);
  bin.set(rec(2, 5), 3073);
  const d = decodeCifar10(bin, 'x');
  assert.equal(d.count, 2);
  assert.equal(Array.from(d.labels), [7, 2]);
  // Image 1, pixel (row 1, column 2) = plane index 34; green is plane 1.
  const p = 34;
  assert.is(d.images[3072 + p * 3 + 1], (5 + 1024 + p) % 251);
  assert.is(d.images[p * 3 + 2], (2048 + p) % 251);
});

test('wrong lengths, bad labels and damaged files are one-line errors', async () => {
  assert.match(
    await userErrorOf(() => decodeCifar10(new Uint8Array(3072), 'f.bin')),
    /f\.bin holds 3072 bytes, not a whole number of 3073-byte/,
  );
  const bad = new Uint8Array(3073);
  bad[0] = 10;
  assert.match(await userErrorOf(() => decodeCifar10(bad, 'f.bin')), /record 0 has label 10, outside 0\.\.9/);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-cifar-'));
  try {
    await fs.writeFile(path.join(dir, CIFAR10_TEST_FILE), gzipSync(new Uint8Array(3073)));
    assert.match(await userErrorOf(() => loadCifar10(dir)), /fails its checksum \(sha256 [0-9a-f]{64}, expected 35e4493d/);
    // A directory holding the file is CIFAR-10; its parent (with a cifar10/ inside) too.
    assert.is(resolveDataset(dir).name, 'cifar10');
    const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-data-'));
    await fs.rename(dir, path.join(parent, 'cifar10'));
    assert.is(resolveCifar10Dir(parent), path.join(parent, 'cifar10'));
    assert.is(resolveDataset(parent).name, 'cifar10');
    await fs.rm(parent, { recursive: true, force: true });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  assert.match(await userErrorOf(() => loadCifar10(path.join(os.tmpdir(), 'npim-no-such-dir'))), /cannot read the CIFAR-10 test set/);
  assert.match(
    await userErrorOf(() => checkInputShape([28, 28, 1], 'lenet', { name: 'cifar10', shape: [32, 32, 3] })),
    /^model lenet takes \[28, 28, 1\] inputs but --data cifar10 has \[32, 32, 3\] images$/,
  );
  // A flat input of the image's size fits (an MLP on MNIST).
  checkInputShape([784], 'mlp', { name: 'mnist', shape: [28, 28, 1] });
});

const shared = path.resolve(REPO_ROOT, '../shared/datasets/cifar10');
test('the shared test set loads: 10 000 images, the standard first labels, 1 000 per class', async () => {
  if (!existsSync(path.join(shared, CIFAR10_TEST_FILE))) {
    console.log(`note: CIFAR-10 test set not found in ${shared}; skipping`);
    return;
  }
  const d = await loadCifar10(shared, {});
  assert.is(d.count, 10_000);
  assert.equal(Array.from(d.labels.subarray(0, 10)), [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
  const counts = new Array(10).fill(0);
  for (const l of d.labels) counts[l]++;
  assert.equal(counts, new Array(10).fill(1000));
});

test.run();
