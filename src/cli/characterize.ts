/** `npim characterize inverter`: ngspice DC sweeps of the transistor-level inverter at PVT corners. */
import { Command } from 'commander';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { defaultCorners, inverterSweepDeck, NOMINAL_CORNER } from '../circuits/inverter-corners.ts';
import { makeVtcBank, vtcFigures, type VtcCurve } from '../circuits/vtc.ts';
import { ensure } from '../core/errors.ts';
import { INVERTER_LIB_PATH, VTC_DIR } from '../core/paths.ts';
import { parseNumberOption } from '../core/config.ts';
import { writeFileAtomic, writeJsonAtomic } from '../io/files.ts';
import { readWrdata, requireNgspice, runNgspice } from '../io/ngspice.ts';
import { info, startProgress } from '../report/progress.ts';
import { printResult, type GlobalOptions } from './shared.ts';

/** Registers `characterize inverter`. */
export function registerCharacterize(program: Command): void {
  const group = program.command('characterize').description('characterize circuits in ngspice');
  group
    .command('inverter')
    .description('DC-sweep the transistor-level inverter at PVT corners and write the VTC bank (CSV)')
    .option('--out <dir>', 'output directory', VTC_DIR)
    .option('--temperatures <list>', 'comma-separated temperatures, °C', '-40,27,85')
    .option('--step <volts>', 'sweep step, volts', '0.001')
    .action(async (opts: { out: string; temperatures: string; step: string }, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const version = requireNgspice();
      const temps = opts.temperatures.split(',').map((t) => parseNumberOption(t, '--temperatures'));
      ensure(
        temps.every((t) => t >= -55 && t <= 150),
        '--temperatures must lie within -55..150 °C',
      );
      const step = parseNumberOption(opts.step, '--step');
      ensure(step > 0 && step <= 0.05, '--step must be in (0, 0.05] V');
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
      await writeFileAtomic(path.join(opts.out, 'bank.csv'), stringify(rows, { header: true, columns: ['corner', 'vin', 'vout'] }));
      const summary = corners.map((c, i) => ({ ...c, ...roundFigures(vtcFigures(bank, i)) }));
      await writeJsonAtomic(path.join(opts.out, 'corners.json'), {
        ngspice: version,
        library: 'inverter_130nm.lib',
        stepVolts: step,
        corners: summary,
      });
      for (const [name, deck] of Object.entries(decks)) await writeFileAtomic(path.join(opts.out, 'decks', `${name}.cir`), deck);
      info(`wrote ${curves.length} corners to ${path.join(opts.out, 'bank.csv')} (${version})`);
      printResult(global, { corners: summary }, () =>
        [
          'corner     V_M (V)  peak gain',
          ...summary.map((s) => `${s.name.padEnd(10)} ${s.switchingVolts.toFixed(3)}    ${s.peakGain.toFixed(1)}`),
        ].join('\n'),
      );
    });
}

function roundFigures(f: { switchingVolts: number; peakGain: number }): { switchingVolts: number; peakGain: number } {
  return { switchingVolts: +f.switchingVolts.toFixed(4), peakGain: +f.peakGain.toFixed(2) };
}
