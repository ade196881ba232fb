/** `npim characterize inverter`: ngspice DC sweeps of the transistor-level inverter at PVT corners. */
import { Command } from 'commander';
import path from 'node:path';
import { ensure } from '../core/errors.ts';
import { VTC_DIR } from '../core/paths.ts';
import { parseNumberOption } from '../core/config.ts';
import { requireNgspice } from '../io/ngspice.ts';
import { characterizeInverter } from '../app/characterize.ts';
import { inverterCornersText } from '../report/vtc-report.ts';
import { info } from '../io/progress.ts';
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
      const { summary, curves } = await characterizeInverter(temps, step, version, opts.out);
      info(`wrote ${curves.length} corners to ${path.join(opts.out, 'bank.csv')} (${version})`);
      printResult(global, { corners: summary }, () => inverterCornersText(summary));
    });
}
