/**
 * Building an NNADC: comparator targets (ideal code boundaries, or boundaries learned from a
 * trained NNS+A's noisy outputs), then the variation-aware column search of `design.ts` for every
 * comparator.
 */
import type { Rng } from '../../core/rng.ts';
import { conductanceLevels, gMinSiemens, idealDevices, levelConductance, type RramConfig } from '../../device/rram.ts';
import { fail } from '../../core/errors.ts';
import { bankToJson, MODEL_FORMAT_VERSION } from '../approximator-model.ts';
import { forwardNetwork, instantiateNetwork, type PassiveNetwork } from '../network.ts';
import { sampleNnsaBatch } from '../nnsa/dataset.ts';
import { pairValue } from '../nnsa/signals.ts';
import { vtcFigures, type VtcBank } from '../vtc.ts';
import type { ComparatorStage, NnadcModel, NnadcTrainConfig, StageInput } from './config.ts';
import { comparatorTrimRange, designColumn, fineStepPlan } from './design.ts';

/** Most trim row pairs a stage may get (`comparatorTrimVolts` beyond their reach is an error). */
export const MAX_TRIM_PAIRS = 64;

/** Maps an ideal threshold (normalized y) to the NNS+A output level where it should sit. */
export type ThresholdMap = (idealY: number) => number;

/** Coarse / fine split of a two-step converter. */
export function twoStepBits(cfg: Pick<NnadcTrainConfig, 'bits' | 'coarseBits'>): { coarse: number; fine: number } {
  const coarse = cfg.coarseBits ?? Math.ceil(cfg.bits / 2);
  return { coarse, fine: cfg.bits - coarse };
}

/** Ideal transition into code k (1..2^N − 1) for labels round(y / V_max · (2^N − 1)). */
export function idealTransition(k: number, bits: number, rangeFraction: number): number {
  return ((k - 0.5) / (2 ** bits - 1)) * rangeFraction;
}

/**
 * Learns the threshold map from a trained NNS+A: runs `samples` random inputs through the NNS+A —
 * nominal devices, plus `chips − 1` instances with the device model's programming variation, all
 * at the nominal corner (a converter designed once cannot follow a die's corner; the commands use
 * the nominal chip alone, whose systematic error is what one design can absorb) — and measures
 * the NNS+A's mean offset over the converter's range, c = mean(y_out − y_ideal) (y_ideal is exact,
 * so there is no errors-in-variables bias). Each comparator is then placed at t + c, where the
 * NNS+A's output sits on average when the ideal value is on the code boundary t. Only the offset is
 * absorbed: a gain or bow would need a different coarse step per coarse state, which a two-step
 * converter's one coarse step cannot give (tried: fitting a line or a cubic moved the fine
 * thresholds off the code grid and cost more than it gained); chip-to-chip randomness cannot be
 * absorbed by one design at all.
 */
export function learnThresholdMap(
  nnsa: { network: PassiveNetwork; dacBits: number },
  bank: VtcBank,
  device: RramConfig,
  rangeFraction: number,
  samples: number,
  chips: number,
  rng: Rng,
): ThresholdMap {
  const ideal: number[] = [];
  const actual: number[] = [];
  const per = Math.ceil(samples / chips);
  for (let c = 0; c < chips; c++) {
    const r = rng.fork(`chip${c}`);
    const inst = instantiateNetwork(nnsa.network, bank, c === 0 ? idealDevices(device) : device, c === 0 ? null : r, { kind: 'nominal' });
    const data = sampleNnsaBatch(r.fork('data'), per, nnsa.dacBits, 0);
    const out = forwardNetwork(inst, bank, data.upper, data.lower, per);
    const o = out[out.length - 1];
    for (let b = 0; b < per; b++) {
      if (data.targetValue[b] < -0.1 * rangeFraction || data.targetValue[b] > 1.1 * rangeFraction) continue;
      ideal.push(data.targetValue[b]);
      actual.push(pairValue(o[2 * b], o[2 * b + 1]));
    }
  }
  let offset = 0;
  for (let i = 0; i < ideal.length; i++) offset += actual[i] - ideal[i];
  offset /= Math.max(1, ideal.length);
  return (t: number): number => t + offset;
}

/** Least-squares polynomial fit (normal equations, degree ≤ 4, inputs of order 1). */
export function polyFit(x: number[], y: number[], degree: number): number[] {
  const n = degree + 1;
  const A = Array.from({ length: n }, () => new Float64Array(n + 1));
  for (let i = 0; i < x.length; i++) {
    const pw = [1];
    for (let d = 1; d < 2 * n; d++) pw.push(pw[d - 1] * x[i]);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) A[r][c] += pw[r + c];
      A[r][n] += pw[r] * y[i];
    }
  }
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[piv][c])) piv = r;
    [A[c], A[piv]] = [A[piv], A[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = A[r][c] / A[c][c];
      for (let k = c; k <= n; k++) A[r][k] -= f * A[c][k];
    }
  }
  return Array.from({ length: n }, (_, i) => A[i][n] / A[i][i]);
}

/** Builds (designs) an NNADC. `thresholdMap` defaults to the identity (ideal boundaries). */
export function trainNnadc(
  cfg: NnadcTrainConfig,
  bank: VtcBank,
  thresholdMap: ThresholdMap = (t) => t,
  source: NnadcModel['thresholdSource'] = { kind: 'ideal' },
  onProgress?: (done: number, total: number) => void,
): NnadcModel {
  const levels = conductanceLevels(cfg.device).map((g) => g / cfg.device.gMaxSiemens);
  const vm = vtcFigures(bank, bank.nominalIndex).switchingVolts;
  const lsb = cfg.rangeFraction / (2 ** cfg.bits - 1);
  const rows = (kind: 'signal' | 'bias' | 'trim', n: number): StageInput[] => Array.from({ length: n }, () => ({ kind }));
  type Plan = {
    role: ComparatorStage['role'];
    inputs: StageInput[];
    targets: number[][];
    coarseUpperLevel?: number;
    signalDifference?: number[];
  };
  // Smaller ranges need finer threshold placement: scale the signal rows with 1/range.
  const signalRows = cfg.signalRows ?? Math.max(2, Math.ceil(2 / cfg.rangeFraction));
  const plans: Plan[] = [];
  if (cfg.arch === 'flash') {
    const n = 2 ** cfg.bits - 1;
    plans.push({
      role: 'flash',
      inputs: [...rows('signal', signalRows), ...rows('bias', cfg.biasRows)],
      targets: Array.from({ length: n }, (_, k) => [thresholdMap(idealTransition(k + 1, cfg.bits, cfg.rangeFraction))]),
    });
  } else {
    const { coarse, fine } = twoStepBits(cfg);
    const nc = 2 ** coarse - 1;
    const nf = 2 ** fine - 1;
    plans.push({
      role: 'coarse',
      inputs: [...rows('signal', signalRows), ...rows('bias', cfg.biasRows)],
      targets: Array.from({ length: nc }, (_, m) => [thresholdMap(idealTransition((m + 1) * 2 ** fine, cfg.bits, cfg.rangeFraction))]),
    });
    // Fine columns: coarse pairs at (d1, 0) and S_L − S_U = d2 so one fired coarse comparator
    // moves every fine threshold by one coarse step (see fineStepPlan).
    // One coarse step of the ideal code grid. A threshold map from an NNS+A changes it by its
    // slope (a fraction of a percent); the fine columns' least-squares offset spreads that over the
    // coarse states instead of paying for it with many more signal rows.
    const coarseStepY = (2 ** fine * cfg.rangeFraction) / (2 ** cfg.bits - 1);
    const plan = fineStepPlan(coarseStepY, cfg.vddVolts, levels.length - 1, nc, 2 ** fine);
    const fineRows = cfg.fineSignalRows ?? plan.rows + 1;
    plans.push({
      role: 'fine',
      inputs: [
        ...rows('signal', fineRows),
        ...Array.from({ length: nc }, (_, m) => ({ kind: 'coarse' as const, comparator: m })),
        // The heavy signal conductance sits near the 0.25 V common mode; the bias rows must pull
        // the column up to V_M against it, so they grow with the signal rows.
        ...rows('bias', cfg.biasRows + Math.ceil(0.7 * fineRows)),
      ],
      targets: Array.from({ length: nf }, (_, j) =>
        Array.from({ length: nc + 1 }, (_, m) => thresholdMap(idealTransition(m * 2 ** fine + j + 1, cfg.bits, cfg.rangeFraction))),
      ),
      coarseUpperLevel: plan.d1,
      signalDifference: [plan.d2 - 1, plan.d2, plan.d2 + 1],
    });
  }
  const total = plans.reduce((a, p) => a + p.targets.length, 0);
  let done = 0;
  const designStage = (plan: Plan, trimPairs: number): { stage: ComparatorStage; trimRangeVolts: number } => {
    const inputs = [...plan.inputs, ...rows('trim', trimPairs)];
    const J = plan.targets.length;
    const K = inputs.length;
    const upperLevels = new Array<number>(K * J);
    const lowerLevels = new Array<number>(K * J);
    let trimRangeVolts = Infinity;
    plan.targets.forEach((targets, j) => {
      const d = designColumn({
        inputs,
        targets,
        levels,
        switchingVolts: vm,
        vddVolts: cfg.vddVolts,
        lsb,
        sigma: cfg.device.programming.sigma,
        variationWeight: cfg.variationWeight,
        coarseUpperLevel: plan.coarseUpperLevel,
        signalDifference: plan.signalDifference,
        biasUpperTop: levels.length - 1 - cfg.trimHeadroomLevels,
      });
      for (let k = 0; k < K; k++) {
        upperLevels[k * J + j] = d.upper[k];
        lowerLevels[k * J + j] = d.lower[k];
      }
      if (trimPairs > 0) {
        const g = (l: number[]): number[] => l.map((i) => levelConductance(cfg.device, i));
        const r = comparatorTrimRange(inputs, g(d.upper), g(d.lower), vm, cfg.vddVolts, gMinSiemens(cfg.device), cfg.device.gMaxSiemens);
        trimRangeVolts = Math.min(trimRangeVolts, r.raiseVolts, r.lowerVolts);
      }
      onProgress?.(Math.min(total, ++done), total);
    });
    return { stage: { role: plan.role, inputs, columns: J, upperLevels, lowerLevels }, trimRangeVolts };
  };
  const trimVolts = cfg.comparatorTrimVolts ?? 0;
  const stages: ComparatorStage[] = plans.map((plan) => {
    if (trimVolts <= 0) return designStage(plan, 0).stage;
    // The fewest trim pairs with which every column of the stage reaches ±trimVolts: one pair's
    // reach sets the first estimate (reach grows about linearly with the pairs, a little less as
    // each SET device also loads the column), then one more pair at a time.
    const before = done;
    let pairs = 1;
    let d = designStage(plan, pairs);
    if (d.trimRangeVolts < trimVolts) {
      pairs = Math.min(MAX_TRIM_PAIRS, Math.ceil(trimVolts / d.trimRangeVolts));
      done = before;
      d = designStage(plan, pairs);
    }
    while (d.trimRangeVolts < trimVolts) {
      if (pairs >= MAX_TRIM_PAIRS)
        fail(
          `comparatorTrimVolts ${trimVolts} V: ${MAX_TRIM_PAIRS} trim row pairs reach only ${d.trimRangeVolts.toFixed(4)} V on a ${plan.role} column`,
        );
      done = before;
      d = designStage(plan, ++pairs);
    }
    return d.stage;
  });
  return {
    kind: 'nnadc',
    formatVersion: MODEL_FORMAT_VERSION,
    bits: cfg.bits,
    arch: cfg.arch,
    rangeFraction: cfg.rangeFraction,
    vddVolts: cfg.vddVolts,
    device: cfg.device,
    stages,
    targetThresholds: plans.map((p) => p.targets),
    thresholdSource: source,
    vtcBank: bankToJson(bank),
    seed: cfg.seed,
    config: cfg,
  };
}
