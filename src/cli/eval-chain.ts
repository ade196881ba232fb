/**
 * `npim eval chain`: the reference design's own SINAD measurement of the Neural-PIM chain — one
 * array of random kernels and random inputs through the programmed crossbar, the NNS+A and the
 * NNADC, Monte Carlo over device draws — at each σ, in both SINAD conventions.
 */
import type { Command } from 'commander';
import { ensure } from '../core/errors.ts';
import { deepMerge, parseConfig, parseIntOption, parseNumberOption, parseSeedOption } from '../core/config.ts';
import { SimulationConfigSchema, simulationConfigBase } from '../chip/simulation-config.ts';
import { PERIPHERAL_CALIBRATIONS } from '../chip/description.ts';
import { startProgress } from '../io/progress.ts';
import { DEFAULT_CHAIN_DRAWS, DEFAULT_CHAIN_SIGMAS, runChain } from '../app/chain.ts';
import { chainMarkdown } from '../report/chain-report.ts';
import { printResult, startBackend, type GlobalOptions } from './shared.ts';

interface ChainFlags {
  mc: string;
  sigma: string;
  kernels: string;
  vectors: string;
  seed: string;
  nnsa?: string;
  nnadc?: string;
  calibration?: string;
  converter?: string;
}

/** Registers `eval chain` on the `eval` group. */
export function registerEvalChain(evalGroup: Command): void {
  evalGroup
    .command('chain')
    .description(
      "the reference design's measurement: one array of random kernels and random inputs through the NNS+A and NNADC, Monte Carlo over device draws, SINAD RMS- and peak-referred",
    )
    .option('--mc <draws>', 'Monte Carlo draws per σ', String(DEFAULT_CHAIN_DRAWS))
    .option('--sigma <list>', 'comma-separated programming σ of the arrays and peripherals', DEFAULT_CHAIN_SIGMAS.join(','))
    .option('--kernels <n>', 'random kernels (weight columns) on the array; 8 fill 128 columns with 8-bit differential weights', '8')
    .option('--vectors <n>', 'random input vectors per draw', '128')
    .option('--seed <n>', 'seed of the kernels, inputs and draws', '1')
    .option('--nnsa <dir>', 'NNS+A model (default: models/nnsa-d4, the deployed design)')
    .option('--nnadc <dirs>', 'comma-separated NNADC models, one per range (default: models/nnadc-8b-r{1,0.5,0.25})')
    .option(
      '--calibration <mode>',
      `the chip's per-pair foreground calibration: ${PERIPHERAL_CALIBRATIONS.join(', ')} (default: the description's)`,
    )
    .option('--converter <kind>', 'nnadc (the trained converters) or ideal (an ideal 8-bit quantizer, to isolate the NNS+A)')
    .action(async (flags: ChainFlags, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const draws = parseIntOption(flags.mc, '--mc', 1);
      ensure(draws <= 1000, `--mc must be at most 1000, got ${draws}`);
      const sigmas = flags.sigma.split(',').map((s) => parseNumberOption(s.trim(), '--sigma'));
      for (const s of sigmas) ensure(s >= 0 && s <= 2, `--sigma values must be in [0, 2], got ${s}`);
      const kernels = parseIntOption(flags.kernels, '--kernels', 1);
      ensure(kernels <= 4096, `--kernels must be at most 4096, got ${kernels}`);
      const vectors = parseIntOption(flags.vectors, '--vectors', 1);
      ensure(vectors <= 100000, `--vectors must be at most 100000, got ${vectors}`);
      const seed = parseSeedOption(flags.seed, '--seed');
      ensure(
        flags.calibration === undefined || (PERIPHERAL_CALIBRATIONS as readonly string[]).includes(flags.calibration),
        `--calibration must be one of ${PERIPHERAL_CALIBRATIONS.join(', ')}, got '${flags.calibration}'`,
      );
      ensure(
        flags.converter === undefined || ['nnadc', 'ideal'].includes(flags.converter),
        `--converter must be nnadc or ideal, got '${flags.converter}'`,
      );
      const base = parseConfig(
        SimulationConfigSchema,
        deepMerge(simulationConfigBase(), {
          dataflow: 'neural-pim',
          nnsaModel: flags.nnsa,
          nnadcModels: flags.nnadc?.split(',').map((s) => s.trim()),
          ...(flags.calibration ? { peripheralCalibration: flags.calibration } : {}),
          ...(flags.converter ? { neuralPimAdc: flags.converter } : {}),
        }),
        'simulation configuration',
      );
      await startBackend(global);
      const bar = startProgress('eval chain: Monte Carlo draws', sigmas.length * draws);
      const chain = await runChain(sigmas, { kernels, vectors, draws, seed }, base, (done) => bar.update(done));
      bar.stop();
      printResult(global, { chain }, () => chainMarkdown(chain));
    });
}
