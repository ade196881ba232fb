/**
 * Bit-line sums of a programmed tile for a batch of input codes, all input slices at once
 * (docs/reference.md §4 "fuse all bit planes into one large matrix product"):
 *
 *   BL[i][r][c] = Σ_k x_ik(r) · g_kc,   x_ik = (q_k >> (D·i)) & (2^D − 1),
 *
 * computed as one tfjs product [T·n' × K'] × [K' × C] where n' keeps only the (slice, image) rows
 * with a nonzero input and K' only the tile rows some image of the batch drives. Per-read noise is
 * sampled at the column output, where it is exactly Gaussian with variance Σ_k x_ik²·σ_kc²
 * (one more product of the squared inputs with the per-device variances).
 */
import { inputCyclesOf } from './closed-forms.ts';
import * as tf from '@tensorflow/tfjs';
import { growMemory, instantiateKernel } from '../core/wasm-kernel.ts';
import type { Rng } from '../core/rng.ts';
import type { ProgrammedTile } from '../mapping/programmed-tiles.ts';

/** tfjs tensors of a programmed tile, created once per Monte Carlo draw. */
export interface TileTensors {
  levels: tf.Tensor2D;
  readVariance: tf.Tensor2D | null;
}

/** Uploads a tile's matrices. Dispose with {@link disposeTileTensors}. */
export function tileTensors(tile: ProgrammedTile, columns: number): TileTensors {
  return {
    levels: tf.tensor2d(tile.levels, [tile.rows, columns]),
    readVariance: tile.readVariance ? tf.tensor2d(tile.readVariance, [tile.rows, columns]) : null,
  };
}

/** Frees a tile's tensors. */
export function disposeTileTensors(t: TileTensors): void {
  t.levels.dispose();
  t.readVariance?.dispose();
}

/** The (slice, image) rows of a batch that drive a tile, and their slice values. */
interface DrivenRows {
  /** Global row ids i·n + r of the rows with a nonzero input, ascending. */
  rowIds: number[];
  /** Tile rows some image drives. */
  active: number[];
  /** Slice values [rowIds × active]. */
  x: Float32Array;
}

function drivenRows(tile: ProgrammedTile, codes: Uint8Array, n: number, fanIn: number, dacBits: number, slices: number): DrivenRows {
  const mask = 2 ** dacBits - 1;
  const active: number[] = [];
  for (let k = 0; k < tile.rows; k++) {
    const col = tile.rowStart + k;
    for (let r = 0; r < n; r++) {
      if (codes[r * fanIn + col] !== 0) {
        active.push(k);
        break;
      }
    }
  }
  const rowIds: number[] = [];
  if (active.length) {
    for (let i = 0; i < slices; i++) {
      const shift = dacBits * i;
      for (let r = 0; r < n; r++) {
        const base = r * fanIn + tile.rowStart;
        for (const k of active) {
          if ((codes[base + k] >> shift) & mask) {
            rowIds.push(i * n + r);
            break;
          }
        }
      }
    }
  }
  const Ka = active.length;
  const x = new Float32Array(rowIds.length * Ka);
  rowIds.forEach((id, row) => {
    const i = Math.floor(id / n);
    const r = id - i * n;
    const shift = dacBits * i;
    const base = r * fanIn + tile.rowStart;
    for (let a = 0; a < Ka; a++) x[row * Ka + a] = (codes[base + active[a]] >> shift) & mask;
  });
  return { rowIds, active, x };
}

/** Bit-line sums of the driven rows as a tensor [rowIds × C], with per-read noise when `rng` is given. */
function bitLineTensor(tile: ProgrammedTile, tensors: TileTensors, d: DrivenRows, rng: Rng | null): tf.Tensor2D {
  return tf.tidy((): tf.Tensor2D => {
    const full = d.active.length === tile.rows;
    const idx = full ? null : tf.tensor1d(d.active, 'int32');
    const g = full ? tensors.levels : tf.gather(tensors.levels, idx!);
    const xt = tf.tensor2d(d.x, [d.rowIds.length, d.active.length]);
    const bl = tf.matMul(xt, g) as tf.Tensor2D;
    if (!tensors.readVariance || !rng) return bl;
    const v = full ? tensors.readVariance : tf.gather(tensors.readVariance, idx!);
    const sd = tf.matMul(xt.square(), v).sqrt();
    // Normals drawn here rather than by tf.randomNormal: tfjs generates them one by one in
    // JavaScript with a slower generator, and they dominate the read-noise path.
    const z = rng.fillStandardNormalPolar(new Float32Array(bl.shape[0] * bl.shape[1]));
    return bl.add(sd.mul(tf.tensor2d(z, bl.shape))) as tf.Tensor2D;
  });
}

/**
 * A place in a WebAssembly memory for a tile's bit-line sums (float32, from byte `at`): the kernel
 * writes them there directly. The bytes after the sums are the kernel's to use, and the memory
 * may grow (detaching views of it).
 */
export interface KernelArea {
  memory: WebAssembly.Memory;
  at: number;
}

/**
 * Bit-line sums [T × n × C] (slice-major, row-major within a slice) of one tile for input codes
 * `codes` [n × fanIn] (only the tile's rows are read). `rng` draws the per-read noise. Without
 * read noise the sums come from the `rowSums` SIMD kernel (`kernels/bitline-kernels.wat`), whose
 * arithmetic {@link tileBitLinesReference} specifies; with it, from the tfjs product. With `into`
 * (an array at least T·n·C long, or a {@link KernelArea}) the sums are written there and a view
 * of them is returned, instead of a new array.
 */
export function tileBitLines(
  tile: ProgrammedTile,
  tensors: TileTensors,
  columns: number,
  codes: Uint8Array,
  n: number,
  fanIn: number,
  dacBits: number,
  inputBits: number,
  rng: Rng | null,
  into?: Float32Array | KernelArea,
): Float32Array {
  const T = inputCyclesOf(inputBits, dacBits);
  const size = T * n * columns;
  const kernelPath = !rng && columns % 4 === 0 && dacBits <= 8;
  if (into && !(into instanceof Float32Array)) {
    if (kernelPath) return kernelBitLines(tile, columns, codes, n, fanIn, dacBits, T, into);
    const sums = tileBitLines(tile, tensors, columns, codes, n, fanIn, dacBits, inputBits, rng);
    growMemory(into.memory, into.at + 4 * size);
    const view = new Float32Array(into.memory.buffer, into.at, size);
    view.set(sums);
    return view;
  }
  if (into && into.length < size) throw new Error(`bit lines: ${into.length} values for ${size} sums`);
  const out = into ? into.subarray(0, size) : new Float32Array(size);
  if (kernelPath) return kernelBitLines(tile, columns, codes, n, fanIn, dacBits, T, out);
  if (into) out.fill(0);
  const d = drivenRows(tile, codes, n, fanIn, dacBits, T);
  if (d.rowIds.length === 0) return out;
  const t = bitLineTensor(tile, tensors, d, rng);
  const bl = t.dataSync() as Float32Array;
  t.dispose();
  d.rowIds.forEach((id, row) => out.set(bl.subarray(row * columns, (row + 1) * columns), id * columns));
  return out;
}

/**
 * The arithmetic of the kernel path of {@link tileBitLines}, one operation at a time: for each
 * slice i and vector r, Σ over the tile's rows k in ascending order, skipping zero digits, of
 * digit · level, each product and each addition rounded to float32.
 */
export function tileBitLinesReference(
  tile: ProgrammedTile,
  columns: number,
  codes: Uint8Array,
  n: number,
  fanIn: number,
  dacBits: number,
  inputBits: number,
): Float32Array {
  const f = Math.fround;
  const T = inputCyclesOf(inputBits, dacBits);
  const mask = 2 ** dacBits - 1;
  const out = new Float32Array(T * n * columns);
  for (let i = 0; i < T; i++)
    for (let r = 0; r < n; r++) {
      const o = (i * n + r) * columns;
      for (let k = 0; k < tile.rows; k++) {
        const e = (codes[r * fanIn + tile.rowStart + k] >> (dacBits * i)) & mask;
        if (!e) continue;
        for (let c = 0; c < columns; c++) out[o + c] = f(out[o + c] + f(e * tile.levels[k * columns + c]));
      }
    }
  return out;
}

/**
 * The sums v⁺ + v⁻ of every bit-line pair (columns 2p and 2p + 1) of a tile, [T × n × C/2]: the
 * bit-line sums of the tile's levels summed in pairs when every level is an integer (every sum
 * is then exact in float32, so this equals adding the two lines' sums, at half the work), else
 * the two lines' sums added in float64. `into` holds at least T·n·C/2 values.
 */
export function pairSumLines(
  tile: ProgrammedTile,
  columns: number,
  codes: Uint8Array,
  rows: number,
  fanIn: number,
  dacBits: number,
  inputBits: number,
  into: Float32Array,
): ArrayLike<number> {
  const half = columns / 2;
  // Exact while every partial sum stays below 2^24: digits < 2^8, paired levels ≤ 2^7, ≤ 2^8 rows.
  const exact = tile.levels.every((l) => Number.isInteger(l) && Math.abs(l) <= 2 ** 6) && tile.rows <= 2 ** 8 && dacBits <= 8;
  if (exact) {
    const levels = new Float32Array(tile.rows * half);
    for (let i = 0; i < levels.length; i++) levels[i] = tile.levels[2 * i] + tile.levels[2 * i + 1];
    const paired: ProgrammedTile = { ...tile, levels, readVariance: null };
    const t = tileTensors(paired, half);
    const out = tileBitLines(paired, t, half, codes, rows, fanIn, dacBits, inputBits, null, into);
    disposeTileTensors(t);
    return out;
  }
  const t = tileTensors(tile, columns);
  const bl = tileBitLines(tile, t, columns, codes, rows, fanIn, dacBits, inputBits, null);
  disposeTileTensors(t);
  // Added in float64, as the two lines' voltages add.
  return Float64Array.from({ length: bl.length / 2 }, (_, c) => bl[2 * c] + bl[2 * c + 1]);
}

/** The exports of `kernels/bitline-kernels.wasm` the bit-line path uses. */
interface RowSumsKernel {
  memory: WebAssembly.Memory;
  rowSums(
    codes: number,
    n: number,
    fanIn: number,
    rows: number,
    levels: number,
    C: number,
    dac: number,
    T: number,
    out: number,
    scratch: number,
    sliceRows: number,
  ): void;
}

/** Bytes of staged codes (and sums, in the kernel's own memory) per `rowSums` call (larger batches go in chunks). */
const ROW_SUMS_STAGING_BYTES = 8 << 20;

const BITLINE_KERNEL_URL = new URL('./kernels/bitline-kernels.wasm', import.meta.url);

/** The thread's `rowSums` kernel on its own memory, and the kernels on other kernels' memories. */
let rowSumsKernel: RowSumsKernel | null = null;
const rowSumsOn = new WeakMap<WebAssembly.Memory, RowSumsKernel>();

/**
 * The kernel path of {@link tileBitLines}: into `target`, an array (the sums are staged in the
 * kernel's memory by chunks of vectors and copied out) or a {@link KernelArea} (the kernel runs on
 * that memory and writes every chunk's sums in place; nothing is copied).
 */
function kernelBitLines(
  tile: ProgrammedTile,
  columns: number,
  codes: Uint8Array,
  n: number,
  fanIn: number,
  dacBits: number,
  T: number,
  target: Float32Array | KernelArea,
): Float32Array {
  const direct = !(target instanceof Float32Array);
  let k: RowSumsKernel;
  if (direct) {
    k = rowSumsOn.get(target.memory) ?? instantiateKernel<RowSumsKernel>(BITLINE_KERNEL_URL, 0, target.memory);
    rowSumsOn.set(target.memory, k);
  } else k = rowSumsKernel ??= instantiateKernel<RowSumsKernel>(BITLINE_KERNEL_URL, 0);
  const align = (x: number): number => Math.ceil(x / 16) * 16;
  // The tile's levels (copied per call: a copy is small beside the sums), a chunk of vectors'
  // codes, its sums (own memory only) and the kernel's list of driven rows (20 bytes a row).
  const levelsAt = direct ? align(target.at + 4 * T * n * columns) : 0;
  const chunk = Math.max(1, Math.min(n, Math.floor(ROW_SUMS_STAGING_BYTES / (fanIn + (direct ? 0 : T * columns * 4)))));
  const codesAt = align(levelsAt + tile.levels.byteLength);
  const stagedAt = align(codesAt + chunk * fanIn);
  const scratchAt = align(stagedAt + (direct ? 0 : T * chunk * columns * 4));
  growMemory(k.memory, scratchAt + 20 * tile.rows);
  new Float32Array(k.memory.buffer, levelsAt, tile.levels.length).set(tile.levels);
  const mem = new Uint8Array(k.memory.buffer);
  const sums = new Float32Array(k.memory.buffer, stagedAt, direct ? 0 : T * chunk * columns);
  for (let start = 0; start < n; start += chunk) {
    const m = Math.min(chunk, n - start);
    mem.set(codes.subarray(start * fanIn, (start + m) * fanIn), codesAt);
    if (direct) {
      // Slice i of vectors start .. start + m − 1 goes to rows i·n + start … of the area.
      k.rowSums(codesAt + tile.rowStart, m, fanIn, tile.rows, levelsAt, columns, dacBits, T, target.at + 4 * start * columns, scratchAt, n);
    } else {
      k.rowSums(codesAt + tile.rowStart, m, fanIn, tile.rows, levelsAt, columns, dacBits, T, stagedAt, scratchAt, m);
      for (let i = 0; i < T; i++) target.set(sums.subarray(i * m * columns, (i + 1) * m * columns), (i * n + start) * columns);
    }
  }
  return direct ? new Float32Array(k.memory.buffer, target.at, T * n * columns) : target;
}

/**
 * Digital partial sums of one tile for the signed-column-pair (differential) layout, computed on
 * the backend: each signed slice sum d is converted by a sign-magnitude converter of `adcBits`
 * bits (saturating, rounding to nearest with ties to even as `isaacAccumulate` does; `adcBits`
 * null = no conversion, the ideal path),
 * weighted by 2^(P_R·s) and summed over the weight slices; the input slices are then shifted by
 * 2^(D·i) and added into `acc` [n × fanOut]. Same arithmetic as `isaacAccumulate` /
 * `idealAccumulate` of `dataflows/functional.ts`, without moving the bit-line matrix to JavaScript.
 */
export function tileDigitalSums(
  tile: ProgrammedTile,
  tensors: TileTensors,
  fanOut: number,
  weightSlices: number,
  cellBits: number,
  codes: Uint8Array,
  n: number,
  fanIn: number,
  dacBits: number,
  inputBits: number,
  adcBits: number | null,
  rng: Rng | null,
  acc: Float64Array,
): void {
  const T = inputCyclesOf(inputBits, dacBits);
  const d = drivenRows(tile, codes, n, fanIn, dacBits, T);
  if (d.rowIds.length === 0) return;
  const sums = tf.tidy(() => {
    const bl = bitLineTensor(tile, tensors, d, rng);
    // Saturate, then round (clipping at an integer bound commutes with rounding): two passes over
    // the bit-line matrix; the weighted sum over the weight slices is one thin product.
    const top = adcBits === null ? 0 : 2 ** adcBits - 1;
    const q = adcBits === null ? bl : bl.clipByValue(-top, top).round();
    const weights = tf.tensor2d(
      Float32Array.from({ length: weightSlices }, (_, s) => 2 ** (cellBits * s)),
      [weightSlices, 1],
    );
    return tf.matMul(q.reshape([d.rowIds.length * fanOut, weightSlices]), weights);
  });
  const v = sums.dataSync() as Float32Array;
  sums.dispose();
  d.rowIds.forEach((id, row) => {
    const i = Math.floor(id / n);
    const r = id - i * n;
    const shift = 2 ** (dacBits * i);
    for (let j = 0; j < fanOut; j++) acc[r * fanOut + j] += v[row * fanOut + j] * shift;
  });
}
