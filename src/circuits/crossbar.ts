/**
 * Passive crossbar layer with pseudo-differential inputs (docs/reference.md §2.3), reference float64
 * implementation. Input k arrives as a pair (upper_k, lower_k) — (v, VDD − v) for a single-ended
 * signal, (P, N) for a differential one, (VDD, 0) for a bias row. A passive column driving an
 * inverter's gate settles at the conductance-weighted average of its inputs:
 *
 *   v_j = Σ_k (gU_kj·upper_k + gL_kj·lower_k) / Σ_k (gU_kj + gL_kj)
 *
 * so the effective weight W_kj = (gU_kj − gL_kj) / Σ_k (gU_kj + gL_kj) and Σ_k |W_kj| < 1 holds
 * for every column by construction (every device conducts at least G_min > 0).
 */

/** Conductances of one crossbar: `pairs` input pairs × `columns` outputs, row-major [pair][column]. */
export interface CrossbarConductances {
  /** Number of input pairs (rows of pairs), K. */
  pairs: number;
  /** Number of output columns, J. */
  columns: number;
  /** Conductances of the upper line of each pair, siemens, length K·J. */
  upperSiemens: Float64Array;
  /** Conductances of the lower line of each pair, siemens, length K·J. */
  lowerSiemens: Float64Array;
}

/**
 * Column voltages of a passive crossbar for a batch: `upperVolts` and `lowerVolts` are
 * row-major [batch × pairs]; the result is [batch × columns], volts.
 */
export function passiveColumnVoltages(
  x: CrossbarConductances,
  upperVolts: ArrayLike<number>,
  lowerVolts: ArrayLike<number>,
  batch: number,
): Float64Array {
  const { pairs: K, columns: J, upperSiemens: gU, lowerSiemens: gL } = x;
  const total = new Float64Array(J);
  for (let k = 0; k < K; k++) for (let j = 0; j < J; j++) total[j] += gU[k * J + j] + gL[k * J + j];
  const out = new Float64Array(batch * J);
  for (let b = 0; b < batch; b++) {
    const o = b * J;
    for (let k = 0; k < K; k++) {
      const u = upperVolts[b * K + k];
      const l = lowerVolts[b * K + k];
      for (let j = 0; j < J; j++) out[o + j] += gU[k * J + j] * u + gL[k * J + j] * l;
    }
    for (let j = 0; j < J; j++) out[o + j] /= total[j];
  }
  return out;
}

/** Effective signed weights W_kj = (gU − gL)/Σ_k(gU + gL), row-major [pair][column]. */
export function effectiveWeights(x: CrossbarConductances): Float64Array {
  const { pairs: K, columns: J, upperSiemens: gU, lowerSiemens: gL } = x;
  const total = new Float64Array(J);
  for (let k = 0; k < K; k++) for (let j = 0; j < J; j++) total[j] += gU[k * J + j] + gL[k * J + j];
  const w = new Float64Array(K * J);
  for (let k = 0; k < K; k++) for (let j = 0; j < J; j++) w[k * J + j] = (gU[k * J + j] - gL[k * J + j]) / total[j];
  return w;
}

/** Σ_k |W_kj| of every column (always < 1 for a passive crossbar). */
export function columnAbsWeightSums(x: CrossbarConductances): Float64Array {
  const w = effectiveWeights(x);
  const sums = new Float64Array(x.columns);
  for (let k = 0; k < x.pairs; k++) for (let j = 0; j < x.columns; j++) sums[j] += Math.abs(w[k * x.columns + j]);
  return sums;
}

/** Number of RRAM devices of a crossbar (two per pair per column). */
export function deviceCount(x: { pairs: number; columns: number }): number {
  return 2 * x.pairs * x.columns;
}

/** Applies `f` to every conductance (upper and lower), returning a new crossbar. */
export function mapConductances(x: CrossbarConductances, f: (gSiemens: Float64Array) => Float64Array): CrossbarConductances {
  return { ...x, upperSiemens: f(x.upperSiemens), lowerSiemens: f(x.lowerSiemens) };
}
