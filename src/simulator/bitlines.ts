/**
 * Bit-line sums of a programmed tile for a batch of input codes, all input slices at once
 * (DESIGN.md §4 "fuse all bit planes into one large matrix product"):
 *
 *   BL[i][r][c] = Σ_k x_ik(r) · g_kc,   x_ik = (q_k >> (D·i)) & (2^D − 1),
 *
 * computed as one tfjs product [T·n' × K'] × [K' × C] where n' keeps only the (slice, image) rows
 * with a nonzero input and K' only the tile rows some image of the batch drives. Per-read noise is
 * sampled at the column output, where it is exactly Gaussian with variance Σ_k x_ik²·σ_kc²
 * (one more product of the squared inputs with the per-device variances).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng.ts';
import type { ProgrammedTile } from './program.ts';

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

/**
 * Bit-line sums [T × n × C] (slice-major, row-major within a slice) of one tile for input codes
 * `codes` [n × fanIn] (only the tile's rows are read). `rng` draws the per-read noise.
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
): Float32Array {
  const T = Math.ceil(inputBits / dacBits);
  const mask = 2 ** dacBits - 1;
  const K = tile.rows;
  // Active tile rows: driven by some image of the batch.
  const active: number[] = [];
  for (let k = 0; k < K; k++) {
    const col = tile.rowStart + k;
    for (let r = 0; r < n; r++) {
      if (codes[r * fanIn + col] !== 0) {
        active.push(k);
        break;
      }
    }
  }
  const out = new Float32Array(T * n * columns);
  if (active.length === 0) return out;
  // Nonzero (slice, image) rows.
  const rowIds: number[] = [];
  for (let i = 0; i < T; i++) {
    const shift = dacBits * i;
    for (let r = 0; r < n; r++) {
      let any = false;
      const base = r * fanIn + tile.rowStart;
      for (const k of active) {
        if ((codes[base + k] >> shift) & mask) {
          any = true;
          break;
        }
      }
      if (any) rowIds.push(i * n + r);
    }
  }
  if (rowIds.length === 0) return out;
  const Ka = active.length;
  const x = new Float32Array(rowIds.length * Ka);
  rowIds.forEach((id, row) => {
    const i = Math.floor(id / n);
    const r = id - i * n;
    const shift = dacBits * i;
    const base = r * fanIn + tile.rowStart;
    for (let a = 0; a < Ka; a++) x[row * Ka + a] = (codes[base + active[a]] >> shift) & mask;
  });
  const [blT, varT] = tf.tidy(() => {
    const full = Ka === K;
    const idx = full ? null : tf.tensor1d(active, 'int32');
    const g = full ? tensors.levels : tf.gather(tensors.levels, idx!);
    const xt = tf.tensor2d(x, [rowIds.length, Ka]);
    const bl = tf.matMul(xt, g);
    if (!tensors.readVariance || !rng) return [bl];
    const v = full ? tensors.readVariance : tf.gather(tensors.readVariance, idx!);
    return [bl, tf.matMul(xt.square(), v)];
  });
  const bl = blT.dataSync() as Float32Array;
  const variance = varT ? (varT.dataSync() as Float32Array) : null;
  blT.dispose();
  varT?.dispose();
  rowIds.forEach((id, row) => {
    const o = id * columns;
    const src = row * columns;
    if (variance && rng) {
      for (let c = 0; c < columns; c++) out[o + c] = bl[src + c] + Math.sqrt(variance[src + c]) * rng.normal();
    } else out.set(bl.subarray(src, src + columns), o);
  });
  return out;
}
