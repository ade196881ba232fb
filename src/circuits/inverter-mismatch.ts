/**
 * Local (within-die) mismatch of the inverter neurons (docs/reference.md §2.2; issue 18).
 *
 * A process corner is a property of a die: every inverter of a chip shares it. What varies from
 * inverter to inverter on one die is local mismatch, modelled by Pelgrom's law: each transistor's
 * threshold and current factor deviate by independent zero-mean normals with
 * σ(ΔV_th) = A_VT/√(W·L) and σ(Δβ/β) = A_β/√(W·L). `npim characterize inverter --mismatch` draws
 * those per-device deviations, runs the transistor-level inverters in ngspice (ΔV_th as BSIM3's
 * `delvto`, Δβ/β as `mulu0`) and records each sample's switching voltage V_M and peak gain; the
 * result is the distribution of VTC shifts an {@link InverterMismatch} summarizes.
 *
 * In a Monte Carlo draw (`die-mismatch` corner mode) each inverter gets its die's corner VTC f_c,
 * moved by a draw (ΔV_M, g) from the bivariate normal of the characterized switching-voltage shift
 * and gain ratio (zero mean shift, mean gain ratio 1: the corner's VTC is the mean inverter):
 * VTC(v) = f_c(V_c + g·(v − V_c − d)), with d chosen so that the new curve crosses vout = vin at
 * V_c + ΔV_M ({@link mismatchedVtcRow}). Its peak gain is g times the corner's. The distribution is
 * characterized at the nominal corner and applied at every corner (Pelgrom coefficients are
 * properties of the oxide and doping, not of the die's mean threshold).
 *
 * Pure data and string building; running ngspice and reading files are in `app/` and `io/`.
 */
import { z } from 'zod';
import { fail } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { cornerParams, type InverterCorner } from './inverter-corners.ts';
import { bankVtc, vtcFigures, type VtcBank } from './vtc.ts';

/** Pelgrom coefficients of the process. */
export interface PelgromCoefficients {
  /** A_VT of the NMOS, mV·µm. */
  aVtNmosMillivoltMicron: number;
  /** A_VT of the PMOS, mV·µm. */
  aVtPmosMillivoltMicron: number;
  /** A_β (both types), %·µm. */
  aBetaPercentMicron: number;
}

/**
 * Pelgrom coefficients for the 130 nm-class cards of `inverter_130nm.lib`: A_VT ≈ 1 mV·µm per nm of
 * gate oxide (Pelgrom, Tuinhout, Vertregt, IEDM 1998), with the cards' t_ox of 3.3 nm (NMOS) and
 * 3.5 nm (PMOS); A_β = 1 %·µm, the order of magnitude reported for bulk CMOS of that generation
 * (Kinget, IEEE JSSC 40(6), 2005). Estimates, not foundry data; see docs/modelling-choices.md.
 */
export const PELGROM_130NM: PelgromCoefficients = { aVtNmosMillivoltMicron: 3.3, aVtPmosMillivoltMicron: 3.5, aBetaPercentMicron: 1 };

/** Drawn size of one transistor, µm. */
export interface TransistorSize {
  widthMicron: number;
  lengthMicron: number;
}

/** The inverter's two transistors. */
export interface InverterSizes {
  nmos: TransistorSize;
  pmos: TransistorSize;
}

/**
 * Reads the transistor sizes of the `npim_inv` subcircuit from the text of the inverter library
 * (lines `M… npim_nch W=…u L=…u` and `M… npim_pch …`).
 */
export function parseInverterSizes(libText: string): InverterSizes {
  const size = (model: string): TransistorSize => {
    const line = libText.split('\n').find((l) => /^\s*M\S*\s/i.test(l) && new RegExp(`\\s${model}\\s`, 'i').test(l));
    const w = line?.match(/\bW=([\d.eE+-]+)u\b/i);
    const l = line?.match(/\bL=([\d.eE+-]+)u\b/i);
    if (!w || !l) fail(`inverter library: no '${model}' transistor with W=…u L=…u in the npim_inv subcircuit`);
    return { widthMicron: Number(w[1]), lengthMicron: Number(l[1]) };
  };
  return { nmos: size('npim_nch'), pmos: size('npim_pch') };
}

/**
 * Both transistors' widths multiplied by `widthFactor` and lengths by `lengthFactor` (W·L, and so
 * 1/σ², scale by their product). Equal factors keep W/L, so the drive strength, the static current
 * at the switching point and, to first order, the VTC; the longer channel loses some short-channel
 * effects (threshold roll-off, output conductance), which the ngspice sweep of the sized inverter
 * shows in its own nominal switching voltage and gain.
 */
export function scaleSizes(s: InverterSizes, widthFactor: number, lengthFactor = 1): InverterSizes {
  const scale = (t: TransistorSize): TransistorSize => ({
    widthMicron: t.widthMicron * widthFactor,
    lengthMicron: t.lengthMicron * lengthFactor,
  });
  return { nmos: scale(s.nmos), pmos: scale(s.pmos) };
}

/** Per-device standard deviations from Pelgrom's law for the given sizes. */
export interface DeviceSigmas {
  /** σ(ΔV_th) of the NMOS and the PMOS, volts. */
  vthNmosVolts: number;
  vthPmosVolts: number;
  /** σ(Δβ/β) of the NMOS and the PMOS (relative). */
  betaNmos: number;
  betaPmos: number;
}

/** σ(ΔV_th) = A_VT/√(W·L), σ(Δβ/β) = A_β/√(W·L). */
export function pelgromSigmas(c: PelgromCoefficients, s: InverterSizes): DeviceSigmas {
  const rootArea = (t: TransistorSize): number => Math.sqrt(t.widthMicron * t.lengthMicron);
  return {
    vthNmosVolts: c.aVtNmosMillivoltMicron / 1000 / rootArea(s.nmos),
    vthPmosVolts: c.aVtPmosMillivoltMicron / 1000 / rootArea(s.pmos),
    betaNmos: c.aBetaPercentMicron / 100 / rootArea(s.nmos),
    betaPmos: c.aBetaPercentMicron / 100 / rootArea(s.pmos),
  };
}

/** One Monte Carlo inverter: the deviations of its two transistors. */
export interface DeviceMismatch {
  /** Threshold shifts of the NMOS and of |V_th| of the PMOS, volts (positive = slower). */
  dvthnVolts: number;
  dvthpVolts: number;
  /** Current-factor multipliers (1 + Δβ/β). */
  betaN: number;
  betaP: number;
}

/**
 * Draws `count` inverters' device deviations. Each inverter uses four standard normals in a fixed
 * order, so the same seed gives the same normals whatever the σ (scaling the sizes scales every
 * sample's deviations by the same factor).
 */
export function drawDeviceMismatches(count: number, sigmas: DeviceSigmas, rng: Rng): DeviceMismatch[] {
  return Array.from({ length: count }, () => ({
    dvthnVolts: sigmas.vthNmosVolts * rng.normal(),
    dvthpVolts: sigmas.vthPmosVolts * rng.normal(),
    betaN: 1 + sigmas.betaNmos * rng.normal(),
    betaP: 1 + sigmas.betaPmos * rng.normal(),
  }));
}

/**
 * ngspice deck that DC-sweeps one inverter per sample at corner `c`, all in parallel on one input:
 * each transistor pair with the library's models, the given sizes and its sample's `delvto`
 * (threshold shift; for the PMOS the negative of the |V_th| shift) and `mulu0` (mobility, i.e. β,
 * multiplier). `wrdata` writes the columns (vin, vout_0, vin, vout_1, …) to `dataFile`.
 */
export function inverterMismatchDeck(
  c: InverterCorner,
  libPath: string,
  sizes: InverterSizes,
  samples: DeviceMismatch[],
  dataFile: string,
  stepVolts = 1e-3,
): string {
  const num = (x: number): string => (Object.is(x, -0) ? 0 : +x.toPrecision(9)).toString();
  const { nmos: n, pmos: p } = sizes;
  const transistors = samples.flatMap((s, k) => [
    `MN${k} out${k} in 0 0 npim_nch W=${num(n.widthMicron)}u L=${num(n.lengthMicron)}u delvto=${num(s.dvthnVolts)} mulu0=${num(s.betaN)}`,
    `MP${k} out${k} in vdd vdd npim_pch W=${num(p.widthMicron)}u L=${num(p.lengthMicron)}u delvto=${num(-s.dvthpVolts)} mulu0=${num(s.betaP)}`,
  ]);
  return [
    `* neural-pim inverter local-mismatch Monte Carlo, corner ${c.name}, ${samples.length} inverters`,
    cornerParams(c),
    `.include ${JSON.stringify(libPath)}`,
    `Vdd vdd 0 ${c.vddVolts}`,
    'Vin in 0 0',
    ...transistors,
    `.options temp=${c.temperatureCelsius} tnom=27`,
    '.control',
    `dc Vin 0 ${c.vddVolts} ${stepVolts}`,
    `wrdata ${dataFile} ${samples.map((_, k) => `v(out${k})`).join(' ')}`,
    'quit 0',
    '.endc',
    '.end',
    '',
  ].join('\n');
}

/** Schema of the characterized mismatch distribution (`datasets/vtc/mismatch.json`). */
export const InverterMismatchSchema = z
  .object({
    /** ngspice version that ran the Monte Carlo. */
    ngspice: z.string(),
    library: z.string(),
    /** Corner the Monte Carlo ran at (the bank's nominal corner). */
    corner: z.string(),
    seed: z.number().int(),
    samples: z.number().int().min(2),
    pelgrom: z
      .object({
        aVtNmosMillivoltMicron: z.number().min(0),
        aVtPmosMillivoltMicron: z.number().min(0),
        aBetaPercentMicron: z.number().min(0),
      })
      .strict(),
    sizes: z
      .object({
        nmos: z.object({ widthMicron: z.number().positive(), lengthMicron: z.number().positive() }).strict(),
        pmos: z.object({ widthMicron: z.number().positive(), lengthMicron: z.number().positive() }).strict(),
      })
      .strict(),
    deviceSigmas: z.object({ vthNmosVolts: z.number(), vthPmosVolts: z.number(), betaNmos: z.number(), betaPmos: z.number() }).strict(),
    /** V_M and peak gain of the corner's VTC without mismatch. */
    nominal: z.object({ switchingVolts: z.number(), peakGain: z.number() }).strict(),
    /** Sample mean and standard deviation of ΔV_M = V_M − nominal V_M, volts. */
    switchingShift: z.object({ meanVolts: z.number(), sigmaVolts: z.number().min(0) }).strict(),
    /** Sample mean and standard deviation of peak gain / nominal peak gain. */
    gainRatio: z.object({ mean: z.number(), sigma: z.number().min(0) }).strict(),
    /** Correlation of ΔV_M and the gain ratio (0 when either σ is 0). */
    correlation: z.number().min(-1).max(1),
    /** Every sample: ΔV_M (volts) and gain ratio. */
    draws: z.array(z.object({ switchingShiftVolts: z.number(), gainRatio: z.number() }).strict()),
  })
  .strict();

/** The characterized local-mismatch distribution of the inverter (see the module comment). */
export type InverterMismatch = z.output<typeof InverterMismatchSchema>;

/** What an instance needs of {@link InverterMismatch}: the spread of the VTC shifts. */
export type MismatchSpread = Pick<InverterMismatch, 'switchingShift' | 'gainRatio' | 'correlation'>;

/** The spread of a characterized distribution (what training and instances use of it). */
export function mismatchSpreadOf(m: MismatchSpread): MismatchSpread {
  return { switchingShift: { ...m.switchingShift }, gainRatio: { ...m.gainRatio }, correlation: m.correlation };
}

/** Mean, standard deviation (n − 1) and correlation of paired samples. */
export function summarizeShifts(draws: Array<{ switchingShiftVolts: number; gainRatio: number }>): MismatchSpread {
  const n = draws.length;
  const mean = (f: (d: (typeof draws)[number]) => number): number => draws.reduce((a, d) => a + f(d), 0) / n;
  const mv = mean((d) => d.switchingShiftVolts);
  const mg = mean((d) => d.gainRatio);
  let svv = 0;
  let sgg = 0;
  let svg = 0;
  for (const d of draws) {
    svv += (d.switchingShiftVolts - mv) ** 2;
    sgg += (d.gainRatio - mg) ** 2;
    svg += (d.switchingShiftVolts - mv) * (d.gainRatio - mg);
  }
  const sv = Math.sqrt(svv / (n - 1));
  const sg = Math.sqrt(sgg / (n - 1));
  return {
    switchingShift: { meanVolts: mv, sigmaVolts: sv },
    gainRatio: { mean: mg, sigma: sg },
    correlation: sv > 0 && sg > 0 ? Math.max(-1, Math.min(1, svg / Math.sqrt(svv * sgg))) : 0,
  };
}

/** One inverter's draw: its switching-voltage shift (volts) and gain ratio. */
export interface VtcShift {
  switchingShiftVolts: number;
  gainRatio: number;
}

/**
 * Draws one inverter's VTC shift from the bivariate normal of `m` (zero mean shift, mean gain
 * ratio 1). Always consumes two normals of `rng`, so streams stay aligned whatever the σ.
 */
export function drawVtcShift(m: MismatchSpread, rng: Rng): VtcShift {
  const z1 = rng.normal();
  const z2 = rng.normal();
  const rho = m.correlation;
  return {
    switchingShiftVolts: m.switchingShift.sigmaVolts * z1,
    gainRatio: 1 + m.gainRatio.sigma * (rho * z1 + Math.sqrt(Math.max(0, 1 - rho * rho)) * z2),
  };
}

/**
 * The VTC of corner `corner` moved by `shift` on the bank's grid: v ↦ f(V_c + g·(v − V_c − d)) with
 * V_c the corner's V_M, g the gain ratio and d set so that the curve crosses vout = vin at
 * V_c + ΔV_M (f(V_c + g·(V_c + ΔV_M − V_c − d)) = V_c + ΔV_M). A zero shift returns the corner's row
 * itself (bit for bit).
 */
export function mismatchedVtcRow(bank: VtcBank, corner: number, shift: VtcShift): Float32Array {
  const P = bank.grid.points;
  const row = bank.table.slice(corner * P, (corner + 1) * P);
  if (shift.switchingShiftVolts === 0 && shift.gainRatio === 1) return row;
  const g = shift.gainRatio;
  if (!(g > 0)) fail(`inverter mismatch: gain ratio must be positive, got ${g}`);
  const vc = vtcFigures(bank, corner).switchingVolts;
  const target = vc + shift.switchingShiftVolts;
  // x with f(x) = target (f falls): bisection over the grid's span.
  let lo = bank.grid.startVolts;
  let hi = bank.grid.startVolts + (P - 1) * bank.grid.stepVolts;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (bankVtc(bank, corner, mid) > target) lo = mid;
    else hi = mid;
  }
  const d = shift.switchingShiftVolts - ((lo + hi) / 2 - vc) / g;
  const out = new Float32Array(P);
  for (let i = 0; i < P; i++) {
    const v = bank.grid.startVolts + i * bank.grid.stepVolts;
    out[i] = bankVtc(bank, corner, vc + g * (v - vc - d));
  }
  return out;
}

/**
 * A bank holding one row per inverter: row i is corner `corners[i]` moved by `shifts[i]`
 * (the per-instance VTCs of a die with local mismatch).
 */
export function mismatchBank(bank: VtcBank, corners: ArrayLike<number>, shifts: VtcShift[]): VtcBank {
  const P = bank.grid.points;
  const table = new Float32Array(shifts.length * P);
  shifts.forEach((s, i) => table.set(mismatchedVtcRow(bank, corners[i], s), i * P));
  return { grid: bank.grid, corners: shifts.map((_, i) => `inverter${i}`), nominalIndex: 0, table };
}
