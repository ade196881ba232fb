/**
 * Closed forms of the three dataflows of docs/reference.md §3: how many input cycles a vector-matrix
 * product takes, how many A/D conversions each weight group needs, and how many bits each
 * conversion must resolve.
 *
 * Vocabulary. A *weight group* is one output neuron's weights on one array: its P_W-bit weights
 * (magnitude bits; the sign is carried by the column pair) sliced over ⌈P_W/P_R⌉ cell columns.
 * With the design's differential layout a signed 8-bit weight on 1-bit cells takes 16 columns
 * (positive bit j and negative bit j side by side), so a 128-column array holds 8 groups; each
 * (positive, negative) column pair is sensed as one signed value, so one conversion covers one
 * weight slice. With ISAAC's original offset layout (weights stored with a bias, no negative
 * columns) a 16-bit weight on 2-bit cells takes 8 columns. Either way the closed forms count one
 * conversion per weight slice per input cycle for the digital dataflow.
 *
 * Shared by the cost model and the functional simulator; every function is pure and validates
 * its parameters (a bad parameter is a {@link UserError}).
 */
import { ensure } from '../core/errors.ts';

/** The three dataflows: A digital accumulation, B analog buffering, C analog accumulation. */
export type DataflowKind = 'isaac' | 'cascade' | 'neural-pim';

/** Every dataflow, in the order of docs/reference.md §3 (A, B, C). */
export const DATAFLOWS: readonly DataflowKind[] = ['isaac', 'cascade', 'neural-pim'];

/** Bit-slicing parameters of a crossbar dataflow (docs/reference.md §3 notation in brackets). */
export interface DataflowParams {
  /** Input (activation) precision, bits [P_I]. */
  inputBits: number;
  /** Weight magnitude precision, bits [P_W]. */
  weightBits: number;
  /** Output precision, bits [P_O]. */
  outputBits: number;
  /** log2 of the number of rows of an array [N]; 7 for 128 × 128. */
  log2Rows: number;
  /** Bits stored per RRAM cell [P_R]. */
  cellBits: number;
  /** DAC resolution, bits per input slice [P_D]. */
  dacBits: number;
  /**
   * ISAAC's flip encoding: a column whose largest sum would need the top bit stores complemented
   * weights and is corrected with Σ inputs, saving one ADC bit. Affects the resolution of A and
   * (since B's resolution is A's plus the buffer growth) of B.
   */
  flipEncoding: boolean;
}

/** Column layouts of a signed weight on the array. */
export type WeightLayout = 'differential' | 'offset';

function ensureBits(value: number, name: string, max = 32): void {
  ensure(Number.isInteger(value) && value >= 1 && value <= max, `${name} must be an integer in 1..${max}, got ${value}`);
}

/** Validates a {@link DataflowParams}; fails with a message naming the bad field. */
export function validateDataflowParams(p: DataflowParams): void {
  ensureBits(p.inputBits, 'input bits (P_I)');
  ensureBits(p.weightBits, 'weight bits (P_W)');
  ensureBits(p.outputBits, 'output bits (P_O)');
  ensureBits(p.log2Rows, 'log2 of array rows (N)', 16);
  ensureBits(p.cellBits, 'cell bits (P_R)', 8);
  ensureBits(p.dacBits, 'DAC bits (P_D)', 16);
  ensure(typeof p.flipEncoding === 'boolean', 'flip encoding must be true or false');
}

/** Input cycles per vector-matrix product: ⌈P_I/P_D⌉ (the same in all three dataflows). */
export function inputCycles(p: DataflowParams): number {
  validateDataflowParams(p);
  return inputCyclesOf(p.inputBits, p.dacBits);
}

/**
 * ⌈P_I/P_D⌉ from the two precisions alone, for the simulator's kernels that are handed just
 * those (the one place this formula is written).
 */
export function inputCyclesOf(inputBits: number, dacBits: number): number {
  ensureBits(inputBits, 'input bits (P_I)');
  ensureBits(dacBits, 'DAC bits (P_D)', 16);
  return Math.ceil(inputBits / dacBits);
}

/** Cell slices per weight: ⌈P_W/P_R⌉. */
export function weightSlices(p: DataflowParams): number {
  validateDataflowParams(p);
  return Math.ceil(p.weightBits / p.cellBits);
}

/**
 * Array columns one weight occupies: 2·⌈P_W/P_R⌉ for the differential layout (positive and
 * negative slices in adjacent columns), ⌈P_W/P_R⌉ for ISAAC's offset layout.
 */
export function columnsPerWeight(p: DataflowParams, layout: WeightLayout): number {
  return (layout === 'differential' ? 2 : 1) * weightSlices(p);
}

/**
 * A/D conversions per weight group per vector-matrix product, by the closed forms of §3:
 * A (ISAAC-style) ⌈P_I/P_D⌉·⌈P_W/P_R⌉ — every slice's bit line every cycle;
 * B (CASCADE-style) ⌈P_I/P_D⌉ + ⌈P_W/P_R⌉ − 1 — one per buffer column of equal significance;
 * C (Neural-PIM) 1 — the NNS+A delivers the finished dot product to one conversion.
 */
export function conversionsPerGroup(kind: DataflowKind, p: DataflowParams): number {
  const t = inputCycles(p);
  const s = weightSlices(p);
  switch (kind) {
    case 'isaac':
      return t * s;
    case 'cascade':
      return t + s - 1;
    case 'neural-pim':
      return 1;
  }
}

/**
 * CASCADE-style conversions per weight group when analog summing amplifiers first merge the
 * least significant buffer columns: the published design gets `conversionsPerInputCycle`
 * conversions per input cycle (10 per 16 cycles for 16-bit operands, i.e. 0.625), so a product of
 * ⌈P_I/P_D⌉ cycles needs ⌈0.625·⌈P_I/P_D⌉⌉ conversions — 5 for 8-bit inputs on 1-bit DACs.
 * Never more than the closed form without summing amplifiers, never fewer than 1.
 */
export function cascadeSummedConversionsPerGroup(p: DataflowParams, conversionsPerInputCycle: number): number {
  ensure(
    Number.isFinite(conversionsPerInputCycle) && conversionsPerInputCycle > 0,
    `CASCADE conversions per input cycle must be a positive number, got ${conversionsPerInputCycle}`,
  );
  const summed = Math.ceil(conversionsPerInputCycle * inputCycles(p) - 1e-9);
  return Math.max(1, Math.min(conversionsPerGroup('cascade', p), summed));
}

/**
 * ISAAC's rule for the resolution of a bit-line conversion: P_R + P_D + N bits, one fewer when
 * P_R or P_D is 1 (a sum of 2^N products of a 1-bit and a k-bit value needs k + N bits), one
 * fewer again with flip encoding.
 */
export function digitalAccumulationResolutionBits(p: DataflowParams): number {
  validateDataflowParams(p);
  let bits = p.cellBits + p.dacBits + p.log2Rows;
  if (p.cellBits === 1 || p.dacBits === 1) bits -= 1;
  if (p.flipEncoding) bits -= 1;
  return bits;
}

/**
 * A/D resolution per conversion, by the closed forms of §3: A as {@link digitalAccumulationResolutionBits};
 * B the resolution of A plus ⌈log2⌈P_I/P_D⌉⌉ (a buffer column sums up to ⌈P_I/P_D⌉ shifted partial
 * sums); C P_O (only the P_O most significant bits of the analog sum are extracted).
 */
export function adcResolutionBits(kind: DataflowKind, p: DataflowParams): number {
  switch (kind) {
    case 'isaac':
      return digitalAccumulationResolutionBits(p);
    case 'cascade':
      return digitalAccumulationResolutionBits(p) + Math.ceil(Math.log2(inputCycles(p)));
    case 'neural-pim':
      validateDataflowParams(p);
      return p.outputBits;
  }
}

/**
 * Bits of one A/D conversion as built: {@link adcResolutionBits} (the magnitude) plus a sign bit
 * when the converted value is signed. With the differential layout (`layout` 'differential') each
 * (positive, negative) column pair is sensed as one signed difference d = BL⁺ − BL⁻ ∈ [−R, R]·level,
 * so ISAAC-style and CASCADE-style converters resolve sign + magnitude: a fully differential SAR of
 * one more bit (9 bits for 8-bit operands on 1-bit cells and DACs, 128 rows; 12 for CASCADE's
 * buffer columns). Flip encoding halves the range of an unsigned column only (more than half of
 * its cells on → store the complement); it cannot halve a pair difference, so it is rejected with
 * the differential layout. With ISAAC's offset layout every column is unsigned and converted on its
 * own (flip encoding applies). Neural-PIM's NNADC resolves P_O magnitude bits; the sign of the
 * differential NNS+A output is one inverter comparator, not a converter bit (docs/modelling-choices.md).
 * The simulator's converters resolve the same sign + magnitude (`isaacConverterBits`, CASCADE's
 * `adcBits` are the magnitude part).
 */
export function adcConverterBits(kind: DataflowKind, p: DataflowParams, layout: WeightLayout): number {
  const magnitude = adcResolutionBits(kind, p);
  if (kind === 'neural-pim' || layout === 'offset') return magnitude;
  ensure(
    !p.flipEncoding,
    'flip encoding applies to unsigned columns (offset layout) only: a differential column pair is converted as one signed difference',
  );
  return magnitude + 1;
}

/** Everything the closed forms say about one configuration. */
export interface DataflowFigures {
  inputCycles: number;
  weightSlices: number;
  conversionsPerGroup: number;
  adcResolutionBits: number;
}

/** All closed forms of {@link DataflowKind} `kind` for `p`. */
export function dataflowFigures(kind: DataflowKind, p: DataflowParams): DataflowFigures {
  return {
    inputCycles: inputCycles(p),
    weightSlices: weightSlices(p),
    conversionsPerGroup: conversionsPerGroup(kind, p),
    adcResolutionBits: adcResolutionBits(kind, p),
  };
}
