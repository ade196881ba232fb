/**
 * `npim spice verify MODEL`: SPICE co-simulation of a trained NNS+A / NNADC against its float64
 * model (the logic is `src/spice/verify.ts`, the run `src/app/spice-verify.ts`). Exit code 0 when the acceptance criteria
 * hold, 1 when the run completes but they do not, 2 on bad input or a missing ngspice.
 */
import { Command } from 'commander';
import path from 'node:path';
import { parseIntOption, parseSeedOption, parseNumberOption } from '../core/config.ts';
import { ensure, UserError } from '../core/errors.ts';
import { requireNgspice } from '../io/ngspice.ts';
import { readApproximator } from '../app/model-directory.ts';
import { inverterCorner } from '../spice/netlist.ts';
import { SPICE_ACCEPTANCE } from '../spice/verify.ts';
import { spiceVerifyText } from '../report/spice-report.ts';
import { spiceVerifyToDir } from '../app/spice-verify.ts';
import { ensureWritableFile } from './export.ts';
import { printResult, writingTo, type GlobalOptions } from './shared.ts';

interface VerifyFlags {
  points?: string;
  corner?: string;
  sigma?: string;
  seed?: string;
  toleranceMv?: string;
  out?: string;
}

/** Registers the `spice` group and `spice verify`. */
export function registerSpice(program: Command): Command {
  const group = program.command('spice').description('SPICE co-simulation of trained approximators (ngspice)');
  group
    .command('verify')
    .description(
      'export an NNS+A / NNADC netlist, run it in ngspice and compare with the float64 model: NNADC code agreement over a DC sweep and ENOB, NNS+A output error at operating points (exit 1 if the acceptance criteria fail)',
    )
    .argument('<model>', 'trained NNS+A or NNADC model directory')
    .option('--points <n>', 'NNADC: sweep points over the range (default 4096); NNS+A: random operating points (default 200)')
    .option('--corner <name>', 'inverter corner of netlist and model (default tt_27c)')
    .option(
      '--sigma <sigma>',
      'programming variation σ of the devices (default 0: nominal devices); both sides use the same programmed devices',
    )
    .option('--seed <n>', 'seed of the programming and of the NNS+A operating points (default 1)')
    .option('--tolerance-mv <mV>', `NNS+A: tolerance on P - N at every point (default ${SPICE_ACCEPTANCE.maxOutputErrorVolts * 1e3} mV)`)
    .option('--out <dir>', 'keep the netlist, the ngspice data file and spice-verify.json in this directory')
    .action(async (modelDir: string, flags: VerifyFlags, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const points = flags.points === undefined ? undefined : parseIntOption(flags.points, '--points');
      const sigma = flags.sigma === undefined ? undefined : parseNumberOption(flags.sigma, '--sigma');
      if (sigma !== undefined) ensure(sigma >= 0 && sigma <= 2, `--sigma must be between 0 and 2, got ${sigma}`);
      const seed = flags.seed === undefined ? undefined : parseSeedOption(flags.seed, '--seed');
      if (seed !== undefined) ensure(seed >= 0 && seed <= 0xffffffff, `--seed must be an integer in 0..4294967295, got ${seed}`);
      const toleranceVolts = flags.toleranceMv === undefined ? undefined : parseNumberOption(flags.toleranceMv, '--tolerance-mv') / 1e3;
      if (toleranceVolts !== undefined) ensure(toleranceVolts > 0, '--tolerance-mv must be positive');
      if (flags.corner !== undefined) inverterCorner(flags.corner);
      const a = await readApproximator(modelDir);
      if (flags.toleranceMv !== undefined) ensure(a.kind === 'nnsa', '--tolerance-mv applies to NNS+A models only');
      requireNgspice();
      if (flags.out) await ensureWritableFile(path.join(flags.out, 'spice-verify.json'));
      // ngspice runs the netlist written into --out: locked, not staged.
      const report = await writingTo(
        flags.out,
        () => spiceVerifyToDir(a, { points, corner: flags.corner, sigma, seed, toleranceVolts, modelPath: modelDir }, flags.out),
        { stage: false },
      );
      printResult(
        global,
        report,
        () =>
          spiceVerifyText(report) +
          (flags.out ? `\nwrote ${report.run.netlistFile}, ${path.basename(report.run.dataFile)} and spice-verify.json` : ''),
      );
      if (!report.pass) throw new UserError(`SPICE co-simulation does not meet the acceptance criteria: ${report.failures.join('; ')}`, 1);
    });
  return group;
}
