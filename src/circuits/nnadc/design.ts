/**
 * Variation-aware design ("training") of comparator columns by exhaustive search.
 *
 * A comparator's column voltage is linear in the input y for each state m of the coarse
 * comparators it sees (m = how many fired; the thermometer order fixes which):
 *   v_m(y) = (α_m + β·y) / G,   β = 0.25 V·Σ_signal (g_U − g_L),
 * so its threshold is y*_m = (V_M·G − α_m)/β in closed form. All signal rows see the same pair
 * (P, N) and all bias rows the same (VDD, 0), so the thresholds depend on those rows only through
 * four sums of level indices — S_U, S_L (signal upper / lower) and B_U, B_L (bias upper / lower) —
 * and a column is fully searched by enumerating those sums (for one signal row and three bias rows,
 * 8·8·22·22 ≈ 31 000 candidates, fewer still because the lower bias sum is solved for) instead of
 * 8^8 device combinations. Each sum is then spread as
 * evenly as possible over its devices, which also minimizes the variation term (Σ g² is smallest
 * for equal conductances).
 *
 * Objective per column: Σ_m [(y*_m − t_m)² + w_var·σ²_m] / LSB², with σ_m the threshold's standard
 * deviation under independent log-normal programming variation,
 * σ_m = σ·√(Σ_i (g_i·(x_i − V_M))²)/|β| (first-order sensitivity at the threshold).
 *
 * Fine comparators of a two-step converter additionally see every coarse comparator's output
 * (h, VDD − h); a fired coarse comparator adds VDD·(g_U − g_L) to α, so with every coarse pair at
 * levels (d₁, 0) each coarse step moves the fine thresholds by VDD·d₁·Δg/|β|. The search therefore
 * pins S_L − S_U to the integer d₂ that makes that move one coarse step (2^Nf LSB) — see
 * {@link fineStepPlan} — and enumerates the rest.
 *
 * Trim rows (`comparatorTrimVolts`) are (V_DD, 0) pairs with both devices at G_min
 * ({@link TRIM_ROW_LEVEL}): the search sees them as fixed load, and write-verify later SETs the
 * V_DD device to raise a comparator's threshold or the 0 V device to lower it, up to
 * {@link comparatorTrimRange}.
 */
import { OUTPUT_COMMON_MODE_VOLTS, OUTPUT_FULL_SCALE_VOLTS } from '../nnsa/signals.ts';
import type { StageInput } from './config.ts';

/**
 * Level of both devices of a trim row pair as designed: the lowest (G_min). From there each
 * direction has one device's whole range (G_min → G_max) to itself, the pair adds the least
 * conductance to the column (2·G_min) and the least programming spread, and a comparator that
 * needs no trim keeps it in the high-resistance state.
 */
export const TRIM_ROW_LEVEL = 0;

/**
 * How far a comparator's switching voltage may move, up and down, with its trim rows still able to
 * bring its thresholds back (volts, both positive). With V_M → V_M + d and a trim change (Δα, ΔG)
 * of the column's V_DD-weighted and total conductance, every threshold y* = (V_M·G − α)/β is kept
 * when d = (Δα − V_M·ΔG)/(G + ΔG): raising takes the trim rows' V_DD devices to G_max and their 0 V
 * devices to G_min, lowering the reverse. Exact for the column as given (no linearization); the
 * programming variation on the new values is what write-verify's further attempts remove.
 */
export function comparatorTrimRange(
  inputs: StageInput[],
  gU: ArrayLike<number>,
  gL: ArrayLike<number>,
  switchingVolts: number,
  vddVolts: number,
  gMinSiemens: number,
  gMaxSiemens: number,
): { raiseVolts: number; lowerVolts: number } {
  let G = 0;
  let upToMax = 0;
  let upToMin = 0;
  let lowToMax = 0;
  let lowToMin = 0;
  for (let k = 0; k < inputs.length; k++) {
    G += gU[k] + gL[k];
    if (inputs[k].kind !== 'trim') continue;
    upToMax += gMaxSiemens - gU[k];
    upToMin += gMinSiemens - gU[k];
    lowToMax += gMaxSiemens - gL[k];
    lowToMin += gMinSiemens - gL[k];
  }
  const shift = (dU: number, dL: number): number => (vddVolts * dU - switchingVolts * (dU + dL)) / (G + dU + dL);
  return { raiseVolts: shift(upToMax, lowToMin), lowerVolts: -shift(upToMin, lowToMax) };
}

/** One column design problem. */
export interface ColumnProblem {
  inputs: StageInput[];
  /** Target threshold for each coarse state m = 0..states−1 (normalized y). */
  targets: number[];
  /** Normalized conductance of each level (G/G_max), equally spaced. */
  levels: Float64Array;
  /** Nominal switching voltage of the comparator inverter, volts. */
  switchingVolts: number;
  vddVolts: number;
  /** One LSB in normalized y. */
  lsb: number;
  sigma: number;
  variationWeight: number;
  /** Level index of every coarse input's upper device (lower at 0); fine stages only. */
  coarseUpperLevel?: number;
  /** Allowed values of S_L − S_U (signal lower minus upper, level steps); default all. */
  signalDifference?: number[];
  /** Highest level of the V_DD bias devices (default the top level): headroom left for trimming. */
  biasUpperTop?: number;
}

/** A designed column: level indices per input row, and its objective. */
export interface ColumnDesign {
  upper: number[];
  lower: number[];
  objective: number;
  /** Nominal thresholds per state. */
  thresholds: number[];
}

/** Thresholds y*_m and their variation σ_m for a column (β ≥ 0 gives NaN: the column never fires upward). */
export function columnThresholds(
  inputs: StageInput[],
  gU: ArrayLike<number>,
  gL: ArrayLike<number>,
  states: number,
  switchingVolts: number,
  vddVolts: number,
  sigma: number,
): { y: number[]; sd: number[] } {
  const half = OUTPUT_FULL_SCALE_VOLTS / 2;
  let G = 0;
  let beta = 0;
  let alphaBase = 0;
  for (let k = 0; k < inputs.length; k++) {
    G += gU[k] + gL[k];
    const inp = inputs[k];
    if (inp.kind === 'signal') {
      beta += half * (gU[k] - gL[k]);
      alphaBase += OUTPUT_COMMON_MODE_VOLTS * (gU[k] + gL[k]);
    } else if (inp.kind === 'bias' || inp.kind === 'trim') alphaBase += vddVolts * gU[k];
  }
  const y: number[] = [];
  const sd: number[] = [];
  for (let m = 0; m < states; m++) {
    let alpha = alphaBase;
    for (let k = 0; k < inputs.length; k++) {
      const inp = inputs[k];
      if (inp.kind === 'coarse') alpha += vddVolts * (inp.comparator < m ? gU[k] : gL[k]);
    }
    const t = beta < 0 ? (switchingVolts * G - alpha) / beta : NaN;
    y.push(t);
    let s2 = 0;
    const vm = switchingVolts;
    for (let k = 0; k < inputs.length; k++) {
      const inp = inputs[k];
      let u: number;
      let l: number;
      if (inp.kind === 'signal') [u, l] = [OUTPUT_COMMON_MODE_VOLTS + half * t, OUTPUT_COMMON_MODE_VOLTS - half * t];
      else if (inp.kind === 'bias' || inp.kind === 'trim') [u, l] = [vddVolts, 0];
      else [u, l] = inp.comparator < m ? [vddVolts, 0] : [0, vddVolts];
      s2 += (gU[k] * (u - vm)) ** 2 + (gL[k] * (l - vm)) ** 2;
    }
    sd.push((sigma * Math.sqrt(s2)) / Math.abs(beta));
  }
  return { y, sd };
}

/** Spreads a sum of level indices as evenly as possible over `n` devices (max level `top`). */
export function spreadLevels(sum: number, n: number, top: number): number[] {
  if (sum < 0 || sum > n * top) throw new RangeError(`cannot spread ${sum} over ${n} devices of ≤ ${top}`);
  const base = Math.floor(sum / n);
  const extra = sum - base * n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * The integer pair (d₁, d₂) for a two-step converter's fine columns: coarse pairs at levels
 * (d₁, 0) and S_L − S_U = d₂ make one fired coarse comparator move the fine thresholds by
 * VDD·d₁/(0.25 V·d₂) (normalized y, level steps cancel). The step error accumulates over the
 * coarse states, so the plan takes the fewest signal rows whose accumulated drift at the top
 * coarse state (relative error × `coarseStates` coarse steps of `lsbPerStep` LSB) stays within
 * `toleranceLsb`, or else the smallest error. Returns the rows needed and the relative step error.
 */
export function fineStepPlan(
  coarseStepY: number,
  vddVolts: number,
  topLevel: number,
  coarseStates = 15,
  lsbPerStep = 16,
  toleranceLsb = 0.25,
  maxD1 = 4,
): { d1: number; d2: number; rows: number; relativeError: number } {
  const half = OUTPUT_FULL_SCALE_VOLTS / 2;
  const plans = [];
  for (let d1 = 1; d1 <= Math.min(maxD1, topLevel); d1++) {
    const d2 = Math.max(1, Math.round((vddVolts * d1) / (half * coarseStepY)));
    const step = (vddVolts * d1) / (half * d2);
    plans.push({ d1, d2, rows: Math.ceil(d2 / topLevel), relativeError: Math.abs(step / coarseStepY - 1) });
  }
  const good = plans.filter((p) => p.relativeError * coarseStates * lsbPerStep <= toleranceLsb).sort((a, b) => a.rows - b.rows);
  return good[0] ?? plans.sort((a, b) => a.relativeError - b.relativeError)[0];
}

/** Designs one comparator column by exhaustive search over the row-group sums. */
export function designColumn(p: ColumnProblem): ColumnDesign {
  const top = p.levels.length - 1;
  const topBU = Math.min(top, p.biasUpperTop ?? top);
  const step = p.levels[1] - p.levels[0];
  const g0 = p.levels[0];
  const nS = p.inputs.filter((i) => i.kind === 'signal').length;
  const nB = p.inputs.filter((i) => i.kind === 'bias').length;
  const states = p.targets.length;
  const half = OUTPUT_FULL_SCALE_VOLTS / 2;
  const vm = p.switchingVolts;
  const vdd = p.vddVolts;
  // Coarse rows: fixed levels (d1, 0); their contribution per state is closed form.
  const coarse = p.inputs.map((inp, k) => (inp.kind === 'coarse' ? k : -1)).filter((k) => k >= 0);
  const cU = g0 + step * (p.coarseUpperLevel ?? 0);
  const cL = g0;
  // Trim rows: both devices fixed at TRIM_ROW_LEVEL, a (V_DD, 0) pair the search only sees as load.
  const nT = p.inputs.filter((i) => i.kind === 'trim').length;
  const gT = g0 + step * TRIM_ROW_LEVEL;
  const gFixedRows = coarse.length * (cU + cL) + 2 * nT * gT;
  const alphaTrim = vdd * nT * gT;
  const s2Trim = nT * gT * gT * ((vdd - vm) ** 2 + vm * vm);
  let best: { obj: number; su: number; sl: number; bu: number; bl: number } | null = null;
  const diffs = p.signalDifference ? new Set(p.signalDifference) : null;
  for (let su = 0; su <= nS * top; su++) {
    for (let sl = 0; sl <= nS * top; sl++) {
      if (diffs && !diffs.has(sl - su)) continue;
      const gSU = nS * g0 + step * su;
      const gSL = nS * g0 + step * sl;
      const beta = half * (gSU - gSL);
      if (beta >= 0) continue;
      // Variation of the signal rows with an even spread: Σ g_i² over the group.
      const sq = (sum: number, n: number, max = top): number => spreadLevels(sum, n, max).reduce((a, l) => a + (g0 + step * l) ** 2, 0);
      const sqSU = sq(su, nS);
      const sqSL = sq(sl, nS);
      for (let bu = 0; bu <= nB * topBU; bu++) {
        const gBU = nB * g0 + step * bu;
        const sqBU = sq(bu, nB, topBU);
        // The lower bias sum only changes G, which moves every state's threshold by the same
        // V_M·Δg/β: solve for the best continuous value (mean target offset), try its neighbours.
        const gFixed = gSU + gSL + gBU + gFixedRows + nB * g0;
        let offset = 0;
        for (let m = 0; m < states; m++) {
          const fired = Math.min(m, coarse.length);
          const alpha = OUTPUT_COMMON_MODE_VOLTS * (gSU + gSL) + vdd * gBU + vdd * (fired * cU + (coarse.length - fired) * cL) + alphaTrim;
          offset += p.targets[m] - (vm * gFixed - alpha) / beta;
        }
        const blStar = ((offset / states) * beta) / (vm * step);
        // Clamped, so an out-of-reach operating point still yields its (poor) best candidate.
        const clampBl = (b: number): number => Math.min(nB * top, Math.max(0, b));
        const candidates = [Math.floor(blStar) - 1, Math.floor(blStar), Math.ceil(blStar), Math.ceil(blStar) + 1].map(clampBl);
        for (const bl of new Set(candidates)) {
          const gBL = nB * g0 + step * bl;
          const G = gSU + gSL + gBU + gBL + gFixedRows;
          let obj = 0;
          for (let m = 0; m < states && (best === null || obj < best.obj); m++) {
            const fired = Math.min(m, coarse.length);
            const alpha =
              OUTPUT_COMMON_MODE_VOLTS * (gSU + gSL) + vdd * gBU + vdd * (fired * cU + (coarse.length - fired) * cL) + alphaTrim;
            const y = (vm * G - alpha) / beta;
            let s2 = sqSU * (OUTPUT_COMMON_MODE_VOLTS + half * y - vm) ** 2 + sqSL * (OUTPUT_COMMON_MODE_VOLTS - half * y - vm) ** 2;
            s2 += sqBU * (vdd - vm) ** 2 + sq(bl, nB) * vm * vm + s2Trim;
            s2 +=
              fired * (cU * cU * (vdd - vm) ** 2 + cL * cL * vm * vm) +
              (coarse.length - fired) * (cU * cU * vm * vm + cL * cL * (vdd - vm) ** 2);
            const sd = (p.sigma * Math.sqrt(s2)) / -beta;
            obj += ((y - p.targets[m]) / p.lsb) ** 2 + p.variationWeight * (sd / p.lsb) ** 2;
          }
          if (best === null || obj < best.obj) best = { obj, su, sl, bu, bl };
        }
      }
    }
  }
  if (!best) throw new RangeError('no column configuration fires upward; add signal rows');
  const groups = {
    signalU: spreadLevels(best.su, nS, top),
    signalL: spreadLevels(best.sl, nS, top),
    biasU: spreadLevels(best.bu, nB, topBU),
    biasL: spreadLevels(best.bl, nB, top),
  };
  let si = 0;
  let bi = 0;
  const upper: number[] = [];
  const lower: number[] = [];
  for (const inp of p.inputs) {
    if (inp.kind === 'signal') {
      upper.push(groups.signalU[si]);
      lower.push(groups.signalL[si++]);
    } else if (inp.kind === 'bias') {
      upper.push(groups.biasU[bi]);
      lower.push(groups.biasL[bi++]);
    } else if (inp.kind === 'trim') {
      upper.push(TRIM_ROW_LEVEL);
      lower.push(TRIM_ROW_LEVEL);
    } else {
      upper.push(p.coarseUpperLevel ?? 0);
      lower.push(0);
    }
  }
  const t = columnThresholds(
    p.inputs,
    upper.map((l) => p.levels[l]),
    lower.map((l) => p.levels[l]),
    states,
    vm,
    vdd,
    p.sigma,
  );
  return { upper, lower, objective: best.obj, thresholds: t.y };
}
