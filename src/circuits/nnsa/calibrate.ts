/**
 * Foreground offset/gain calibration of one NNS+A instance, the analog view of what the simulator
 * does digitally for each NNS+A/NNADC pair (`PeripheralCalibration` in `dataflows/neural-pim-circuits.ts`):
 * a ramp of known inputs (every bit pair at s, s from −1 to +1) is applied and a least-squares line
 * through the differential outputs against their ideal values gives the instance's offset and gain.
 * Converter specifications state linearity the same way, after offset and gain are removed.
 */
import { SIGNAL_MAX_VOLTS } from '../../core/defaults.ts';
import { leastSquaresLine } from '../../core/line-fit.ts';
import { forwardNetwork, type NetworkInstance } from '../network.ts';
import type { VtcBank } from '../vtc.ts';
import { NNSA_INPUT_PAIRS, OUTPUT_FULL_SCALE_VOLTS, WEIGHT_BITS, outputPair, recursionStep } from './signals.ts';

/** Known inputs of an offset/gain calibration ramp. */
export const CALIBRATION_RAMP_POINTS = 65;

/** Offset and gain of an instance's differential output against the ideal, P − N ≈ gain·ideal + offset. */
export interface OutputCorrection {
  offsetVolts: number;
  gain: number;
}

/**
 * Offset and gain of one cycle of an NNS+A instance (held input at the zero output), from a ramp
 * of `points` inputs with every bit pair at the same s ∈ [−1, 1]. A non-positive gain (a broken
 * instance) gives no correction.
 */
export function nnsaRampCalibration(
  inst: NetworkInstance,
  bank: VtcBank,
  dacBits: number,
  points = CALIBRATION_RAMP_POINTS,
): OutputCorrection {
  const K = NNSA_INPUT_PAIRS;
  const upper = new Float64Array(points * K);
  const lower = new Float64Array(points * K);
  const idealVolts = new Float64Array(points);
  for (let i = 0; i < points; i++) {
    const s = -1 + (2 * i) / (points - 1);
    for (let j = 0; j < WEIGHT_BITS; j++) {
      upper[i * K + j] = SIGNAL_MAX_VOLTS * Math.max(0, s);
      lower[i * K + j] = SIGNAL_MAX_VOLTS * Math.max(0, -s);
    }
    [upper[i * K + WEIGHT_BITS], lower[i * K + WEIGHT_BITS]] = outputPair(0);
    idealVolts[i] = OUTPUT_FULL_SCALE_VOLTS * recursionStep(0, new Float64Array(WEIGHT_BITS).fill(s), dacBits);
  }
  const out = forwardNetwork(inst, bank, upper, lower, points).at(-1)!;
  const differential = Float64Array.from({ length: points }, (_, i) => out[2 * i] - out[2 * i + 1]);
  const fit = leastSquaresLine(idealVolts, differential);
  return fit.slope > 0 ? { offsetVolts: fit.intercept, gain: fit.slope } : { offsetVolts: 0, gain: 1 };
}
