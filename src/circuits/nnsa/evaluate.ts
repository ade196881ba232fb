/**
 * Circuit-level evaluation of a trained NNS+A: output error in volts at nominal devices, over Monte
 * Carlo draws of programming variation and inverter corners, and over the full T-cycle recursion
 * (the value the converter finally sees).
 *
 * The error of one evaluation is e = (P − N) − V_FS·y_target, the differential output against the
 * ideal, in volts (V_FS = 0.5 V, so the output spans ±0.5 V).
 */
import { SIGNAL_MAX_VOLTS } from '../../core/defaults.ts';
import { Rng } from '../../core/rng.ts';
import { idealDevices, type RramConfig } from '../../device/rram.ts';
import {
  dieCornerMode,
  forwardNetwork,
  instantiateNetwork,
  type CornerModeName,
  type NetworkInstance,
  type PassiveNetwork,
} from '../network.ts';
import type { MismatchSpread } from '../inverter-mismatch.ts';
import type { VtcBank } from '../vtc.ts';
import { trimNnsa, type NnsaTrim } from './trim.ts';
import { nnsaRampCalibration, type OutputCorrection } from './calibrate.ts';
import { sampleBitLinePair, sampleNnsaBatch } from './dataset.ts';
import { NNSA_INPUT_PAIRS, OUTPUT_FULL_SCALE_VOLTS, WEIGHT_BITS, inputCycles, outputPair, pairValue, recursionStep } from './signals.ts';

/** Error statistics of one chip over an evaluation set, volts. */
export interface ErrorStats {
  mseVolts2: number;
  rmsVolts: number;
  maxAbsVolts: number;
  /** Most positive and most negative error (the "+4 / −3 mV" of the reference design). */
  maxPositiveVolts: number;
  maxNegativeVolts: number;
  /** RMS error of the common mode (P + N)/2, volts. */
  commonModeRmsVolts: number;
}

/** Per-draw maximum and RMS error summarized over Monte Carlo draws, volts. */
export interface DrawErrorSummary {
  meanMaxAbsVolts: number;
  p95MaxAbsVolts: number;
  worstMaxAbsVolts: number;
  meanRmsVolts: number;
  /** Every draw's max |error| in draw order (volts): the spread the plots show. */
  perDrawMaxAbsVolts: number[];
}

/**
 * Target for the Monte Carlo mean of the per-draw max |error| as programmed (docs/reference.md §2.4).
 */
export const NNSA_MONTE_CARLO_MAX_ERROR_TARGET_VOLTS = 0.008;

/**
 * Target for the same mean after the chip's trimming and offset/gain calibration, what the analog
 * dataflow sees downstream (docs/reference.md §2.4).
 */
export const NNSA_CALIBRATED_MAX_ERROR_TARGET_VOLTS = 0.005;

/** How a Monte Carlo draw's devices were programmed before it was measured. */
export type NnsaProgramming = 'as-programmed' | 'trimmed';

/** Monte Carlo summary of per-draw error statistics. */
export interface MonteCarloStats extends DrawErrorSummary {
  draws: number;
  /** How the inverter corners were drawn. */
  corners: CornerModeName;
  /** As programmed (one write), or with the hidden neurons write-verify trimmed (`trimMillivolts`). */
  programming: NnsaProgramming;
  /** σ of the programming variation used. */
  sigma: number;
  meanMseVolts2: number;
  /** Present when the draws were write-verify trimmed to this tolerance, millivolts. */
  trimMillivolts?: number;
  /**
   * The same draws after each one's offset/gain calibration from a ramp of known inputs
   * (`nnsaRampCalibration`), as the simulator corrects every NNS+A/NNADC pair.
   */
  offsetGainCalibrated: DrawErrorSummary;
}

/** Everything `npim eval sa` measures. */
export interface NnsaEvaluation {
  /** Points per Monte Carlo draw. */
  points: number;
  /** Points of the nominal sweep (denser: the largest error a sample finds grows with the sample). */
  nominalPoints: number;
  nominal: ErrorStats;
  /** T-cycle recursion at nominal devices: error of the final output against the ideal dot product. */
  multiCycle: ErrorStats & { cycles: number; sequences: number };
  monteCarlo: MonteCarloStats[];
  /** Error envelope over the ideal output, for plots: bins of y with min/mean/max error (volts). */
  errorVsOutput: Array<{ yIdeal: number; minVolts: number; meanVolts: number; maxVolts: number }>;
}

/** Options of {@link evaluateNnsa}. */
export interface EvaluateNnsaOptions {
  dacBits: number;
  /** Evaluation points per Monte Carlo chip. */
  points: number;
  /** Evaluation points of the nominal chip (default: `points`). */
  nominalPoints?: number;
  /** Monte Carlo draws per corner mode. */
  draws: number;
  /** Device model of the draws (its programming σ is the variation). */
  device: RramConfig;
  /** Corner modes to run Monte Carlo in. */
  cornerModes: CornerModeName[];
  /** The inverters' local mismatch (needed by the `die-mismatch` corner mode). */
  mismatch?: MismatchSpread;
  seed: number;
  /** Sequences for the multi-cycle check. */
  sequences?: number;
  /** Also run the Monte Carlo with every draw write-verify trimmed (see `trimNnsa`). */
  trim?: NnsaTrim;
}

/** Error statistics of a chip on a sample set. */
export function chipErrors(
  inst: NetworkInstance,
  bank: VtcBank,
  data: ReturnType<typeof sampleNnsaBatch>,
  n: number,
): { stats: ErrorStats; errors: Float64Array } {
  const outs = forwardNetwork(inst, bank, data.upper, data.lower, n);
  return outputErrors(outs[outs.length - 1], data, n);
}

/**
 * Error statistics of output pairs `o` [n × 2] against the sample set's targets; with `correction`
 * the differential output is first corrected by that offset and gain, (P − N − offset) / gain.
 */
export function outputErrors(
  o: Float64Array,
  data: ReturnType<typeof sampleNnsaBatch>,
  n: number,
  correction: OutputCorrection = { offsetVolts: 0, gain: 1 },
): { stats: ErrorStats; errors: Float64Array } {
  const errors = new Float64Array(n);
  let s2 = 0;
  let cm2 = 0;
  let maxPos = -Infinity;
  let maxNeg = Infinity;
  for (let b = 0; b < n; b++) {
    const e = (o[2 * b] - o[2 * b + 1] - correction.offsetVolts) / correction.gain - OUTPUT_FULL_SCALE_VOLTS * data.targetValue[b];
    errors[b] = e;
    s2 += e * e;
    const cm = (o[2 * b] + o[2 * b + 1] - data.target[2 * b] - data.target[2 * b + 1]) / 2;
    cm2 += cm * cm;
    maxPos = Math.max(maxPos, e);
    maxNeg = Math.min(maxNeg, e);
  }
  const mse = s2 / n;
  return {
    stats: {
      mseVolts2: mse,
      rmsVolts: Math.sqrt(mse),
      maxAbsVolts: Math.max(Math.abs(maxPos), Math.abs(maxNeg)),
      maxPositiveVolts: maxPos,
      maxNegativeVolts: maxNeg,
      commonModeRmsVolts: Math.sqrt(cm2 / n),
    },
    errors,
  };
}

/**
 * Runs the recursion over T cycles with the chip's own output fed back (as the sample-and-hold
 * does) and compares the final output with the ideal recursion.
 */
export function multiCycleErrors(inst: NetworkInstance, bank: VtcBank, dacBits: number, sequences: number, rng: Rng): ErrorStats {
  const T = inputCycles(dacBits);
  const K = NNSA_INPUT_PAIRS;
  const upper = new Float64Array(sequences * K);
  const lower = new Float64Array(sequences * K);
  const yIdeal = new Float64Array(sequences);
  const prevP = new Float64Array(sequences).fill(outputPair(0)[0]);
  const prevN = new Float64Array(sequences).fill(outputPair(0)[1]);
  const s = new Float64Array(WEIGHT_BITS);
  let out: Float64Array = new Float64Array(0);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < sequences; b++) {
      for (let j = 0; j < WEIGHT_BITS; j++) {
        const [vp, vn] = sampleBitLinePair(rng);
        upper[b * K + j] = vp;
        lower[b * K + j] = vn;
        s[j] = (vp - vn) / SIGNAL_MAX_VOLTS;
      }
      upper[b * K + WEIGHT_BITS] = prevP[b];
      lower[b * K + WEIGHT_BITS] = prevN[b];
      yIdeal[b] = recursionStep(yIdeal[b], s, dacBits);
    }
    const outs = forwardNetwork(inst, bank, upper, lower, sequences);
    out = outs[outs.length - 1];
    for (let b = 0; b < sequences; b++) {
      prevP[b] = out[2 * b];
      prevN[b] = out[2 * b + 1];
    }
  }
  let s2 = 0;
  let cm2 = 0;
  let maxPos = -Infinity;
  let maxNeg = Infinity;
  for (let b = 0; b < sequences; b++) {
    const e = (pairValue(prevP[b], prevN[b]) - yIdeal[b]) * OUTPUT_FULL_SCALE_VOLTS;
    s2 += e * e;
    cm2 += ((prevP[b] + prevN[b]) / 2 - outputPair(0)[0]) ** 2;
    maxPos = Math.max(maxPos, e);
    maxNeg = Math.min(maxNeg, e);
  }
  return {
    mseVolts2: s2 / sequences,
    rmsVolts: Math.sqrt(s2 / sequences),
    maxAbsVolts: Math.max(Math.abs(maxPos), Math.abs(maxNeg)),
    maxPositiveVolts: maxPos,
    maxNegativeVolts: maxNeg,
    commonModeRmsVolts: Math.sqrt(cm2 / sequences),
  };
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i];
}

function summarizeDraws(draws: ErrorStats[]): DrawErrorSummary {
  const n = draws.length;
  const sorted = draws.map((d) => d.maxAbsVolts).sort((a, b) => a - b);
  return {
    meanMaxAbsVolts: draws.reduce((a, d) => a + d.maxAbsVolts, 0) / Math.max(1, n),
    p95MaxAbsVolts: n ? percentile(sorted, 0.95) : NaN,
    worstMaxAbsVolts: n ? sorted[n - 1] : NaN,
    meanRmsVolts: draws.reduce((a, d) => a + d.rmsVolts, 0) / Math.max(1, n),
    perDrawMaxAbsVolts: draws.map((d) => d.maxAbsVolts),
  };
}

/** Evaluates a trained NNS+A network. */
export function evaluateNnsa(
  net: PassiveNetwork,
  bank: VtcBank,
  o: EvaluateNnsaOptions,
  onProgress?: (drawsDone: number, drawsTotal: number) => void,
): NnsaEvaluation {
  const totalDraws = o.cornerModes.length * o.draws * (o.trim ? 2 : 1);
  let drawsDone = 0;
  const rng = new Rng(o.seed);
  const data = sampleNnsaBatch(rng.fork('points'), o.points, o.dacBits, 0);
  const nominalPoints = o.nominalPoints ?? o.points;
  const nominalData = nominalPoints === o.points ? data : sampleNnsaBatch(rng.fork('nominal-points'), nominalPoints, o.dacBits, 0);
  const nominalInst = instantiateNetwork(net, bank, idealDevices(o.device), null, { kind: 'nominal' });
  const nominal = chipErrors(nominalInst, bank, nominalData, nominalPoints);
  const sequences = o.sequences ?? 4096;
  const multiCycle = {
    ...multiCycleErrors(nominalInst, bank, o.dacBits, sequences, rng.fork('multi')),
    cycles: inputCycles(o.dacBits),
    sequences,
  };

  const runMonteCarlo = (mode: (typeof o.cornerModes)[number], trim?: NnsaTrim): MonteCarloStats => {
    const raw: ErrorStats[] = [];
    const calibrated: ErrorStats[] = [];
    for (let d = 0; d < o.draws; d++) {
      // die-mismatch draws are the global mode's dies (same streams: corner, devices) plus local mismatch.
      const r = rng.fork(`mc-${mode === 'die-mismatch' ? 'global' : mode}-${d}`);
      const corner = dieCornerMode(mode, r.fork('corner'), bank, o.mismatch);
      const inst = instantiateNetwork(net, bank, o.device, r, corner);
      if (trim) trimNnsa(inst, nominalInst, bank, o.device, trim, r.fork('trim'));
      const outs = forwardNetwork(inst, bank, data.upper, data.lower, o.points);
      const out = outs[outs.length - 1];
      raw.push(outputErrors(out, data, o.points).stats);
      calibrated.push(outputErrors(out, data, o.points, nnsaRampCalibration(inst, bank, o.dacBits)).stats);
      onProgress?.(++drawsDone, totalDraws);
    }
    return {
      draws: o.draws,
      corners: mode,
      programming: trim ? 'trimmed' : 'as-programmed',
      sigma: o.device.programming.sigma,
      ...summarizeDraws(raw),
      meanMseVolts2: raw.reduce((a, x) => a + x.mseVolts2, 0) / Math.max(1, o.draws),
      ...(trim ? { trimMillivolts: trim.toleranceVolts * 1000 } : {}),
      offsetGainCalibrated: summarizeDraws(calibrated),
    };
  };
  // As programmed, then (with `trim`) the same draws trimmed; no draws, no entries (not NaN statistics).
  const monteCarlo: MonteCarloStats[] = o.draws > 0 ? o.cornerModes.map((mode) => runMonteCarlo(mode)) : [];
  if (o.trim && o.draws > 0) monteCarlo.push(...o.cornerModes.map((mode) => runMonteCarlo(mode, o.trim)));

  const bins = 40;
  const agg = Array.from({ length: bins }, () => ({ min: Infinity, max: -Infinity, sum: 0, n: 0 }));
  for (let b = 0; b < nominalPoints; b++) {
    const i = Math.min(bins - 1, Math.floor(((nominalData.targetValue[b] + 1) / 2) * bins));
    const e = nominal.errors[b];
    agg[i].min = Math.min(agg[i].min, e);
    agg[i].max = Math.max(agg[i].max, e);
    agg[i].sum += e;
    agg[i].n++;
  }
  const errorVsOutput = agg
    .map((a, i) => ({ yIdeal: -1 + (2 * (i + 0.5)) / bins, minVolts: a.min, meanVolts: a.sum / a.n, maxVolts: a.max, n: a.n }))
    .filter((a) => a.n > 0)
    .map(({ n: _n, ...rest }) => rest);
  return { points: o.points, nominalPoints, nominal: nominal.stats, multiCycle, monteCarlo, errorVsOutput };
}
