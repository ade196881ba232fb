/**
 * Input/target samples of the NNS+A over its physical input range (docs/reference.md §2.4).
 *
 * A weight bit j sits either in the positive or in the negative column of a row, never both, so
 * the two bit lines of a pair share one budget: with v_max = 0.5 V the bit-line voltages satisfy
 * v⁺ ≥ 0, v⁻ ≥ 0, v⁺ + v⁻ ≤ v_max. Samples are uniform over that triangle, which covers the full
 * signed range s = (v⁺ − v⁻)/v_max ∈ [−1, 1]; the previous output y_(i−1) is uniform in [−1, 1]
 * and arrives as its (P, N) pair. Sample-and-hold thermal noise (Gaussian, per input line) is
 * added to the inputs the network sees, never to the target.
 */
import { SIGNAL_MAX_VOLTS } from '../../core/defaults.ts';
import type { Rng } from '../../core/rng.ts';
import type { TrainingBatch } from '../train-network.ts';
import { NNSA_INPUT_PAIRS, WEIGHT_BITS, outputPair, recursionStep } from './signals.ts';

/** One batch of NNS+A samples plus the normalized target value of each sample. */
export interface NnsaBatch extends TrainingBatch {
  /** Normalized target y_i of each sample. */
  targetValue: Float64Array;
  /** Normalized previous output y_(i−1) of each sample. */
  previousValue: Float64Array;
}

/** Draws a bit-line pair (v⁺, v⁻) uniformly from the triangle v⁺ + v⁻ ≤ v_max. */
export function sampleBitLinePair(rng: Rng, vMaxVolts = SIGNAL_MAX_VOLTS): [number, number] {
  let a = rng.uniform();
  let b = rng.uniform();
  if (a + b > 1) {
    a = 1 - a;
    b = 1 - b;
  }
  return [a * vMaxVolts, b * vMaxVolts];
}

/**
 * Draws a bit-line pair whose signed value s = (v⁺ − v⁻)/v_max is close to `level` ∈ [−1, 1]
 * (Gaussian spread `spread`, clipped), with its common mode uniform over what the triangle
 * v⁺ + v⁻ ≤ v_max still allows. Returns the pair and s.
 */
export function sampleBitLinePairNear(rng: Rng, level: number, spread: number, vMaxVolts = SIGNAL_MAX_VOLTS): [number, number, number] {
  const s = Math.min(1, Math.max(-1, level + spread * rng.normal()));
  const diff = s * vMaxVolts;
  const sum = Math.abs(diff) + rng.uniform() * (vMaxVolts - Math.abs(diff));
  const vp = Math.max(0, (sum + diff) / 2);
  const vn = Math.max(0, (sum - diff) / 2);
  return [vp, vn, (vp - vn) / vMaxVolts];
}

/**
 * Draws `batch` samples for a D-bit DAC: inputs [batch × 9] (8 bit pairs, then the previous
 * output pair), targets [batch × 2] (the ideal output pair P, N), volts.
 *
 * With `stressFraction` > 0 that fraction of the samples is drawn "output-uniform": one level
 * ρ ~ U[−1, 1] per sample and every bit line pair's signed value near ρ. These are points of the
 * same physical input range (every pair still satisfies v⁺ + v⁻ ≤ v_max) but they cover the whole
 * output range |y| ≤ 1 evenly, whereas independent uniform pairs put almost no mass at |y| > 0.7,
 * where all hidden neurons must swing to their rails and the largest errors arise.
 */
export function sampleNnsaBatch(rng: Rng, batch: number, dacBits: number, sampleHoldNoiseVolts: number, stressFraction = 0): NnsaBatch {
  const K = NNSA_INPUT_PAIRS;
  const upper = new Float32Array(batch * K);
  const lower = new Float32Array(batch * K);
  const target = new Float32Array(batch * 2);
  const targetValue = new Float64Array(batch);
  const previousValue = new Float64Array(batch);
  const s = new Float64Array(WEIGHT_BITS);
  const noise = (): number => (sampleHoldNoiseVolts > 0 ? sampleHoldNoiseVolts * rng.normal() : 0);
  for (let b = 0; b < batch; b++) {
    const stress = stressFraction > 0 && rng.uniform() < stressFraction;
    const level = stress ? rng.uniformIn(-1, 1) : 0;
    for (let j = 0; j < WEIGHT_BITS; j++) {
      let vp: number;
      let vn: number;
      if (stress) [vp, vn] = sampleBitLinePairNear(rng, level, 0.2);
      else [vp, vn] = sampleBitLinePair(rng);
      s[j] = (vp - vn) / SIGNAL_MAX_VOLTS;
      upper[b * K + j] = vp + noise();
      lower[b * K + j] = vn + noise();
    }
    const yPrev = rng.uniformIn(-1, 1);
    const [p, n] = outputPair(yPrev);
    upper[b * K + WEIGHT_BITS] = p + noise();
    lower[b * K + WEIGHT_BITS] = n + noise();
    const y = recursionStep(yPrev, s, dacBits);
    const [tp, tn] = outputPair(y);
    target[2 * b] = tp;
    target[2 * b + 1] = tn;
    targetValue[b] = y;
    previousValue[b] = yPrev;
  }
  return { upper, lower, target, targetValue, previousValue };
}
