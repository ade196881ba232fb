/** `npim characterize inverter`: ngspice DC sweeps of the inverter at PVT corners, written as a VTC bank. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { defaultCorners, inverterSweepDeck, NOMINAL_CORNER, type InverterCorner } from '../circuits/inverter-corners.ts';
import { makeVtcBank, vtcFigures, type VtcCurve } from '../circuits/vtc.ts';
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
