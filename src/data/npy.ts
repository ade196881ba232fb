/** Reading NumPy `.npy` arrays of floats (e.g. a training set's mean image). */
import { promises as fs } from 'node:fs';
import { ensure, fail } from '../core/errors.ts';

/** A float array read from a `.npy` file. */
export interface NpyArray {
  shape: number[];
  values: Float64Array;
}

/** Parses `.npy` bytes holding a little-endian float32/float64 C-order array. */
export function parseNpy(bytes: Uint8Array, source: string): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  ensure(bytes.length >= 10 && magic.every((b, i) => bytes[i] === b), `${source} is not a NumPy .npy file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`${source}: malformed .npy header`);
  ensure(fortran === 'False', `${source}: Fortran-order arrays are not supported`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const size = shape.reduce((a, b) => a * b, 1);
  const bytesPer = descr === '<f4' ? 4 : descr === '<f8' ? 8 : 0;
  if (!bytesPer) fail(`${source}: array type ${descr} is not supported (little-endian float32 or float64 only)`);
  const data = start + headerLen;
  ensure(bytes.length >= data + size * bytesPer, `${source}: the array is truncated`);
  const values = new Float64Array(size);
  for (let i = 0; i < size; i++) values[i] = bytesPer === 4 ? view.getFloat32(data + 4 * i, true) : view.getFloat64(data + 8 * i, true);
  return { shape, values };
}

/** Reads a `.npy` file (see {@link parseNpy}). */
export async function readNpy(file: string): Promise<NpyArray> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    fail(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseNpy(bytes, file);
}
