/**
 * IDX files (the format of MNIST and its relatives): a 4-byte magic number — two zero bytes, a
 * data-type code, the number of dimensions — then one big-endian uint32 per dimension, then the
 * data in row-major order. Only unsigned-byte data (type code 0x08) is supported, which is what
 * every MNIST-style image and label file uses. Files may be gzip-compressed (recognized by the gzip
 * magic bytes, not by the file name).
 *
 * Parsing is strict: the declared sizes must account for every byte of the file, so a truncated or
 * padded file is reported instead of silently yielding shifted images.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fail } from '../core/errors.ts';

/** An IDX array of unsigned bytes. */
export interface IdxArray {
  /** Dimension sizes as declared in the header, outermost first. */
  dims: number[];
  /** The data, row-major; its length is the product of `dims`. */
  data: Uint8Array;
}

/** Images and their labels from a pair of IDX files. */
export interface LabelledImages {
  /** Number of images (= number of labels). */
  count: number;
  /** Image height in pixels. */
  rows: number;
  /** Image width in pixels. */
  cols: number;
  /** Pixels 0..255, `count × rows × cols`, row-major (image, row, column). */
  images: Uint8Array;
  /** One label per image. */
  labels: Uint8Array;
}

const IDX_TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** Whether `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses uncompressed IDX bytes. `source` names the file in error messages. Fails (UserError) on a
 * bad magic number, a data type other than unsigned byte, zero dimensions, or a length that does
 * not match the header (truncated or trailing data).
 */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (bytes.length < 4) fail(`${source} is not an IDX file: only ${bytes.length} bytes`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(`${source} is not an IDX file: bad magic number 0x${hex(bytes, 0, 4)} (expected 0x0000 then type and rank)`);
  }
  const type = bytes[2];
  if (type !== 0x08) {
    const name = IDX_TYPE_NAMES[type];
    fail(
      `${source}: IDX data type 0x${type.toString(16).padStart(2, '0')}${name ? ` (${name})` : ' (unknown)'} is not supported; only unsigned bytes (0x08)`,
    );
  }
  const rank = bytes[3];
  if (rank === 0) fail(`${source} is corrupt: IDX header declares 0 dimensions`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    fail(`${source} is truncated: header of ${rank} dimensions needs ${headerBytes} bytes, file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  const expected = headerBytes + size;
  const shape = dims.join('×');
  if (bytes.length < expected) {
    fail(`${source} is truncated: header declares ${shape} = ${size} data bytes, file has ${bytes.length - headerBytes}`);
  }
  if (bytes.length > expected) {
    fail(`${source} is corrupt: ${bytes.length - expected} bytes after the ${shape} data its header declares`);
  }
  return { dims, data: bytes.subarray(headerBytes, expected) };
}

/** Parses IDX bytes that may be gzip-compressed. */
export function decodeIdx(bytes: Uint8Array, source: string): IdxArray {
  if (!isGzip(bytes)) return parseIdx(bytes, source);
  let raw: Buffer;
  try {
    raw = gunzipSync(bytes);
  } catch (e) {
    fail(`${source} is corrupt: gzip data cannot be decompressed (${(e as Error).message})`);
  }
  return parseIdx(raw, source);
}

/** Reads and parses an IDX file (gzip or raw). A missing file is a UserError naming it. */
export async function readIdxFile(filePath: string): Promise<IdxArray> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(filePath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail(`IDX file not found: ${filePath}`);
    fail(`cannot read IDX file ${filePath}: ${code ?? (e as Error).message}`);
  }
  return decodeIdx(bytes, filePath);
}

/**
 * Pairs an image array (rank 3: count × rows × cols) with a label array (rank 1: count). Different
 * counts are a UserError ("mismatched IDX files"); with `numClasses`, so is any label ≥ numClasses.
 */
export function pairImagesAndLabels(
  images: IdxArray,
  labels: IdxArray,
  names: { images: string; labels: string },
  numClasses?: number,
): LabelledImages {
  if (images.dims.length !== 3) {
    fail(`${names.images} is not an image file: ${images.dims.length} dimensions (${images.dims.join('×')}), expected count×rows×cols`);
  }
  if (labels.dims.length !== 1) {
    fail(`${names.labels} is not a label file: ${labels.dims.length} dimensions (${labels.dims.join('×')}), expected 1`);
  }
  const [count, rows, cols] = images.dims;
  if (count !== labels.dims[0]) {
    fail(
      `mismatched IDX files: ${path.basename(names.images)} has ${count} images but ${path.basename(names.labels)} has ${labels.dims[0]} labels`,
    );
  }
  if (count === 0) fail(`${names.images} contains no images`);
  if (numClasses !== undefined) {
    for (let i = 0; i < count; i++) {
      if (labels.data[i] >= numClasses) fail(`${names.labels}: label ${labels.data[i]} of item ${i} is outside 0..${numClasses - 1}`);
    }
  }
  return { count, rows, cols, images: images.data, labels: labels.data };
}

/** Reads an image file and a label file and pairs them (see {@link pairImagesAndLabels}). */
export async function readLabelledImages(imagesPath: string, labelsPath: string, numClasses?: number): Promise<LabelledImages> {
  const [images, labels] = await Promise.all([readIdxFile(imagesPath), readIdxFile(labelsPath)]);
  return pairImagesAndLabels(images, labels, { images: imagesPath, labels: labelsPath }, numClasses);
}

function hex(bytes: Uint8Array, from: number, to: number): string {
  return Array.from(bytes.subarray(from, to), (b) => b.toString(16).padStart(2, '0')).join('');
}
