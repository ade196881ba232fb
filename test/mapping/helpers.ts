/** Shared fixtures of the mapping tests (not a test file itself). */
import { Rng } from '../../src/core/rng.ts';
import type { LayerWeights } from '../../src/mapping/dnn-weights.ts';

/**
 * A random layer of signed P_W-bit codes whose columns differ in sign balance and bit density,
 * so that some physical columns hold mostly ones (and get flipped) and others mostly zeros.
 */
export function skewedLayer(name: string, rows: number, cols: number, seed: number, weightBits = 8): LayerWeights {
  const rng = new Rng(seed);
  const codes = new Int16Array(rows * cols);
  const density = [0.1, 0.5, 0.95];
  const positive = [0.02, 0.5, 0.98];
  for (let j = 0; j < cols; j++) {
    const p = density[j % 3];
    const q = positive[Math.floor(j / 3) % 3];
    for (let r = 0; r < rows; r++) {
      let mag = 0;
      for (let b = 0; b < weightBits; b++) if (rng.uniform() < p) mag |= 1 << b;
      codes[r * cols + j] = rng.uniform() < q ? mag : -mag;
    }
  }
  return { name, rows, cols, codes };
}

/** Reference product y = x·W over the integer codes, x [batch × rows] → [batch × cols]. */
export function directProduct(w: LayerWeights, x: ArrayLike<number>, batch: number): Float64Array {
  const y = new Float64Array(batch * w.cols);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < w.rows; r++) {
      const xr = x[b * w.rows + r];
      for (let j = 0; j < w.cols; j++) y[b * w.cols + j] += xr * w.codes[r * w.cols + j];
    }
  }
  return y;
}
