/**
 * Float64 model of a trained NNADC: instantiation with device variation and inverter corners,
 * and conversion of normalized inputs y to codes (see `config.ts` for the architecture).
 */
import type { Rng } from '../../core/rng.ts';
import { gMinSiemens, levelConductance, programConductances, type RramConfig } from '../../device/rram.ts';
import { pickTrimMove } from '../../device/trim.ts';
import { OUTPUT_COMMON_MODE_VOLTS, OUTPUT_FULL_SCALE_VOLTS, outputPair } from '../nnsa/signals.ts';
import { vtcFigures, type VtcBank } from '../vtc.ts';
import { drawVtcShift, type MismatchSpread } from '../inverter-mismatch.ts';
import { fail } from '../../core/errors.ts';
import type { ComparatorStage, NnadcModel } from './config.ts';
import { comparatorTrimRange } from './design.ts';

/**
 * How comparator corners are drawn when instantiating (as for networks, see `CornerMode` in
 * `network.ts`). With `die-mismatch` each comparator's switching voltage is its die corner's V_M
 * moved by its own local-mismatch draw (a comparator uses only its V_M, not its gain).
 */
export type AdcCornerMode =
  | { kind: 'nominal' }
  | { kind: 'global'; corner: number }
  | { kind: 'per-neuron' }
  | { kind: 'die-mismatch'; corner: number; mismatch: MismatchSpread };

/**
 * Post-programming write-verify trimming, the converter's calibration at test. Each comparator's
 * switching input is measured (a precise test ramp on the converter input; per coarse state for
 * fine comparators) and devices of its column are re-programmed (SET or RESET to a new
 * conductance, with the full programming variation on the new value) until it is within the
 * tolerance of its designed threshold: for a fine comparator first each coarse row's step (the
 * threshold move when that coarse comparator fires), then the column's offset with a bias or trim
 * row (a V_DD device raises the threshold, a 0 V device lowers it). It corrects device variation,
 * the die's corner and the comparator's local mismatch; the design leaves headroom on the V_DD bias
 * devices for the corner (`trimHeadroomLevels`) and, with `comparatorTrimVolts`, gives every
 * comparator trim rows at G_min for its own mismatch.
 */
export interface ColumnVerify {
  /** Largest accepted error of a comparator's offset and of each of its coarse steps, LSB. 0 = no verify. */
  toleranceLsb: number;
  /** Programming attempts per verify step (each coarse step of a fine comparator; the offset), the first included. */
  maxAttempts: number;
}

/** What write-verify did to one instance. */
export interface VerifyOutcome {
  columns: number;
  /** Programming operations per column (a row group re-programmed counts one), mean over columns (1 = all passed first time). */
  meanAttempts: number;
  /** Columns with a step or offset still outside the tolerance after the last attempt. */
  outOfTolerance: number;
}

/** A converter with concrete conductances and a corner per comparator. */
export interface AdcInstance {
  vddVolts: number;
  bits: number;
  arch: NnadcModel['arch'];
  stages: Array<{
    stage: ComparatorStage;
    upperSiemens: Float64Array;
    lowerSiemens: Float64Array;
    corners: Int32Array;
    /** Switching voltage of each column's inverter (its corner's V_M), volts. */
    switchingVolts: Float64Array;
  }>;
  /** Present when write-verify ran. */
  verify?: VerifyOutcome;
}

/** Number of RRAM devices and inverters (comparators) of a converter. */
export function adcDeviceCount(model: Pick<NnadcModel, 'stages'>): { rram: number; inverters: number } {
  let rram = 0;
  let inverters = 0;
  for (const s of model.stages) {
    rram += 2 * s.inputs.length * s.columns;
    inverters += s.columns;
  }
  return { rram, inverters };
}

/**
 * Instantiates a converter (variation applied when `rng` is given; then, with `verify`, each
 * column is write-verified against the designed thresholds, see {@link ColumnVerify}).
 */
export function instantiateAdc(
  model: NnadcModel,
  bank: VtcBank,
  device: RramConfig,
  rng: Rng | null,
  corners: AdcCornerMode,
  verify?: ColumnVerify,
): AdcInstance {
  const inst = programAdc(model, bank, device, rng, corners);
  if (rng && verify && verify.toleranceLsb > 0) writeVerifyAdc(inst, model, bank, device, verify, rng.fork('verify'));
  return inst;
}

/**
 * Write-verifies a programmed instance in place against the model's design (see
 * {@link ColumnVerify}; `instantiateAdc` calls it with the draw's `verify` stream) and records the
 * outcome in `inst.verify`.
 */
export function writeVerifyAdc(
  inst: AdcInstance,
  model: NnadcModel,
  bank: VtcBank,
  device: RramConfig,
  verify: ColumnVerify,
  rng: Rng,
): VerifyOutcome {
  inst.verify = writeVerify(inst, programAdc(model, bank, device, null, { kind: 'nominal' }), model, device, verify, rng);
  return inst.verify;
}

/**
 * Per stage: its trim row pairs per comparator and the smallest switching-voltage shift, either
 * way, its trim rows can correct on any column as designed (`comparatorTrimRange`; 0 without trim rows).
 */
export function adcTrimRanges(
  model: NnadcModel,
  bank: VtcBank,
): Array<{ role: ComparatorStage['role']; trimPairs: number; rangeVolts: number }> {
  const vm = vtcFigures(bank, bank.nominalIndex).switchingVolts;
  return model.stages.map((stage) => {
    const J = stage.columns;
    const trimPairs = stage.inputs.filter((i) => i.kind === 'trim').length;
    let rangeVolts = trimPairs > 0 ? Infinity : 0;
    for (let j = 0; trimPairs > 0 && j < J; j++) {
      const g = (levels: number[]): number[] => stage.inputs.map((_, k) => levelConductance(model.device, levels[k * J + j]));
      const r = comparatorTrimRange(
        stage.inputs,
        g(stage.upperLevels),
        g(stage.lowerLevels),
        vm,
        model.vddVolts,
        gMinSiemens(model.device),
        model.device.gMaxSiemens,
      );
      rangeVolts = Math.min(rangeVolts, r.raiseVolts, r.lowerVolts);
    }
    return { role: stage.role, trimPairs, rangeVolts };
  });
}

function programAdc(model: NnadcModel, bank: VtcBank, device: RramConfig, rng: Rng | null, corners: AdcCornerMode): AdcInstance {
  const vmOfCorner = bank.corners.map((_, c) => vtcFigures(bank, c).switchingVolts);
  return {
    vddVolts: model.vddVolts,
    bits: model.bits,
    arch: model.arch,
    stages: model.stages.map((stage, si) => {
      const target = (levels: number[]): Float64Array => Float64Array.from(levels, (i) => levelConductance(model.device, i));
      const program = (g: Float64Array, line: string): Float64Array =>
        rng ? programConductances(g, device, rng.fork(`stage${si}.${line}`)) : g;
      const c = new Int32Array(stage.columns);
      if (corners.kind === 'per-neuron') {
        const r = rng ? rng.fork(`corners${si}`) : null;
        for (let j = 0; j < stage.columns; j++) c[j] = r ? r.int(bank.corners.length) : bank.nominalIndex;
      } else c.fill(corners.kind === 'global' || corners.kind === 'die-mismatch' ? corners.corner : bank.nominalIndex);
      const switchingVolts = Float64Array.from(c, (k) => vmOfCorner[k]);
      if (corners.kind === 'die-mismatch') {
        const r = (rng ?? fail('local mismatch needs a random generator')).fork(`mismatch${si}`);
        for (let j = 0; j < stage.columns; j++) switchingVolts[j] += drawVtcShift(corners.mismatch, r).switchingShiftVolts;
      }
      return {
        stage,
        upperSiemens: program(target(stage.upperLevels), 'upper'),
        lowerSiemens: program(target(stage.lowerLevels), 'lower'),
        corners: c,
        switchingVolts,
      };
    }),
  };
}

/**
 * Converts normalized inputs y (differential NNS+A output / 0.5 V) to codes. Comparators fire when
 * their column is below their inverter's V_M. Coarse comparators are latched: a cross-coupled
 * inverter pair regenerates each decision to full rail (VDD or 0) before the fine phase, as in any
 * two-step flash converter — an inverter alone (gain ≈ 16) leaves outputs within a few LSB of a
 * coarse transition at intermediate voltages, which would corrupt the fine thresholds.
 */
export function convertAdc(inst: AdcInstance, y: ArrayLike<number>): Int32Array {
  const n = y.length;
  const codes = new Int32Array(n);
  const vdd = inst.vddVolts;
  const coarseStage = inst.stages.find((s) => s.stage.role === 'coarse');
  const fineBits =
    inst.arch === 'two-step' && coarseStage
      ? Math.round(Math.log2(inst.stages.find((s) => s.stage.role === 'fine')!.stage.columns + 1))
      : 0;
  const maxCode = 2 ** inst.bits - 1;
  const coarseOut = new Float64Array(coarseStage ? coarseStage.stage.columns : 0);
  for (let i = 0; i < n; i++) {
    const [p, nn] = outputPair(y[i]);
    let code = 0;
    for (const s of inst.stages) {
      const { inputs, columns } = s.stage;
      let fired = 0;
      for (let j = 0; j < columns; j++) {
        let num = 0;
        let den = 0;
        for (let k = 0; k < inputs.length; k++) {
          const gu = s.upperSiemens[k * columns + j];
          const gl = s.lowerSiemens[k * columns + j];
          const inp = inputs[k];
          let u: number;
          let l: number;
          if (inp.kind === 'signal') [u, l] = [p, nn];
          else if (inp.kind === 'bias' || inp.kind === 'trim') [u, l] = [vdd, 0];
          else [u, l] = [coarseOut[inp.comparator], vdd - coarseOut[inp.comparator]];
          num += gu * u + gl * l;
          den += gu + gl;
        }
        const v = num / den;
        if (v < s.switchingVolts[j]) fired++;
        if (s.stage.role === 'coarse') coarseOut[j] = v < s.switchingVolts[j] ? vdd : 0;
      }
      code += s.stage.role === 'coarse' ? fired * 2 ** fineBits : fired;
    }
    codes[i] = Math.min(maxCode, code);
  }
  return codes;
}

/**
 * Threshold form of a converter instance, for fast conversion of many samples: because every
 * comparator column is linear in y for a given set of fired (latched) coarse comparators, each
 * comparator switches at a closed-form input. Gives exactly the codes of {@link convertAdc}.
 */
export interface AdcThresholds {
  arch: NnadcModel['arch'];
  bits: number;
  /** Flash or coarse thresholds (normalized y; a comparator fires above its threshold). */
  first: Float64Array;
  /** Fine stage (two-step): per fine comparator, β, V_M·G − α₀ and the α increment per fired coarse comparator. */
  fine: Array<{ beta: number; numerator0: number; perCoarse: Float64Array }>;
  fineBits: number;
  /** Per fine comparator, its numerator once the m lowest coarse comparators have fired. */
  fineNumeratorByCount: Float64Array[];
  /** Per count m of fired coarse comparators, each fine comparator's threshold (numerator / β; +∞ where β ≥ 0: it never fires). */
  fineThresholdByCount: Float64Array[];
  /**
   * Search tables of {@link convertWithThresholds}: the first thresholds, then per count m the
   * fine thresholds, each list sorted ascending and padded with +∞ to its span (a power of two
   * above its length) so a count is a fixed number of halving steps.
   */
  search: { table: Float64Array; firstSpan: number; fineSpan: number; topCode: number; fineCodes: number };
}

/** The smallest power of two above `n` (a span holding n thresholds and one +∞). */
const spanAbove = (n: number): number => 2 ** Math.ceil(Math.log2(n + 1));

/** Search tables of a threshold form (see {@link AdcThresholds.search}). */
function searchTables(first: Float64Array, fineByCount: Float64Array[], bits: number, fineBits: number): AdcThresholds['search'] {
  const firstSpan = spanAbove(first.length);
  const fineSpan = fineByCount.length && fineByCount[0].length ? spanAbove(fineByCount[0].length) : 1;
  const table = new Float64Array(firstSpan + (fineSpan > 1 ? fineByCount.length * fineSpan : 0)).fill(Infinity);
  // A typed array sorts numerically with NaN last, where a comparison with it counts as +∞ does.
  table.set(Float64Array.from(first).sort());
  if (fineSpan > 1) fineByCount.forEach((f, m) => table.set(Float64Array.from(f).sort(), firstSpan + m * fineSpan));
  // Powers of two precomputed: `2 ** n` of a variable n is a call to Math.pow in the hot loop.
  return { table, firstSpan, fineSpan, topCode: 2 ** bits - 1, fineCodes: 2 ** fineBits };
}

/**
 * How many of the `span` sorted thresholds at `at` in `table` lie below y (`y > t`): a branch-free
 * binary search, halving steps unrolled (the comparisons are unpredictable; the span tests are not).
 */
function countBelow(table: Float64Array, at: number, span: number, y: number): number {
  let c = at;
  for (let h = span >> 1; h > 128; h >>= 1) c += y > table[c + h - 1] ? h : 0;
  if (span > 128) c += y > table[c + 127] ? 128 : 0;
  if (span > 64) c += y > table[c + 63] ? 64 : 0;
  if (span > 32) c += y > table[c + 31] ? 32 : 0;
  if (span > 16) c += y > table[c + 15] ? 16 : 0;
  if (span > 8) c += y > table[c + 7] ? 8 : 0;
  if (span > 4) c += y > table[c + 3] ? 4 : 0;
  if (span > 2) c += y > table[c + 1] ? 2 : 0;
  if (span > 1) c += y > table[c] ? 1 : 0;
  return c - at;
}

/** Column constants of a stage's column j for the threshold form. */
function columnConstants(
  stage: AdcInstance['stages'][number],
  j: number,
  vdd: number,
): { beta: number; num0: number; perCoarse: number[] } {
  const { inputs, columns } = stage.stage;
  let G = 0;
  let beta = 0;
  let alpha = 0;
  const perCoarse: number[] = [];
  for (let k = 0; k < inputs.length; k++) {
    const gu = stage.upperSiemens[k * columns + j];
    const gl = stage.lowerSiemens[k * columns + j];
    G += gu + gl;
    const inp = inputs[k];
    if (inp.kind === 'signal') {
      beta += (OUTPUT_FULL_SCALE_VOLTS / 2) * (gu - gl);
      alpha += OUTPUT_COMMON_MODE_VOLTS * (gu + gl);
    } else if (inp.kind === 'bias' || inp.kind === 'trim') alpha += vdd * gu;
    else {
      alpha += vdd * gl; // not fired: (0, VDD)
      perCoarse[inp.comparator] = vdd * (gu - gl);
    }
  }
  return { beta, num0: stage.switchingVolts[j] * G - alpha, perCoarse };
}

/** Threshold form of an instance. */
export function adcThresholds(inst: AdcInstance): AdcThresholds {
  const first = inst.stages[0];
  const firstThresholds = Float64Array.from({ length: first.stage.columns }, (_, j) => {
    const c = columnConstants(first, j, inst.vddVolts);
    return c.beta < 0 ? c.num0 / c.beta : Infinity;
  });
  const fineStage = inst.stages.find((s) => s.stage.role === 'fine');
  const fine = fineStage
    ? Array.from({ length: fineStage.stage.columns }, (_, j) => {
        const c = columnConstants(fineStage, j, inst.vddVolts);
        return { beta: c.beta, numerator0: c.num0, perCoarse: Float64Array.from(c.perCoarse, (x) => x ?? 0) };
      })
    : [];
  // Whatever the order of the coarse thresholds, the comparators fired at y are the m lowest: the
  // fine numerators can be tabulated by m once.
  const order = Array.from(firstThresholds.keys()).sort((a, b) => firstThresholds[a] - firstThresholds[b]);
  const fineNumeratorByCount = fine.map((f) => {
    const out = new Float64Array(order.length + 1);
    out[0] = f.numerator0;
    order.forEach((k, m) => (out[m + 1] = out[m] - f.perCoarse[k]));
    return out;
  });
  const fineThresholdByCount = Array.from({ length: order.length + 1 }, (_, m) =>
    Float64Array.from(fine, (f, j) => (f.beta < 0 ? fineNumeratorByCount[j][m] / f.beta : Infinity)),
  );
  const fineBits = fineStage ? Math.round(Math.log2(fineStage.stage.columns + 1)) : 0;
  return {
    arch: inst.arch,
    bits: inst.bits,
    first: firstThresholds,
    fine,
    fineBits,
    fineNumeratorByCount,
    fineThresholdByCount,
    search: searchTables(firstThresholds, fine.length ? fineThresholdByCount : [], inst.bits, fineBits),
  };
}

/** Code of a normalized input y from the threshold form (same as {@link convertAdc}). */
export function convertWithThresholds(t: AdcThresholds, y: number): number {
  // Codes count the thresholds below y: first (flash or coarse), then the fine comparators'
  // thresholds for that count of fired coarse comparators.
  const { table, firstSpan, fineSpan, topCode, fineCodes } = t.search;
  const firstCount = countBelow(table, 0, firstSpan, y);
  if (t.arch === 'flash') return Math.min(topCode, firstCount);
  const fineCount = countBelow(table, firstSpan + firstCount * fineSpan, fineSpan, y);
  return Math.min(topCode, firstCount * fineCodes + fineCount);
}

/** Thresholds (normalized y) of column j of a stage; a fine column has one per count of fired coarse comparators, fired in `coarseOrder`. */
function columnThresholdsY(stage: AdcInstance['stages'][number], j: number, vdd: number, coarseOrder: number[]): number[] {
  const c = columnConstants(stage, j, vdd);
  const at = (num: number): number => (c.beta < 0 ? num / c.beta : Infinity);
  if (stage.stage.role !== 'fine') return [at(c.num0)];
  const out = [at(c.num0)];
  let num = c.num0;
  for (const k of coarseOrder) {
    num -= c.perCoarse[k] ?? 0;
    out.push(at(num));
  }
  return out;
}

/** Coarse comparators in the order they fire as the input rises (ascending thresholds). */
function coarseFiringOrder(inst: AdcInstance): number[] {
  const coarse = inst.stages.find((s) => s.stage.role === 'coarse');
  if (!coarse) return [];
  const t = Array.from({ length: coarse.stage.columns }, (_, j) => columnThresholdsY(coarse, j, inst.vddVolts, [])[0]);
  return Array.from(t.keys()).sort((a, b) => t[a] - t[b]);
}

function writeVerify(
  inst: AdcInstance,
  nominal: AdcInstance,
  model: NnadcModel,
  device: RramConfig,
  verify: ColumnVerify,
  rng: Rng,
): VerifyOutcome {
  const lsbY = model.rangeFraction / (2 ** model.bits - 1);
  const tolY = verify.toleranceLsb * lsbY;
  const vdd = inst.vddVolts;
  const designedOrder = coarseFiringOrder(nominal);
  let columns = 0;
  let attempts = 0;
  let outOfTolerance = 0;
  // Stages in order: the coarse stage is trimmed first, so the fine stage is measured behind the
  // coarse comparators as they finally are.
  inst.stages.forEach((s, si) => {
    const n = nominal.stages[si];
    const { columns: J, inputs } = s.stage;
    const order = s.stage.role === 'fine' ? coarseFiringOrder(inst) : [];
    const coarseRow = new Map<number, number>();
    inputs.forEach((inp, k) => {
      if (inp.kind === 'coarse') coarseRow.set(inp.comparator, k);
    });
    // The offset is trimmed on the bias rows' headroom and the comparator's own trim rows.
    const biasRows = inputs.map((_, k) => k).filter((k) => inputs[k].kind === 'bias' || inputs[k].kind === 'trim');
    for (let j = 0; j < J; j++) {
      const designed = columnThresholdsY(n, j, nominal.vddVolts, designedOrder);
      const measured = (): number[] => columnThresholdsY(s, j, vdd, order);
      const absBeta = (): number => -columnConstants(s, j, vdd).beta;
      let programmed = 1;
      let failed = false;
      // Moves a threshold (or step) by `dy` by re-programming one candidate device (see
      // pickTrimMove); false when none can move it.
      const adjust = (
        candidates: Array<{ line: 'upperSiemens' | 'lowerSiemens'; k: number; slope: number }>,
        dy: number,
        tag: string,
      ): boolean => {
        const move = pickTrimMove(
          candidates.map((c) => ({ siemens: s[c.line][c.k * J + j], slope: c.slope })),
          dy,
          device,
        );
        if (!move || move.reach < 1e-6 * lsbY) return false;
        const c = candidates[move.index];
        s[c.line][c.k * J + j] = programConductances([move.targetSiemens], device, rng.fork(tag))[0];
        programmed++;
        return true;
      };
      // 1. Fine columns: each coarse row's step (the threshold move when its comparator fires,
      //    V_DD·(g_u − g_l)/|β|) against the designed step.
      order.forEach((c, p) => {
        const k = coarseRow.get(c)!;
        const designedStep = designed[p + 1] - designed[p];
        const error = (): number => {
          const t = measured();
          return t[p + 1] - t[p] - designedStep;
        };
        for (let a = 1; a < verify.maxAttempts; a++) {
          const e = error();
          if (!Number.isFinite(e) || Math.abs(e) <= tolY) break;
          const slope = vdd / absBeta();
          const rows = [
            { line: 'upperSiemens' as const, k, slope },
            { line: 'lowerSiemens' as const, k, slope: -slope },
          ];
          if (!adjust(rows, -e, `s${si}.c${j}.step${p}.a${a}`)) break;
        }
        if (!(Math.abs(error()) <= tolY)) failed = true;
      });
      // 2. The column's offset (mean error over its states) with its bias rows: a V_DD row moves
      //    the threshold by (V_DD − V_M)/|β| per siemens, a 0 V row by −V_M/|β|.
      const offset = (): number => {
        const t = measured();
        return t.reduce((acc, x, m) => acc + x - designed[m], 0) / t.length;
      };
      for (let a = 1; a < verify.maxAttempts; a++) {
        const e = offset();
        if (!Number.isFinite(e) || Math.abs(e) <= tolY) break;
        const vm = s.switchingVolts[j];
        const b = absBeta();
        const rows = biasRows.flatMap((k) => [
          { line: 'upperSiemens' as const, k, slope: (vdd - vm) / b },
          { line: 'lowerSiemens' as const, k, slope: -vm / b },
        ]);
        if (!adjust(rows, -e, `s${si}.c${j}.offset.a${a}`)) break;
      }
      if (!(Math.abs(offset()) <= tolY)) failed = true;
      columns++;
      attempts += programmed;
      if (failed) outOfTolerance++;
    }
  });
  return { columns, meanAttempts: attempts / Math.max(1, columns), outOfTolerance };
}
