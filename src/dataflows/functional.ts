/**
 * Functional execution of the three dataflows on the bit-line sums of one tile (docs/reference.md §3–4).
 * Each function adds the tile's digital partial sums to `acc` [n × fanOut] (units: input code ×
 * weight code) and returns the A/D conversions it performed.
 *
 * A column pair is sensed as one signed value d = BL⁺ − BL⁻ (differential sensing), so one
 * conversion covers one weight slice, as the closed forms of `conversions.ts` count. The functions
 * here take those signed sums directly: d[i][r][c] for input slice i, row r, column c = j·S + s
 * (weight column j, slice s), in units of one cell level times one DAC level.
 */
import type { LogNormalFactors } from '../core/rng.ts';

/** Geometry of a tile's bit-line sums. */
export interface TileGeometry {
  /** Input slices T. */
  slices: number;
  /** Rows (images × positions) n. */
  n: number;
  /** Weight columns. */
  fanOut: number;
  /** Weight slices S. */
  weightSlices: number;
  cellBits: number;
  dacBits: number;
}

function columnsOf(g: TileGeometry): number {
  return g.fanOut * g.weightSlices;
}

/** Exact shift-and-add of the signed column pairs (no conversion): the ideal reference path. */
export function idealAccumulate(d: Float32Array, g: TileGeometry, acc: Float64Array): number {
  const C = columnsOf(g);
  const radix = 2 ** g.cellBits;
  for (let i = 0; i < g.slices; i++) {
    const shift = 2 ** (g.dacBits * i);
    for (let r = 0; r < g.n; r++) {
      const o = (i * g.n + r) * C;
      for (let j = 0; j < g.fanOut; j++) {
        let sum = 0;
        for (let s = g.weightSlices - 1; s >= 0; s--) sum = sum * radix + d[o + j * g.weightSlices + s];
        acc[r * g.fanOut + j] += sum * shift;
      }
    }
  }
  return 0;
}

/**
 * ISAAC-style: every signed column pair converted every input cycle by a `bits`-bit magnitude
 * converter (sign from the differential pair; codes saturate at 2^bits − 1), then digital
 * shift-and-add. T·S conversions per weight column per row.
 */
export function isaacAccumulate(d: Float32Array, g: TileGeometry, bits: number, acc: Float64Array): number {
  const C = columnsOf(g);
  const top = 2 ** bits - 1;
  const radix = 2 ** g.cellBits;
  const S = g.weightSlices;
  for (let i = 0; i < g.slices; i++) {
    const shift = 2 ** (g.dacBits * i);
    for (let r = 0; r < g.n; r++) {
      const o = (i * g.n + r) * C;
      const a = r * g.fanOut;
      for (let j = 0; j < g.fanOut; j++) {
        let sum = 0;
        const base = o + j * S;
        for (let s = S - 1; s >= 0; s--) {
          const v = d[base + s];
          // Saturate at the top code, round to nearest with ties to even (the backend's rounding;
          // ties only occur for exact half-integer sums).
          const c = v > top ? top : v < -top ? -top : v;
          let q = Math.round(c);
          if (q - c === 0.5 && q % 2 !== 0) q -= 1;
          sum = sum * radix + q;
        }
        acc[a + j] += sum * shift;
      }
    }
  }
  return g.slices * g.n * g.fanOut * g.weightSlices;
}

/** CASCADE-style buffer and converter settings. */
export interface CascadeSettings {
  /** Buffer cell precision, bits (magnitude levels 2^bits − 1). */
  bufferCellBits: number;
  /** Buffer full scale in bit-line units (the TIA gain maps it to the top level). */
  bufferFullScale: number;
  /** Converter magnitude bits. */
  adcBits: number;
  /** Each buffer write's variation: a fresh log-normal factor per write (null: none). */
  writeFactors: LogNormalFactors | null;
}

/**
 * CASCADE-style analog buffering: in input cycle i the signed partial sum of slice s goes through a
 * TIA and is written into a buffer cell of column i + s (the buffer's column index is the
 * significance), quantized to the cell's levels with a per-write variation; after T cycles each
 * of the T + S − 1 buffer columns (summed on its bit line) is converted once, and the digital
 * shift-and-add weighs column k by 2^k. Needs P_D = P_R so that significances align.
 */
export function cascadeAccumulate(dSums: Float32Array, g: TileGeometry, st: CascadeSettings, acc: Float64Array): number {
  if (g.dacBits !== g.cellBits) throw new RangeError('CASCADE-style buffering needs equal DAC and cell bits');
  const C = columnsOf(g);
  const S = g.weightSlices;
  const K = g.slices + S - 1;
  const levels = 2 ** st.bufferCellBits - 1;
  const lsb = st.bufferFullScale / levels;
  const top = 2 ** st.adcBits - 1;
  const radix = 2 ** g.cellBits;
  const factors = st.writeFactors;
  // One output row's buffer columns, [weight column j][significance k]; the row's bit-line sums of
  // one input cycle are contiguous, so the cycles are read in order.
  const columns = new Float64Array(g.fanOut * K);
  // The loop is branch-free on the data (signs and zero writes are unpredictable): the sign as
  // (d > 0) − (d < 0), rounding half up as ⌊a + 0.5⌋ (a ≥ 0; equal to Math.round but at
  // a = 0.5 − 2⁻⁵⁴), and a write of level 0 reads a factor without consuming it.
  for (let r = 0; r < g.n; r++) {
    columns.fill(0);
    let f = 0;
    let values: Float64Array | null = null;
    if (factors) {
      factors.reserve(g.slices * C);
      values = factors.values;
      f = factors.position;
    }
    for (let i = 0; i < g.slices; i++) {
      const o = (i * g.n + r) * C;
      for (let j = 0; j < g.fanOut; j++) {
        const base = o + j * S;
        const col = j * K + i;
        for (let s = 0; s < S; s++) {
          const d = dSums[base + s];
          const q = Math.min(levels, Math.floor(Math.abs(d) / lsb + 0.5));
          let w = q * lsb;
          if (values) {
            w *= values[f];
            f += Number(q > 0);
          }
          columns[col + s] += (Number(d > 0) - Number(d < 0)) * w;
        }
      }
    }
    if (factors) factors.position = f;
    for (let j = 0; j < g.fanOut; j++) {
      let sum = 0;
      for (let k = K - 1; k >= 0; k--) {
        const v = columns[j * K + k];
        const code = Math.min(top, Math.floor(Math.abs(v) / lsb + 0.5));
        sum = sum * radix + (Number(v > 0) - Number(v < 0)) * code * lsb;
      }
      acc[r * g.fanOut + j] += sum;
    }
  }
  return g.n * g.fanOut * K;
}
