/**
 * Circuit-level evaluation of a trained NNADC with the IEEE 1241 metrics of `adc-metrics.ts`: at
 * nominal devices, over Monte Carlo draws of programming variation and inverter corners, as a
 * function of the variation σ, and end to end behind a trained NNS+A.
 */
import { Rng } from '../../core/rng.ts';
import { idealDevices, type RramConfig } from '../../device/rram.ts';
import { measureConverter, type AdcMeasureInput, type ConverterMetrics } from '../../analysis/adc-metrics.ts';
import { dieCornerMode, forwardNetwork, instantiateNetwork, type CornerModeName, type PassiveNetwork } from '../network.ts';
import type { MismatchSpread } from '../inverter-mismatch.ts';
import { sampleNnsaBatch } from '../nnsa/dataset.ts';
import { OUTPUT_FULL_SCALE_VOLTS, pairValue } from '../nnsa/signals.ts';
import type { VtcBank } from '../vtc.ts';
import type { NnadcModel } from './config.ts';
import {
  adcDeviceCount,
  adcTrimRanges,
  convertAdc,
  instantiateAdc,
  type AdcCornerMode,
  type AdcInstance,
  type ColumnVerify,
} from './model.ts';

/** Measurement scale of a model: the differential input in volts, code centres at 0 and V_max. */
export function adcMeasureOptions(model: Pick<NnadcModel, 'bits' | 'rangeFraction'>): AdcMeasureInput {
  return { bits: model.bits, vLowVolts: 0, vHighVolts: OUTPUT_FULL_SCALE_VOLTS * model.rangeFraction, rangeConvention: 'centers' };
}

/** Measures one converter instance (input: differential volts). */
export function measureInstance(inst: AdcInstance, model: NnadcModel): ConverterMetrics {
  return measureConverter(
    {
      kind: 'batch',
      convert: (v) =>
        convertAdc(
          inst,
          Float64Array.from(v, (x) => x / OUTPUT_FULL_SCALE_VOLTS),
        ),
    },
    adcMeasureOptions(model),
  );
}

/** Summary of one measurement. */
export interface AdcSummary {
  enobBits: number;
  sinadDb: number;
  dnlMinLsb: number;
  dnlMaxLsb: number;
  inlMinLsb: number;
  inlMaxLsb: number;
  missingCodes: number;
  offsetErrorLsb: number;
  gainErrorPercent: number;
}

/** Condenses full metrics into the figures reported per draw. */
export function summarize(m: ConverterMetrics): AdcSummary {
  return {
    enobBits: m.sine.enobBits,
    sinadDb: m.sine.sinadDb,
    dnlMinLsb: m.linearity.dnlMinLsb,
    dnlMaxLsb: m.linearity.dnlMaxLsb,
    inlMinLsb: m.linearity.inlMinLsb,
    inlMaxLsb: m.linearity.inlMaxLsb,
    missingCodes: m.linearity.missingCodes.length,
    offsetErrorLsb: m.linearity.offsetErrorLsb,
    gainErrorPercent: m.linearity.gainErrorPercentFs,
  };
}

/** The reference design's ENOB in SPICE Monte Carlo at σ = 0.025 (8 bits, 1 GS/s; docs/reference.md §2.5). */
export const NNADC_REFERENCE_MONTE_CARLO_ENOB_BITS = 7.85;

/** Monte Carlo summary. */
export interface AdcMonteCarlo {
  corners: CornerModeName;
  /** As programmed (one write), or write-verified column by column (`writeVerify` holds how). */
  programming: 'as-programmed' | 'write-verified';
  sigma: number;
  draws: number;
  meanEnobBits: number;
  p5EnobBits: number;
  worstEnobBits: number;
  dnlRangeLsb: [number, number];
  inlRangeLsb: [number, number];
  meanMissingCodes: number;
  drawsWithMissingCodes: number;
  /** Every draw's ENOB in draw order (0 for a draw that resolves nothing): the spread the plots show. */
  perDrawEnobBits: number[];
  /** Present when the draws were write-verified (see `ColumnVerify`). */
  writeVerify?: ColumnVerify & { meanAttempts: number; meanColumnsOutOfTolerance: number };
}

function corner(mode: AdcMonteCarlo['corners'], r: Rng, bank: VtcBank, mismatch?: MismatchSpread): AdcCornerMode {
  return dieCornerMode(mode, r.fork('corner'), bank, mismatch) as AdcCornerMode;
}

/** The random streams of a corner mode: die-mismatch draws are the global mode's dies plus local mismatch. */
function streamOf(mode: CornerModeName): string {
  return mode === 'die-mismatch' ? 'global' : mode;
}

/** Monte Carlo over variation draws (σ of `device`) in one corner mode. */
export function monteCarloAdc(
  model: NnadcModel,
  bank: VtcBank,
  device: RramConfig,
  mode: AdcMonteCarlo['corners'],
  draws: number,
  rng: Rng,
  verify?: ColumnVerify,
  onDraw?: () => void,
  mismatch?: MismatchSpread,
): AdcMonteCarlo {
  const s: AdcSummary[] = [];
  let attempts = 0;
  let outOfTolerance = 0;
  for (let d = 0; d < draws; d++) {
    const r = rng.fork(`${streamOf(mode)}-${d}`);
    const inst = instantiateAdc(model, bank, device, r, corner(mode, r, bank, mismatch), verify);
    attempts += inst.verify?.meanAttempts ?? 0;
    outOfTolerance += inst.verify?.outOfTolerance ?? 0;
    s.push(summarize(measureInstance(inst, model)));
    onDraw?.();
  }
  // A draw whose output never changes has no sine fit (NaN ENOB): it resolves nothing, count it as 0.
  const perDrawEnobBits = s.map((x) => (Number.isFinite(x.enobBits) ? x.enobBits : 0));
  const enob = [...perDrawEnobBits].sort((a, b) => a - b);
  const fin = (xs: number[]) => xs.filter(Number.isFinite);
  const verified = verify !== undefined && verify.toleranceLsb > 0;
  return {
    corners: mode,
    programming: verified ? 'write-verified' : 'as-programmed',
    sigma: device.programming.sigma,
    draws,
    meanEnobBits: enob.reduce((a, b) => a + b, 0) / Math.max(1, draws),
    p5EnobBits: enob[Math.max(0, Math.ceil(0.05 * draws) - 1)],
    worstEnobBits: enob[0],
    dnlRangeLsb: [Math.min(...fin(s.map((x) => x.dnlMinLsb))), Math.max(...fin(s.map((x) => x.dnlMaxLsb)))],
    inlRangeLsb: [Math.min(...fin(s.map((x) => x.inlMinLsb))), Math.max(...fin(s.map((x) => x.inlMaxLsb)))],
    meanMissingCodes: s.reduce((a, x) => a + x.missingCodes, 0) / Math.max(1, draws),
    drawsWithMissingCodes: s.filter((x) => x.missingCodes > 0).length,
    perDrawEnobBits,
    ...(verified ? { writeVerify: { ...verify, meanAttempts: attempts / draws, meanColumnsOutOfTolerance: outOfTolerance / draws } } : {}),
  };
}

/** End-to-end error of NNS+A → NNADC codes against the ideal labels. */
export interface EndToEnd {
  samples: number;
  chips: number;
  /** Samples within the converter's range whose code equals the ideal label. */
  exactFraction: number;
  rmsCodeErrorLsb: number;
  maxCodeErrorLsb: number;
}

/**
 * Runs random NNS+A inputs through NNS+A chips and converter chips of the same draw (chip 0 with
 * nominal devices, the others with the device model's variation; corners nominal, or one random
 * corner per die with `randomDieCorner`), and compares the codes with
 * round(y_ideal / V_max · (2^N − 1)).
 */
export function endToEnd(
  model: NnadcModel,
  bank: VtcBank,
  nnsa: { network: PassiveNetwork; dacBits: number; bank: VtcBank },
  device: RramConfig,
  chips: number,
  samplesPerChip: number,
  rng: Rng,
  randomDieCorner = false,
): EndToEnd {
  const top = 2 ** model.bits - 1;
  let n = 0;
  let exact = 0;
  let s2 = 0;
  let maxErr = 0;
  for (let c = 0; c < chips; c++) {
    const r = rng.fork(`e2e${c}`);
    const nominal = c === 0;
    const mode: AdcCornerMode = nominal || !randomDieCorner ? { kind: 'nominal' } : corner('global', r, bank);
    const sa = instantiateNetwork(nnsa.network, nnsa.bank, nominal ? idealDevices(device) : device, nominal ? null : r.fork('sa'), mode);
    const adc = instantiateAdc(model, bank, nominal ? idealDevices(device) : device, nominal ? null : r.fork('adc'), mode);
    const data = sampleNnsaBatch(r.fork('data'), samplesPerChip, nnsa.dacBits, 0);
    const out = forwardNetwork(sa, nnsa.bank, data.upper, data.lower, samplesPerChip);
    const o = out[out.length - 1];
    const y = Float64Array.from({ length: samplesPerChip }, (_, b) => pairValue(o[2 * b], o[2 * b + 1]));
    const codes = convertAdc(adc, y);
    for (let b = 0; b < samplesPerChip; b++) {
      const label = Math.min(top, Math.max(0, Math.round((data.targetValue[b] / model.rangeFraction) * top)));
      if (data.targetValue[b] < 0 || data.targetValue[b] > model.rangeFraction) continue;
      const e = codes[b] - label;
      n++;
      if (e === 0) exact++;
      s2 += e * e;
      maxErr = Math.max(maxErr, Math.abs(e));
    }
  }
  return {
    samples: n,
    chips,
    exactFraction: exact / Math.max(1, n),
    rmsCodeErrorLsb: Math.sqrt(s2 / Math.max(1, n)),
    maxCodeErrorLsb: maxErr,
  };
}

/** Full evaluation as written to metrics.json. */
export interface NnadcEvaluation {
  devices: { rram: number; inverters: number };
  /** Per stage, the comparators' trim row pairs and their smallest reach either way (present when the design has trim rows). */
  comparatorTrim?: Array<{ role: NnadcModel['stages'][number]['role']; trimPairs: number; rangeVolts: number }>;
  nominal: AdcSummary;
  monteCarlo: AdcMonteCarlo[];
  /** Mean ENOB over a few draws at smaller σ: how much variation the design tolerates. */
  enobVsSigma: Array<{ sigma: number; meanEnobBits: number; draws: number }>;
}

/** Evaluates a converter: nominal, Monte Carlo per corner mode, ENOB versus σ. */
export function evaluateNnadc(
  model: NnadcModel,
  bank: VtcBank,
  o: {
    draws: number;
    device: RramConfig;
    cornerModes: AdcMonteCarlo['corners'][];
    seed: number;
    sigmaSweep?: number[];
    verify?: ColumnVerify;
    /** The comparators' local mismatch (needed by the `die-mismatch` corner mode). */
    mismatch?: MismatchSpread;
  },
  onProgress?: (drawsDone: number, drawsTotal: number) => void,
): { evaluation: NnadcEvaluation; nominalMetrics: ConverterMetrics } {
  const rng = new Rng(o.seed);
  const sweep = o.sigmaSweep ?? [0.001, 0.0025, 0.005, 0.01, 0.025];
  const totalDraws = o.cornerModes.length * o.draws * (o.verify ? 2 : 1) + sweep.length * 10;
  let done = 0;
  const onDraw = onProgress && (() => onProgress(++done, totalDraws));
  const nominalMetrics = measureInstance(instantiateAdc(model, bank, idealDevices(model.device), null, { kind: 'nominal' }), model);
  // As programmed, then (with `verify`) the same draws write-verified.
  const mc = (m: CornerModeName, verify?: ColumnVerify): AdcMonteCarlo =>
    monteCarloAdc(model, bank, o.device, m, o.draws, rng.fork(`mc-${streamOf(m)}`), verify, onDraw, o.mismatch);
  const monteCarlo = o.cornerModes.map((m) => mc(m));
  if (o.verify) monteCarlo.push(...o.cornerModes.map((m) => mc(m, o.verify)));
  const enobVsSigma = sweep.map((sigma) => {
    const dev = { ...o.device, programming: { ...o.device.programming, sigma } };
    const mc = monteCarloAdc(model, bank, dev, 'nominal', 10, rng.fork(`sweep-${sigma}`), undefined, onDraw);
    return { sigma, meanEnobBits: mc.meanEnobBits, draws: 10 };
  });
  const trim = adcTrimRanges(model, bank);
  const comparatorTrim = trim.some((t) => t.trimPairs > 0) ? { comparatorTrim: trim } : {};
  return {
    evaluation: { devices: adcDeviceCount(model), ...comparatorTrim, nominal: summarize(nominalMetrics), monteCarlo, enobVsSigma },
    nominalMetrics,
  };
}
