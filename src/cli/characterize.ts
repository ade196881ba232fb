/** `npim characterize inverter`: ngspice DC sweeps of the transistor-level inverter at PVT corners. */
import { Command } from 'commander';
import path from 'node:path';
import { ensure, fail } from '../core/errors.ts';
import { VTC_DIR } from '../core/paths.ts';
import { parseNumberOption } from '../core/config.ts';
import { requireNgspice } from '../io/ngspice.ts';
import { characterizeInverter } from '../app/characterize.ts';
import { inverterCornersText } from '../report/vtc-report.ts';
import { info } from '../io/progress.ts';
import { printResult, writingTo, type GlobalOptions } from './shared.ts';

/** Registers `characterize inverter`. */
export function registerCharacterize(program: Command): void {
  const group = program.command('characterize').description('characterize circuits in ngspice');
  group
    .command('inverter')
    .description('DC-sweep the transistor-level inverter at PVT corners and write the VTC bank (CSV)')
    .option('--out <dir>', 'output directory (required unless --force)')
    .option('--force', 'rewrite the shipped bank (datasets/vtc) that every trainer loads, or an --out that is it')
    .option('--temperatures <list>', 'comma-separated temperatures, °C', '-40,27,85')
    .option('--step <volts>', 'sweep step, volts', '0.001')
    .action(async (opts: { out?: string; force?: boolean; temperatures: string; step: string }, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      // The shipped bank is an input of every trainer: a run with other corners must not replace it silently.
      const out = opts.out ?? (opts.force ? VTC_DIR : fail('--out is required (or --force to rewrite the shipped bank datasets/vtc)'));
      ensure(
        opts.force || path.resolve(out) !== path.resolve(VTC_DIR),
        `--out ${opts.out} is the shipped VTC bank that every trainer loads; add --force to rewrite it`,
      );
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
