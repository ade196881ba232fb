/**
 * ISAAC-style digital partial sums through lookup tables of the programmed conductances, for
 * few-bit input slices (the "method of four Russians"). A D-bit slice drives each row with one
 * of 2^D values, so the bit-line sums of a group of m adjacent rows take one of 2^(m·D) vectors:
 *
 *   table[g][e] = Σ_{q < m} e_q · G[g·m + q, :],   e = Σ_q e_q · 2^(D·q),
 *
 * built once per draw from the programmed (varied, faulty) devices. A tile's bit-line sums for one
 * image and one input slice are then the sum of one table row per group that the slice drives,
 * instead of a product over every row: no multiplications, and with 1-bit slices and m = 4 fewer
 * additions than even a sparse row sum (an MNIST test image drives 852 rows of the 784-row first
 * layer over its 8 slices, but 384 four-row groups; the dense product touches every row of every
 * slice that drives some image in the batch). The additions and the converter (saturate, round
 * to nearest with ties to even, weight-slice radix, input-slice shift) run in the SIMD kernels of
 * `kernels/bitline-kernels.wat`; the JavaScript side only picks the table rows.
 *
 * The arithmetic is the same as `tileDigitalSums` (bitlines.ts) and `isaacAccumulate`
 * (dataflows/functional.ts): float32 bit-line sums, integer codes. Only the order of the float32
 * additions differs, so a sum within a rounding error (~10⁻⁵ of a level step) of a half-integer
 * may round the other way; with exactly representable levels (nominal devices) the two paths agree
 * exactly. Per-read noise is not handled here (the engine sends those runs to the tfjs path).
 */
import { inputCyclesOf } from './closed-forms.ts';
import { instantiateKernel } from '../core/wasm-kernel.ts';
import type { ProgrammedLayer, ProgrammedTile } from '../mapping/programmed-tiles.ts';

/** The exports of `kernels/bitline-kernels.wasm`. */
interface KernelExports {
  memory: WebAssembly.Memory;
  addScaledRow(dst: number, src: number, row: number, scale: number, width: number): void;
  layerSums(desc: number, codes: number, n: number, out: number): void;
}

/** Bytes of staged input codes and int32 sums per kernel call (larger batches go in chunks). */
const STAGING_BYTES = 4 << 20;

/** Above this much table memory per draw, layers stay on the tfjs product (wasm32 allows 4 GiB). */
export const LOOKUP_MEMORY_LIMIT_BYTES = 1 << 30;

/** Rows per table group for D-bit input slices: at most 16 entries per group (at least one row). */
export function lookupGroupRows(dacBits: number): number {
  return Math.max(1, Math.floor(4 / dacBits));
}

/** Table geometry of a layer: groups per tile, entries per group, lanes per row (padded to 16). */
function geometry(prog: ProgrammedLayer, dacBits: number): { m: number; entries: number; width: number; groups: number[] } {
  const m = lookupGroupRows(dacBits);
  return {
    m,
    entries: 2 ** (m * dacBits),
    width: Math.ceil(prog.columns / 16) * 16,
    groups: prog.tiles.map((t) => Math.ceil(t.rows / m)),
  };
}

/** Bytes of a layer's lookup tables. */
export function lookupTableBytes(prog: ProgrammedLayer, dacBits: number): number {
  const g = geometry(prog, dacBits);
  return g.groups.reduce((a, b) => a + b, 0) * g.entries * g.width * 4;
}

/**
 * Whether the integer accumulation of a layer fits in int32: the largest partial sum of one weight
 * column is top · 2^(P_R·(S−1)) · Σ_i 2^(D·i) · tiles.
 */
function fitsInt32(prog: ProgrammedLayer, dacBits: number, inputBits: number, adcBits: number): boolean {
  const T = inputCyclesOf(inputBits, dacBits);
  const top = 2 ** adcBits - 1;
  const shifts = (2 ** (dacBits * T) - 1) / (2 ** dacBits - 1);
  return top * 2 ** (prog.cellBits * (prog.slices - 1)) * shifts * prog.tiles.length < 2 ** 31;
}

/**
 * Whether a bit-line sum of `tile` could round beyond ±top: the largest |sum| is at most
 * Σ_k |G_kc| · (2^D − 1) for the worst column (with a margin for float32 summation).
 */
function mayClip(tile: ProgrammedTile, columns: number, maxDigit: number, top: number): boolean {
  const bound = new Float64Array(columns);
  for (let k = 0; k < tile.rows; k++) for (let c = 0; c < columns; c++) bound[c] += Math.abs(tile.levels[k * columns + c]);
  let worst = 0;
  for (const b of bound) worst = Math.max(worst, b);
  return worst * maxDigit * (1 + 1e-5) + 1e-3 >= top + 0.5;
}

interface LookupLayer {
  prog: ProgrammedLayer;
  /** Byte address of the layer's descriptor for the `layerSums` kernel (see the `.wat` source). */
  desc: number;
}

/** The lookup path of a draw: which layers it runs, and their partial sums. */
export interface LookupEngine {
  /** Whether crossbar layer `index` runs here. */
  has(index: number): boolean;
  /**
   * Adds the converted, shifted and summed partial sums of every tile of layer `index` for input
   * codes `codes` [n × fanIn] into `acc` [n × fanOut].
   */
  digitalSums(index: number, codes: Uint8Array, n: number, acc: Float64Array): void;
}

/**
 * Builds the lookup tables of the differential (signed column pair) layers among `layers` that fit
 * the limits (int32 accumulation of `adcBits`-bit sign-magnitude codes,
 * {@link LOOKUP_MEMORY_LIMIT_BYTES}); null when none does.
 */
export function buildLookupEngine(
  layers: Array<[number, ProgrammedLayer]>,
  dacBits: number,
  inputBits: number,
  adcBits: number,
): LookupEngine | null {
  // Entries are addressed by 4-bit fields, one per slice, packed in one 32-bit word.
  if (dacBits > 4 || inputCyclesOf(inputBits, dacBits) > 8) return null;
  let bytes = 0;
  const chosen: Array<[number, ProgrammedLayer]> = [];
  for (const [index, prog] of layers) {
    const b = lookupTableBytes(prog, dacBits);
    if (!prog.differential || !fitsInt32(prog, dacBits, inputBits, adcBits) || bytes + b > LOOKUP_MEMORY_LIMIT_BYTES) continue;
    bytes += b;
    chosen.push([index, prog]);
  }
  if (!chosen.length) return null;
  const geos = chosen.map(([, prog]) => geometry(prog, dacBits));
  const maxWidth = Math.max(...geos.map((g) => g.width));
  const maxGroups = Math.max(...geos.flatMap((g) => g.groups));
  const maxFanIn = Math.max(...chosen.map(([, prog]) => prog.fanIn));
  const maxFanOut = Math.max(...chosen.map(([, prog]) => prog.fanOut));
  // Memory: tables, per-layer radices and descriptors, the spread table, scratch rows, then the
  // staging area of input codes and sums (all 16-byte aligned).
  let used = 0;
  const alloc = (n: number): number => {
    const at = used;
    used += Math.ceil(n / 16) * 16;
    return at;
  };
  const T = inputCyclesOf(inputBits, dacBits);
  const tableAddrs = geos.map((g) => g.groups.map((groups) => alloc(groups * g.entries * g.width * 4)));
  const weightAddrs = geos.map((g) => alloc(T * g.width * 4));
  const descAddrs = chosen.map(([, prog]) => alloc(64 + 16 * prog.tiles.length));
  const spreadAddr = alloc(256 * 4);
  const rowAddr = alloc(maxWidth * 4);
  const partialAddr = alloc(maxWidth * 4);
  const offsetsAddr = alloc(maxGroups * 4);
  const liveAddr = alloc(maxGroups * 8);
  const chunkRows = Math.max(1, Math.floor(STAGING_BYTES / (maxFanIn + 4 * maxFanOut)));
  const codesAddr = alloc(chunkRows * maxFanIn);
  const outAddr = alloc(chunkRows * maxFanOut * 4);
  const kernels = instantiateKernel<KernelExports>(new URL('./kernels/bitline-kernels.wasm', import.meta.url), used);
  // Views are made after the memory has its final size (growing detaches them).
  const buffer = kernels.memory.buffer;
  const mask = 2 ** dacBits - 1;
  const top = 2 ** adcBits - 1;
  // spread[p]: the D-bit digits of input code p, digit i moved to bits 4i .. 4i + D − 1, so the
  // table entries of a group for all slices come from one word: e_i = (Σ_q spread[p_q] << D·q) >>> 4i.
  new Int32Array(buffer, spreadAddr, 256).set(lookupSpread(dacBits, T));

  const byIndex = new Map<number, LookupLayer>();
  chosen.forEach(([index, prog], l) => {
    const g = geos[l];
    // The staging row's padding lanes must be zero (a wider layer may have used them).
    const row = new Float32Array(buffer, rowAddr, g.width).fill(0);
    prog.tiles.forEach((tile, t) => {
      const rowBytes = g.width * 4;
      const entryAddr = (grp: number, e: number): number => tableAddrs[l][t] + (grp * g.entries + e) * rowBytes;
      for (let grp = 0; grp < g.groups[t]; grp++) {
        for (let q = 0; q < g.m; q++) {
          const k = grp * g.m + q;
          // Rows past the tile's end are never driven; their entries are never read.
          if (k >= tile.rows) break;
          row.set(tile.levels.subarray(k * prog.columns, (k + 1) * prog.columns));
          // Entries whose highest nonzero digit is row q: that digit times the row, plus the
          // entry without it (already built).
          for (let digit = 1; digit <= mask; digit++) {
            const high = digit * 2 ** (dacBits * q);
            for (let low = 0; low < 2 ** (dacBits * q); low++)
              kernels.addScaledRow(entryAddr(grp, high + low), entryAddr(grp, low), rowAddr, digit, g.width);
          }
        }
      }
    });
    const weights = new Int32Array(buffer, weightAddrs[l], T * g.width);
    for (let i = 0; i < T; i++)
      for (let c = 0; c < prog.columns; c++) weights[i * g.width + c] = 2 ** (prog.cellBits * (c % prog.slices) + dacBits * i);
    const desc = new Int32Array(buffer, descAddrs[l], 16 + 4 * prog.tiles.length);
    desc.set([
      prog.tiles.length,
      g.m,
      dacBits,
      T,
      g.width * 4,
      g.entries * g.width * 4,
      g.width,
      prog.slices,
      prog.fanOut,
      prog.fanIn,
      spreadAddr,
      weightAddrs[l],
      0,
      offsetsAddr,
      liveAddr,
      partialAddr,
    ]);
    new Float32Array(buffer, descAddrs[l] + 48, 1)[0] = top;
    prog.tiles.forEach((tile, t) =>
      desc.set([tile.rowStart, tile.rows, tableAddrs[l][t], mayClip(tile, prog.columns, mask, top) ? 1 : 0], 16 + 4 * t),
    );
    byIndex.set(index, { prog, desc: descAddrs[l] });
  });

  const staged = new Uint8Array(buffer, codesAddr, chunkRows * maxFanIn);
  const sums = new Int32Array(buffer, outAddr, chunkRows * maxFanOut);
  return {
    has: (index) => byIndex.has(index),
    digitalSums: (index, codes, n, acc) => {
      const { prog, desc } = byIndex.get(index)!;
      const { fanIn, fanOut } = prog;
      for (let start = 0; start < n; start += chunkRows) {
        const rows = Math.min(chunkRows, n - start);
        staged.set(codes.subarray(start * fanIn, (start + rows) * fanIn));
        kernels.layerSums(desc, codesAddr, rows, outAddr);
        const o = start * fanOut;
        for (let i = 0; i < rows * fanOut; i++) acc[o + i] += sums[i];
      }
    },
  };
}

/** The spread table of input codes: digit i of code p (D bits) at bits 4i .. 4i + D − 1. */
function lookupSpread(dacBits: number, inputCycles: number): Int32Array {
  const mask = 2 ** dacBits - 1;
  return Int32Array.from({ length: 256 }, (_, p) => {
    let v = 0;
    for (let i = 0; i < inputCycles; i++) v |= ((p >> (dacBits * i)) & mask) << (4 * i);
    return v;
  });
}

/**
 * The plain JavaScript specification of {@link LookupEngine.digitalSums} for one programmed layer:
 * the same float32 operations in the same order (table entries built digit by digit, each input
 * slice's entries added in ascending group order, saturation, rounding half to even, int32
 * weighting and sums), one at a time. The kernel path must equal it bit for bit.
 */
export function lookupDigitalSumsReference(
  prog: ProgrammedLayer,
  dacBits: number,
  inputBits: number,
  adcBits: number,
  codes: Uint8Array,
  n: number,
  acc: Float64Array,
): void {
  const f = Math.fround;
  const m = lookupGroupRows(dacBits);
  const T = inputCyclesOf(inputBits, dacBits);
  const mask = 2 ** dacBits - 1;
  const top = 2 ** adcBits - 1;
  const C = prog.columns;
  // Entry e of the group whose first row is `k0`, at column c: built as the kernel builds it.
  const entry = (tile: ProgrammedTile, k0: number, e: number, c: number): number => {
    if (e === 0) return 0;
    let q = m - 1;
    while (Math.floor(e / 2 ** (dacBits * q)) === 0) q--;
    const high = Math.floor(e / 2 ** (dacBits * q));
    const low = e - high * 2 ** (dacBits * q);
    return f(entry(tile, k0, low, c) + f(high * tile.levels[(k0 + q) * C + c]));
  };
  const partial = new Int32Array(C);
  for (let r = 0; r < n; r++) {
    partial.fill(0);
    for (const tile of prog.tiles) {
      const clamp = mayClip(tile, C, mask, top);
      for (let i = 0; i < T; i++) {
        const shift = 2 ** (dacBits * i);
        for (let c = 0; c < C; c++) {
          let sum = 0;
          for (let k0 = 0; k0 < tile.rows; k0 += m) {
            let e = 0;
            for (let q = 0; q < m && k0 + q < tile.rows; q++)
              e += ((codes[r * prog.fanIn + tile.rowStart + k0 + q] >> (dacBits * i)) & mask) * 2 ** (dacBits * q);
            if (e) sum = f(sum + entry(tile, k0, e, c));
          }
          if (clamp) sum = sum > top ? top : sum < -top ? -top : sum;
          let v = Math.round(sum);
          if (v - sum === 0.5 && v % 2 !== 0) v -= 1;
          partial[c] = (partial[c] + Math.imul(v, shift * 2 ** (prog.cellBits * (c % prog.slices)))) | 0;
        }
      }
    }
    for (let j = 0; j < prog.fanOut; j++) {
      let sum = 0;
      for (let s = 0; s < prog.slices; s++) sum = (sum + partial[j * prog.slices + s]) | 0;
      acc[r * prog.fanOut + j] += sum;
    }
  }
}
