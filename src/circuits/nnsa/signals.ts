/**
 * Signals of the neural analog shift-and-add (NNS+A, docs/reference.md §2.4).
 *
 * Inputs of one cycle i: for each weight bit j = 0..7 the bit-line voltages of that bit's positive
 * and negative columns, v⁺_ij and v⁻_ij ∈ [0, 0.5] V, forming pair j; the previous output (P, N)
 * held in the sample-and-hold as pair 8. The normalized signed bit-line value is
 * s_ij = (v⁺_ij − v⁻_ij) / 0.5 V ∈ [−1, 1].
 *
 * Output: a differential pair (P, N) = (V_CM + y·V_FS/2, V_CM − y·V_FS/2) with V_CM = 0.25 V and
 * V_FS = 0.5 V, so P, N ∈ [0, 0.5] V like every other analog signal and the differential output
 * P − N = 0.5 V · y spans ±0.5 V. Target recursion, streamed least significant slice first with a
 * D-bit DAC:
 *
 *   y_i = 2^(−D)·y_(i−1) + (1 − 2^(−D)) · Σ_j 2^j·s_ij / 255,   y_(−1) = 0,
 *
 * which keeps |y| ≤ 1 and after T = ⌈8/D⌉ cycles equals the dot product times a known constant
 * ({@link dotProductScale}).
 */
import { SIGNAL_MAX_VOLTS } from '../../core/defaults.ts';

/** Weight bits accumulated by one NNS+A (8-bit weights). */
export const WEIGHT_BITS = 8;
/** Input pairs of the NNS+A hidden layer, without the bias pair: 8 bit pairs + previous output. */
export const NNSA_INPUT_PAIRS = WEIGHT_BITS + 1;
/**
 * Source input of each signal row pair of the NNS+A's hidden layer for `bitRows[j]` parallel rows
 * of weight bit j: the bits in order (repeated rows adjacent), then the held previous output.
 */
export function nnsaInputRows(bitRows: readonly number[]): number[] {
  return [...bitRows.flatMap((rows, j) => Array.from({ length: rows }, () => j)), WEIGHT_BITS];
}

/** Common-mode voltage of the differential output, volts. */
export const OUTPUT_COMMON_MODE_VOLTS = SIGNAL_MAX_VOLTS / 2;
/** Differential full scale: P − N = y · OUTPUT_FULL_SCALE_VOLTS, volts. */
export const OUTPUT_FULL_SCALE_VOLTS = SIGNAL_MAX_VOLTS;

/** Input cycles T = ⌈bits / D⌉ for a D-bit DAC. */
export function inputCycles(dacBits: number, inputBits = WEIGHT_BITS): number {
  return Math.ceil(inputBits / dacBits);
}

/** One step of the target recursion: y_i from y_(i−1) and the signed bit-line values s_j. */
export function recursionStep(previous: number, bitLineValues: ArrayLike<number>, dacBits: number): number {
  let sum = 0;
  for (let j = 0; j < bitLineValues.length; j++) sum += 2 ** j * bitLineValues[j];
  const a = 2 ** -dacBits;
  return a * previous + ((1 - a) * sum) / (2 ** WEIGHT_BITS - 1);
}

/** Runs the recursion over cycles (cycle 0 = least significant input slice); returns y_(T−1). */
export function recursionFinal(cycles: ArrayLike<number>[], dacBits: number): number {
  let y = 0;
  for (const s of cycles) y = recursionStep(y, s, dacBits);
  return y;
}

/**
 * The constant c with y_(T−1) = c · Σ_i 2^(D·i) Σ_j 2^j s_ij: c = (1 − 2^−D)·2^(−D(T−1)) / 255.
 */
export function dotProductScale(dacBits: number, cycles: number): number {
  return ((1 - 2 ** -dacBits) * 2 ** (-dacBits * (cycles - 1))) / (2 ** WEIGHT_BITS - 1);
}

/** Output pair voltages for a normalized value y. */
export function outputPair(y: number): [number, number] {
  const half = (y * OUTPUT_FULL_SCALE_VOLTS) / 2;
  return [OUTPUT_COMMON_MODE_VOLTS + half, OUTPUT_COMMON_MODE_VOLTS - half];
}

/** Normalized value y of an output pair. */
export function pairValue(pVolts: number, nVolts: number): number {
  return (pVolts - nVolts) / OUTPUT_FULL_SCALE_VOLTS;
}
