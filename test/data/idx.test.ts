import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { decodeIdx, parseIdx, readIdxFile, readLabelledImages } from '../../src/data/idx.ts';
import { userErrorOf } from '../dnn/helpers.ts';

/** Encodes an IDX file by hand from the format description (magic 00 00 type rank, BE dims, data). */
function encodeIdx(dims: number[], data: Uint8Array, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, type, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

let dir = '';
test.before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-idx-'));
});
test.after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('reads a small synthetic image file, raw and gzip, to the same pixels', async () => {
  const pixels = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 37) % 256);
  const bytes = encodeIdx([3, 4, 5], pixels);
  await fs.writeFile(path.join(dir, 'img-idx3-ubyte'), bytes);
  await fs.writeFile(path.join(dir, 'img-idx3-ubyte.gz'), gzipSync(bytes));
  const raw = await readIdxFile(path.join(dir, 'img-idx3-ubyte'));
  const gz = await readIdxFile(path.join(dir, 'img-idx3-ubyte.gz'));
  assert.equal(raw.dims, [3, 4, 5]);
  assert.equal(Array.from(raw.data), Array.from(pixels));
  assert.equal(gz.dims, raw.dims);
  assert.equal(Array.from(gz.data), Array.from(pixels));
});

test('pairs images with labels; image k is the k-th 4×5 block', async () => {
  const pixels = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => i);
  await fs.writeFile(path.join(dir, 'a-images.gz'), gzipSync(encodeIdx([3, 4, 5], pixels)));
  await fs.writeFile(path.join(dir, 'a-labels'), encodeIdx([3], Uint8Array.from([7, 0, 9])));
  const set = await readLabelledImages(path.join(dir, 'a-images.gz'), path.join(dir, 'a-labels'), 10);
  assert.is(set.count, 3);
  assert.is(set.rows, 4);
  assert.is(set.cols, 5);
  assert.equal(Array.from(set.labels), [7, 0, 9]);
  assert.is(set.images[2 * 20], 40);
});

test('any IDX array round-trips, and every truncation of it is reported as truncated', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), fc.nat(), (dims, cut) => {
      const size = dims.reduce((a, b) => a * b, 1);
      const data = Uint8Array.from({ length: size }, (_, i) => (i * 13 + dims.length) % 256);
      const bytes = encodeIdx(dims, data);
      const parsed = parseIdx(bytes, 'x');
      assert.equal(parsed.dims, dims);
      assert.equal(Array.from(parsed.data), Array.from(data));
      const keep = 4 + (cut % (bytes.length - 4));
      try {
        parseIdx(bytes.subarray(0, keep), 'cut.idx');
        return false;
      } catch (e) {
        return (e as Error).name === 'UserError' && /cut\.idx is truncated/.test((e as Error).message);
      }
    }),
    { numRuns: 200 },
  );
});

test('corrupt files become one-line UserErrors naming the file', async () => {
  const good = encodeIdx([2, 2, 2], new Uint8Array(8));
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['short.idx', Uint8Array.from([0, 0]), /short\.idx is not an IDX file/],
    ['magic.idx', Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 0]), /magic\.idx is not an IDX file: bad magic number/],
    ['float.idx', encodeIdx([2], new Uint8Array(8), 0x0d), /float\.idx: IDX data type 0x0d \(float32\) is not supported/],
    ['rank0.idx', Uint8Array.from([0, 0, 8, 0]), /rank0\.idx is corrupt: IDX header declares 0 dimensions/],
    ['trunc.idx', good.subarray(0, good.length - 1), /trunc\.idx is truncated: header declares 2×2×2 = 8 data bytes, file has 7/],
    ['header.idx', good.subarray(0, 10), /header\.idx is truncated: header of 3 dimensions/],
    ['long.idx', Uint8Array.from([...good, 0, 0]), /long\.idx is corrupt: 2 bytes after/],
    ['trunc.gz', gzipSync(good).subarray(0, 12), /trunc\.gz is corrupt: gzip data cannot be decompressed/],
  ];
  for (const [name, bytes, pattern] of cases) {
    await fs.writeFile(path.join(dir, name), bytes);
    const msg = await userErrorOf(() => readIdxFile(path.join(dir, name)));
    assert.match(msg, pattern, `${name}: ${msg}`);
    assert.ok(msg.includes(path.join(dir, name)), `${name}: message names the file`);
    assert.not.match(msg, /\n/);
  }
  assert.match(await userErrorOf(() => readIdxFile(path.join(dir, 'nope.gz'))), /IDX file not found: .*nope\.gz/);
});

test('images and labels of different counts are "mismatched IDX files"', async () => {
  await fs.writeFile(path.join(dir, 'm-images'), encodeIdx([3, 2, 2], new Uint8Array(12)));
  await fs.writeFile(path.join(dir, 'm-labels'), encodeIdx([2], new Uint8Array(2)));
  const msg = await userErrorOf(() => readLabelledImages(path.join(dir, 'm-images'), path.join(dir, 'm-labels')));
  assert.match(msg, /mismatched IDX files: m-images has 3 images but m-labels has 2 labels/);
});

test('wrong ranks and out-of-range labels are reported', async () => {
  await fs.writeFile(path.join(dir, 'r-images'), encodeIdx([4, 3], new Uint8Array(12)));
  await fs.writeFile(path.join(dir, 'r-labels'), encodeIdx([4], Uint8Array.from([1, 2, 3, 12])));
  await fs.writeFile(path.join(dir, 'ok-images'), encodeIdx([4, 1, 3], new Uint8Array(12)));
  assert.match(
    await userErrorOf(() => readLabelledImages(path.join(dir, 'r-images'), path.join(dir, 'r-labels'))),
    /r-images is not an image file: 2 dimensions/,
  );
  assert.match(
    await userErrorOf(() => readLabelledImages(path.join(dir, 'ok-images'), path.join(dir, 'ok-images'))),
    /ok-images is not a label file/,
  );
  assert.match(
    await userErrorOf(() => readLabelledImages(path.join(dir, 'ok-images'), path.join(dir, 'r-labels'), 10)),
    /label 12 of item 3 is outside 0\.\.9/,
  );
});

test('gzip is detected by content, not by name', () => {
  const bytes = encodeIdx([1], Uint8Array.from([5]));
  assert.equal(Array.from(decodeIdx(gzipSync(bytes), 'no-extension').data), [5]);
});

test.run();
