/** `npim characterize inverter`: ngspice DC sweeps of the inverter at PVT corners, written as a VTC bank. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { defaultCorners, inverterSweepDeck, NOMINAL_CORNER, type InverterCorner } from '../circuits/inverter-corners.ts';
import { makeVtcBank, vtcFigures, type VtcCurve } from '../circuits/vtc.ts';
import {
  drawDeviceMismatches,
  inverterMismatchDeck,
  parseInverterSizes,
  pelgromSigmas,
  scaleSizes,
  summarizeShifts,
  type DeviceMismatch,
  type InverterMismatch,
  type PelgromCoefficients,
} from '../circuits/inverter-mismatch.ts';
import { Rng } from '../core/rng.ts';
import { readText } from '../io/files.ts';
import { INVERTER_LIB_PATH } from '../core/paths.ts';
import { writeFileAtomic, writeJsonAtomic } from '../io/files.ts';
import { readWrdata, runNgspice } from '../io/ngspice.ts';
import { startProgress } from '../io/progress.ts';

/** One characterized corner: its definition and the figures of its VTC. */
export type CornerSummary = InverterCorner & { switchingVolts: number; peakGain: number };

/**
 * Sweeps the inverter at the default corners of `temps` (°C) with `step` volts in ngspice
 * (`version` is recorded), and writes bank.csv, corners.json and decks/*.cir into `out`.
 */
export async function characterizeInverter(
  temps: number[],
  step: number,
  version: string,
  out: string,
): Promise<{ summary: CornerSummary[]; curves: VtcCurve[] }> {
  const corners = defaultCorners(temps);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-vtc-'));
  const decks: Record<string, string> = {};
  const curves: VtcCurve[] = [];
  const bar = startProgress('ngspice corners', corners.length);
  try {
    for (const [i, c] of corners.entries()) {
      const dataFile = path.join(work, `${c.name}.txt`);
      const deck = inverterSweepDeck(c, INVERTER_LIB_PATH, dataFile, step);
      const deckPath = path.join(work, `${c.name}.cir`);
      await fs.writeFile(deckPath, deck);
      runNgspice(deckPath);
      const rows = await readWrdata(dataFile);
      curves.push({
        name: c.name,
        vinVolts: Float64Array.from(rows.map((r) => r[0])),
        voutVolts: Float64Array.from(rows.map((r) => r[1])),
      });
      decks[c.name] = inverterSweepDeck(c, 'inverter_130nm.lib', `${c.name}.txt`, step);
      bar.update(i + 1, c.name);
    }
  } finally {
    bar.stop();
    await fs.rm(work, { recursive: true, force: true });
  }
  const bank = makeVtcBank(curves, NOMINAL_CORNER);
  const rows: (string | number)[][] = [];
  for (const c of curves)
    for (let i = 0; i < c.vinVolts.length; i++) rows.push([c.name, +c.vinVolts[i].toFixed(6), +c.voutVolts[i].toFixed(6)]);
  await writeFileAtomic(path.join(out, 'bank.csv'), stringify(rows, { header: true, columns: ['corner', 'vin', 'vout'] }));
  const summary = corners.map((c, i) => ({ ...c, ...roundFigures(vtcFigures(bank, i)) }));
  await writeJsonAtomic(path.join(out, 'corners.json'), {
    ngspice: version,
    library: 'inverter_130nm.lib',
    stepVolts: step,
    corners: summary,
  });
  for (const [name, deck] of Object.entries(decks)) await writeFileAtomic(path.join(out, 'decks', `${name}.cir`), deck);
  return { summary, curves };
}

function roundFigures(f: { switchingVolts: number; peakGain: number }): { switchingVolts: number; peakGain: number } {
  return { switchingVolts: +f.switchingVolts.toFixed(4), peakGain: +f.peakGain.toFixed(2) };
}

/** Options of {@link characterizeInverterMismatch}. */
export interface MismatchCharacterizationOptions {
  /** Monte Carlo inverters. */
  samples: number;
  seed: number;
  pelgrom: PelgromCoefficients;
  /** Multiplier of both transistors' widths (1: the library's sizes). */
  widthScale: number;
  /** Multiplier of both transistors' lengths (1: the library's sizes; default 1). */
  lengthScale?: number;
  /** DC sweep step, volts. */
  stepVolts: number;
  /** ngspice version (recorded). */
  version: string;
}

/** The file `characterize inverter --mismatch` writes beside the corner bank. */
export const MISMATCH_FILE = 'mismatch.json';

/** Inverters per ngspice deck (all in parallel on one input; one DC sweep). */
const INVERTERS_PER_DECK = 250;

/**
 * Monte Carlo of the inverter's local mismatch at the nominal corner (see
 * `circuits/inverter-mismatch.ts`): draws each sample's per-device ΔV_th and Δβ/β from Pelgrom's law
 * for the library's transistor sizes (widths × `widthScale`, lengths × `lengthScale`), sweeps all samples plus one
 * mismatch-free reference inverter in ngspice, and writes `mismatch.json` (the distribution of the
 * switching-voltage shift and gain ratio, every draw) and `decks/mismatch_<corner>.cir` (the first
 * deck, runnable in its folder) into `out`. Returns the distribution and the sampled VTCs
 * (the reference last).
 */
export async function characterizeInverterMismatch(
  o: MismatchCharacterizationOptions,
  out: string,
): Promise<{ mismatch: InverterMismatch; curves: VtcCurve[] }> {
  const corner = defaultCorners([27]).find((c) => c.name === NOMINAL_CORNER)!;
  const sizes = scaleSizes(parseInverterSizes(await readText(INVERTER_LIB_PATH, 'inverter library')), o.widthScale, o.lengthScale ?? 1);
  const deviceSigmas = pelgromSigmas(o.pelgrom, sizes);
  const samples = drawDeviceMismatches(o.samples, deviceSigmas, new Rng(o.seed).fork('inverter-mismatch'));
  const reference: DeviceMismatch = { dvthnVolts: 0, dvthpVolts: 0, betaN: 1, betaP: 1 };
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'npim-mismatch-'));
  const curves: VtcCurve[] = [];
  let firstDeck = '';
  const chunks = Math.ceil(o.samples / INVERTERS_PER_DECK);
  const bar = startProgress('ngspice mismatch Monte Carlo', chunks);
  try {
    for (let k = 0; k < chunks; k++) {
      // The reference inverter rides in the last deck.
      const batch = samples.slice(k * INVERTERS_PER_DECK, (k + 1) * INVERTERS_PER_DECK);
      if (k === chunks - 1) batch.push(reference);
      const dataFile = path.join(work, `mismatch${k}.txt`);
      const deckPath = path.join(work, `mismatch${k}.cir`);
      await fs.writeFile(deckPath, inverterMismatchDeck(corner, INVERTER_LIB_PATH, sizes, batch, dataFile, o.stepVolts));
      if (k === 0) firstDeck = inverterMismatchDeck(corner, 'inverter_130nm.lib', sizes, batch, `mismatch_${corner.name}.txt`, o.stepVolts);
      runNgspice(deckPath, 600_000);
      const rows = await readWrdata(dataFile);
      const vin = Float64Array.from(rows.map((r) => r[0]));
      batch.forEach((_, i) => {
        curves.push({ name: `sample${curves.length}`, vinVolts: vin, voutVolts: Float64Array.from(rows.map((r) => r[2 * i + 1])) });
      });
      bar.update(k + 1);
    }
  } finally {
    bar.stop();
    await fs.rm(work, { recursive: true, force: true });
  }
  const bank = makeVtcBank(curves);
  const nominal = vtcFigures(bank, curves.length - 1);
  const draws = samples.map((_, i) => {
    const f = vtcFigures(bank, i);
    return {
      switchingShiftVolts: +(f.switchingVolts - nominal.switchingVolts).toFixed(7),
      gainRatio: +(f.peakGain / nominal.peakGain).toFixed(6),
    };
  });
  const mismatch: InverterMismatch = {
    ngspice: o.version,
    library: 'inverter_130nm.lib',
    corner: corner.name,
    seed: o.seed,
    samples: o.samples,
    pelgrom: o.pelgrom,
    sizes,
    deviceSigmas,
    nominal: { switchingVolts: +nominal.switchingVolts.toFixed(6), peakGain: +nominal.peakGain.toFixed(4) },
    ...summarizeShifts(draws),
    draws,
  };
  await writeJsonAtomic(path.join(out, MISMATCH_FILE), mismatch);
  await writeFileAtomic(path.join(out, 'decks', `mismatch_${corner.name}.cir`), firstDeck);
  return { mismatch, curves };
}
