/**
 * Inverter voltage transfer characteristics (docs/reference.md §2.2). A CMOS inverter's VTC is the
 * activation function of the NNS+A and NNADC neurons: a decreasing S-curve from VDD to 0 around the
 * switching threshold V_M.
 *
 * Every VTC — analytic, read from CSV, or simulated in ngspice — is resampled onto one uniform
 * input grid so that a bank of corners is a dense [corners × points] table: evaluation and its
 * derivative are then one gather and one multiply-add (see `tf-ops.ts` for the differentiable form).
 */
import { parse } from 'csv-parse/sync';
import { VDD_VOLTS } from '../core/defaults.ts';
import { fail } from '../core/errors.ts';

/** A VTC sampled at increasing input voltages. */
export interface VtcCurve {
  /** Corner or curve name, e.g. `tt_27c`. */
  name: string;
  /** Input voltages, strictly increasing, volts. */
  vinVolts: Float64Array;
  /** Output voltages, non-increasing, volts. */
  voutVolts: Float64Array;
}

/** Parameters of the analytic VTC VDD / (1 + exp(k·(v − V_M))), with k set by the peak gain. */
export interface AnalyticVtcParams {
  /** Supply voltage, volts. */
  vddVolts: number;
  /** Switching threshold V_M, volts. */
  switchingVolts: number;
  /** Magnitude of the slope at V_M (V/V); the logistic's k = 4·gain/VDD. */
  gain: number;
}

/** Default analytic inverter: V_M = VDD/2, gain 16 (the generic 130 nm inverter of the bank). */
export const DEFAULT_ANALYTIC_VTC: AnalyticVtcParams = { vddVolts: VDD_VOLTS, switchingVolts: VDD_VOLTS / 2, gain: 16 };

/** Evaluates the analytic VTC at `vinVolts`. */
export function analyticVtc(p: AnalyticVtcParams, vinVolts: number): number {
  const k = (4 * p.gain) / p.vddVolts;
  return p.vddVolts / (1 + Math.exp(k * (vinVolts - p.switchingVolts)));
}

/** Samples the analytic VTC on the uniform grid of `grid`. */
export function sampleAnalyticVtc(p: AnalyticVtcParams, grid: VtcGrid, name = 'analytic'): VtcCurve {
  const vin = gridVoltages(grid);
  const vout = vin.map((v) => analyticVtc(p, v));
  return { name, vinVolts: vin, voutVolts: vout };
}

/** Uniform input grid of a VTC bank. */
export interface VtcGrid {
  /** First grid voltage, volts. */
  startVolts: number;
  /** Grid step, volts. */
  stepVolts: number;
  /** Number of grid points. */
  points: number;
}

/** Default grid: 0 to 1.2 V in 1 mV steps (interpolation error of a gain-16 VTC below 20 µV). */
export const DEFAULT_VTC_GRID: VtcGrid = { startVolts: 0, stepVolts: 1e-3, points: 1201 };

/** The grid's input voltages. */
export function gridVoltages(grid: VtcGrid): Float64Array {
  const out = new Float64Array(grid.points);
  for (let i = 0; i < grid.points; i++) out[i] = grid.startVolts + i * grid.stepVolts;
  return out;
}

/**
 * Checks that a curve is a physical inverter VTC: finite, at least two points, strictly increasing
 * input, non-increasing output (within `toleranceVolts` of numerical noise).
 */
export function validateVtc(curve: VtcCurve, toleranceVolts = 1e-6): void {
  const { vinVolts: x, voutVolts: y, name } = curve;
  if (x.length < 2) fail(`VTC '${name}' needs at least 2 points, got ${x.length}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) fail(`VTC '${name}' has a non-finite value at point ${i}`);
    if (i > 0 && !(x[i] > x[i - 1])) fail(`VTC '${name}': vin must be strictly increasing (point ${i}: ${x[i]} after ${x[i - 1]})`);
    if (i > 0 && y[i] > y[i - 1] + toleranceVolts) {
      fail(`VTC '${name}' is not monotonic: vout rises from ${y[i - 1]} to ${y[i]} V at vin = ${x[i]} V`);
    }
  }
}

/** Piecewise-linear interpolation of a curve at `vinVolts`, clamped at the ends. */
export function interpolateVtc(curve: VtcCurve, vinVolts: number): number {
  const x = curve.vinVolts;
  const y = curve.voutVolts;
  if (vinVolts <= x[0]) return y[0];
  const last = x.length - 1;
  if (vinVolts >= x[last]) return y[last];
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid] <= vinVolts) lo = mid;
    else hi = mid;
  }
  const t = (vinVolts - x[lo]) / (x[hi] - x[lo]);
  return y[lo] + t * (y[hi] - y[lo]);
}

/**
 * Parses VTC CSV text with columns `vin,vout` and optionally `corner` (header required). Rows of
 * one corner must be contiguous or not: they are grouped by name, in order of first appearance.
 */
export function parseVtcCsv(text: string, source = 'VTC CSV'): VtcCurve[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (e) {
    fail(`${source} is not valid CSV: ${(e as Error).message.split('\n')[0]}`);
  }
  if (rows.length === 0) fail(`${source} has no data rows`);
  const header = Object.keys(rows[0]);
  for (const col of ['vin', 'vout']) if (!header.includes(col)) fail(`${source} has no '${col}' column (columns: ${header.join(', ')})`);
  const groups = new Map<string, { x: number[]; y: number[] }>();
  rows.forEach((row, i) => {
    const name = row.corner ?? 'vtc';
    const x = Number(row.vin);
    const y = Number(row.vout);
    if (row.vin === '' || row.vout === '' || !Number.isFinite(x) || !Number.isFinite(y)) {
      fail(`${source} row ${i + 2}: vin and vout must be numbers, got '${row.vin}', '${row.vout}'`);
    }
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { x: [], y: [] }));
    g.x.push(x);
    g.y.push(y);
  });
  const curves = [...groups].map(([name, g]) => ({ name, vinVolts: Float64Array.from(g.x), voutVolts: Float64Array.from(g.y) }));
  curves.forEach((c) => validateVtc(c));
  return curves;
}

/** A bank of VTCs (PVT corners) resampled onto one uniform grid. */
export interface VtcBank {
  /** The shared input grid. */
  grid: VtcGrid;
  /** Corner names, one per table row. */
  corners: string[];
  /** Index of the nominal corner (the one used for "nominal devices" evaluation). */
  nominalIndex: number;
  /** Output voltages, row-major [corners × grid.points], volts. */
  table: Float32Array;
}

/** Resamples curves onto `grid` and stacks them into a bank; `nominal` names the nominal corner. */
export function makeVtcBank(curves: VtcCurve[], nominal?: string, grid: VtcGrid = DEFAULT_VTC_GRID): VtcBank {
  if (curves.length === 0) fail('a VTC bank needs at least one curve');
  const xs = gridVoltages(grid);
  const table = new Float32Array(curves.length * grid.points);
  curves.forEach((c, r) => {
    validateVtc(c);
    for (let i = 0; i < grid.points; i++) table[r * grid.points + i] = interpolateVtc(c, xs[i]);
  });
  const names = curves.map((c) => c.name);
  let nominalIndex = 0;
  if (nominal !== undefined) {
    nominalIndex = names.indexOf(nominal);
    if (nominalIndex < 0) fail(`nominal corner '${nominal}' is not in the VTC bank (corners: ${names.join(', ')})`);
  }
  return { grid, corners: names, nominalIndex, table };
}

/** A bank holding only the analytic VTC (used when no tabulated bank is wanted). */
export function analyticBank(p: AnalyticVtcParams = DEFAULT_ANALYTIC_VTC, grid: VtcGrid = DEFAULT_VTC_GRID): VtcBank {
  return makeVtcBank([sampleAnalyticVtc(p, grid, 'analytic')], 'analytic', grid);
}

/** Evaluates corner `corner` of a bank at `vinVolts` (linear interpolation, clamped). */
export function bankVtc(bank: VtcBank, corner: number, vinVolts: number): number {
  const { startVolts, stepVolts, points } = bank.grid;
  let u = (vinVolts - startVolts) / stepVolts;
  if (u <= 0) u = 0;
  if (u >= points - 1) u = points - 1 - 1e-9;
  const i = Math.floor(u);
  const t = u - i;
  const row = corner * points;
  return bank.table[row + i] + t * (bank.table[row + i + 1] - bank.table[row + i]);
}

/** Switching threshold (where vout crosses vin) and peak |gain| of a bank corner. */
export function vtcFigures(bank: VtcBank, corner: number): { switchingVolts: number; peakGain: number; vddVolts: number } {
  const { startVolts, stepVolts, points } = bank.grid;
  const row = corner * points;
  let switchingVolts = NaN;
  let peakGain = 0;
  for (let i = 1; i < points; i++) {
    const v0 = startVolts + (i - 1) * stepVolts;
    const y0 = bank.table[row + i - 1];
    const y1 = bank.table[row + i];
    peakGain = Math.max(peakGain, (y0 - y1) / stepVolts);
    const d0 = y0 - v0;
    const d1 = y1 - (v0 + stepVolts);
    if (Number.isNaN(switchingVolts) && d0 >= 0 && d1 < 0) switchingVolts = v0 + (stepVolts * d0) / (d0 - d1);
  }
  return { switchingVolts, peakGain, vddVolts: bank.table[row] };
}
