/** `npim characterize inverter`: ngspice DC sweeps of the transistor-level inverter at PVT corners. */
import { Command } from 'commander';
import path from 'node:path';
import { ensure, fail } from '../core/errors.ts';
import { VTC_DIR } from '../core/paths.ts';
import { parseIntOption, parseNumberOption, parseSeedOption } from '../core/config.ts';
import { DEFAULT_SEED } from '../core/defaults.ts';
import { requireNgspice } from '../io/ngspice.ts';
import { characterizeInverter, characterizeInverterMismatch, MISMATCH_FILE } from '../app/characterize.ts';
import { PELGROM_130NM } from '../circuits/inverter-mismatch.ts';
import { inverterCornersText, inverterMismatchText } from '../report/vtc-report.ts';
import { info } from '../io/progress.ts';
import { printResult, writingTo, type GlobalOptions } from './shared.ts';

interface CharacterizeOptions {
  out?: string;
  force?: boolean;
  temperatures: string;
  step: string;
  mismatch?: boolean;
  samples: string;
  seed: string;
  avtN: string;
  avtP: string;
  abeta: string;
  widthScale: string;
  lengthScale: string;
}

/** Registers `characterize inverter`. */
export function registerCharacterize(program: Command): void {
  const group = program.command('characterize').description('characterize circuits in ngspice');
  group
    .command('inverter')
    .description(
      'DC-sweep the transistor-level inverter at PVT corners and write the VTC bank (CSV); with --mismatch, Monte Carlo of its local mismatch (mismatch.json)',
    )
    .option('--out <dir>', 'output directory (required unless --force)')
    .option('--force', 'rewrite the shipped bank (datasets/vtc) that every trainer loads, or an --out that is it')
    .option('--temperatures <list>', 'comma-separated temperatures, °C', '-40,27,85')
    .option('--step <volts>', 'sweep step, volts', '0.001')
    .option(
      '--mismatch',
      `Monte Carlo of per-device V_th and β mismatch (Pelgrom) at the nominal corner; writes only ${MISMATCH_FILE} and its deck`,
    )
    .option('--samples <n>', 'with --mismatch: Monte Carlo inverters', '1000')
    .option('--seed <n>', 'with --mismatch: seed of the device draws', String(DEFAULT_SEED))
    .option('--avt-n <mV·µm>', 'with --mismatch: NMOS Pelgrom A_VT', String(PELGROM_130NM.aVtNmosMillivoltMicron))
    .option('--avt-p <mV·µm>', 'with --mismatch: PMOS Pelgrom A_VT', String(PELGROM_130NM.aVtPmosMillivoltMicron))
    .option('--abeta <%·µm>', 'with --mismatch: Pelgrom A_β (both types)', String(PELGROM_130NM.aBetaPercentMicron))
    .option('--width-scale <k>', "with --mismatch: multiply both transistors' widths (W·L × k)", '1')
    .option('--length-scale <k>', "with --mismatch: multiply both transistors' lengths (W·L × k; equal to --width-scale keeps W/L)", '1')
    .action(async (opts: CharacterizeOptions, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      // The shipped bank is an input of every trainer: a run with other corners must not replace it silently.
      const out = opts.out ?? (opts.force ? VTC_DIR : fail('--out is required (or --force to rewrite the shipped bank datasets/vtc)'));
      ensure(
        opts.force || path.resolve(out) !== path.resolve(VTC_DIR),
        `--out ${opts.out} is the shipped VTC bank that every trainer loads; add --force to rewrite it`,
      );
      if (opts.mismatch) {
        const samples = parseIntOption(opts.samples, '--samples');
        ensure(samples >= 2 && samples <= 100_000, '--samples must be between 2 and 100000');
        const seed = parseSeedOption(opts.seed, '--seed');
        const coefficient = (v: string, name: string): number => {
          const x = parseNumberOption(v, name);
          ensure(x >= 0 && x <= 100, `${name} must be between 0 and 100`);
          return x;
        };
        const pelgrom = {
          aVtNmosMillivoltMicron: coefficient(opts.avtN, '--avt-n'),
          aVtPmosMillivoltMicron: coefficient(opts.avtP, '--avt-p'),
          aBetaPercentMicron: coefficient(opts.abeta, '--abeta'),
        };
        const widthScale = parseNumberOption(opts.widthScale, '--width-scale');
        ensure(widthScale >= 0.25 && widthScale <= 1000, '--width-scale must be between 0.25 and 1000');
        const lengthScale = parseNumberOption(opts.lengthScale, '--length-scale');
        ensure(lengthScale >= 1 && lengthScale <= 100, '--length-scale must be between 1 and 100');
        const step = parseNumberOption(opts.step, '--step');
        ensure(step > 0 && step <= 0.05, '--step must be in (0, 0.05] V');
        const version = requireNgspice();
        const { mismatch } = await writingTo(
          out,
          () => characterizeInverterMismatch({ samples, seed, pelgrom, widthScale, lengthScale, stepVolts: step, version }, out),
          { stage: false },
        );
        info(`wrote ${samples} Monte Carlo inverters to ${path.join(out, MISMATCH_FILE)} (${version})`);
        const { draws: _draws, ...summary } = mismatch;
        printResult(global, summary, () => inverterMismatchText(mismatch));
        return;
      }
      const version = requireNgspice();
      const temps = opts.temperatures.split(',').map((t) => parseNumberOption(t, '--temperatures'));
      ensure(
        temps.every((t) => t >= -55 && t <= 150),
        '--temperatures must lie within -55..150 °C',
      );
      const step = parseNumberOption(opts.step, '--step');
      ensure(step > 0 && step <= 0.05, '--step must be in (0, 0.05] V');
      // ngspice runs the decks written into --out: locked, not staged.
      const { summary, curves } = await writingTo(out, () => characterizeInverter(temps, step, version, out), { stage: false });
      info(`wrote ${curves.length} corners to ${path.join(out, 'bank.csv')} (${version})`);
      printResult(global, { corners: summary }, () => inverterCornersText(summary));
    });
}
