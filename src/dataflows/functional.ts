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
  /** Relative σ of each buffer write (log-normal, a fresh draw per write). */
  writeSigma: number;
  /** Draws the write variation (null: none). */
  normal: (() => number) | null;
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
  const K = g.slices + g.weightSlices - 1;
  const levels = 2 ** st.bufferCellBits - 1;
  const lsb = st.bufferFullScale / levels;
  const top = 2 ** st.adcBits - 1;
  const column = new Float64Array(K);
  const radix = 2 ** g.cellBits;
  for (let r = 0; r < g.n; r++) {
    for (let j = 0; j < g.fanOut; j++) {
      column.fill(0);
      for (let i = 0; i < g.slices; i++) {
        const o = (i * g.n + r) * C;
        for (let s = 0; s < g.weightSlices; s++) {
          const d = dSums[o + j * g.weightSlices + s];
          let q = Math.min(levels, Math.round(Math.abs(d) / lsb));
          if (q && st.normal && st.writeSigma > 0) q *= Math.exp(st.writeSigma * st.normal());
          column[i + s] += (d < 0 ? -q : q) * lsb;
        }
      }
      let sum = 0;
      for (let k = K - 1; k >= 0; k--) {
        const code = Math.min(top, Math.round(Math.abs(column[k]) / lsb));
        sum = sum * radix + (column[k] < 0 ? -code : code) * lsb;
      }
      acc[r * g.fanOut + j] += sum;
    }
  }
  return g.n * g.fanOut * K;
}
