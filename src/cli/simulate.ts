/** `npim simulate`: quantized DNNs on the simulated accelerator under the three dataflows. */
import { Command, Option } from 'commander';
import type { StudySimulateOptions } from '../sweep/study.ts';
import path from 'node:path';
import { deepMerge, parseConfig, parseIntOption, parseSeedOption, parseNumberOption } from '../core/config.ts';
import { ensure, fail } from '../core/errors.ts';
import { info, startProgress } from '../io/progress.ts';
import { simulationMarkdown, type SimulationReport } from '../report/simulation-report.ts';
import {
  SIM_DATAFLOWS,
  SimulationConfigSchema,
  simulationConfigBase,
  type SimDataflow,
  type SimulationConfig,
} from '../chip/simulation-config.ts';
import { isChipDescription, parseChipDescription } from '../chip/description.ts';
import { CHIP_PRESET_NAMES, chipPreset } from '../chip/presets.ts';
import { readConfigJson } from './config.ts';

import { prepareWorkload } from '../app/prepare-workload.ts';
import { runSimulations, writeSimulationReport } from '../app/simulate.ts';
import { printResult, startBackend, writingTo, type GlobalOptions } from './shared.ts';
import { MODELS_DIR, displayPath } from '../core/paths.ts';

/** Shipped LeNet-5. */
export const DEFAULT_DNN_MODEL = path.join(MODELS_DIR, 'lenet5-mnist');

/** Parses a comma-separated list of dataflows (`all` = the three hardware dataflows plus ideal). */
export function parseDataflows(list: string): SimDataflow[] {
  const items = list === 'all' ? [...SIM_DATAFLOWS] : list.split(',').map((s) => s.trim());
  for (const d of items)
    if (!(SIM_DATAFLOWS as readonly string[]).includes(d)) fail(`unknown dataflow '${d}' (use ${SIM_DATAFLOWS.join(', ')} or all)`);
  return items as SimDataflow[];
}

function parseList(value: string | undefined, option: string): number[] | undefined {
  if (value === undefined) return undefined;
  const xs = value.split(',').map((v) => parseNumberOption(v, option));
  ensure(xs.length > 0, `${option} needs at least one value`);
  return xs;
}

/** The flags of `npim simulate` (a sweep study stands for the same ones, src/sweep/study.ts). */
interface SimulateOptions extends Omit<StudySimulateOptions, 'model'> {
  model: string;
  out?: string;
  data?: string;
}

/** Builds a validated configuration from a JSON file and flags. */
export async function simulationConfigFrom(opts: SimulateOptions): Promise<SimulationConfig> {
  // --config holds an accelerator description (it has a schemaVersion) or, as before, a simulation configuration.
  if (opts.preset && opts.config) fail('give --preset or --config, not both');
  const fromFile = opts.config ? await readConfigJson(opts.config) : {};
  const chip = opts.preset ? chipPreset(opts.preset) : isChipDescription(fromFile) ? parseChipDescription(fromFile) : undefined;
  const runFile = chip ? {} : fromFile;
  const device: Record<string, unknown> = {};
  if (opts.sigma !== undefined) device.programming = { sigma: parseNumberOption(opts.sigma, '--sigma') };
  if (opts.readNoise !== undefined) device.readNoiseSigma = parseNumberOption(opts.readNoise, '--read-noise');
  const ideal = opts.peripherals === 'ideal';
  if (opts.peripherals !== undefined && !['ideal', 'trained'].includes(opts.peripherals))
    fail(`--peripherals must be ideal or trained, got '${opts.peripherals}'`);
  const flags = {
    mode: opts.mode,
    draws: opts.mc === undefined ? undefined : parseIntOption(opts.mc, '--mc', 1),
    seed: opts.seed === undefined ? undefined : parseSeedOption(opts.seed, '--seed'),
    nnsaModel: opts.nnsa,
    nnadcModels: opts.nnadc?.split(',').map((s) => s.trim()),
    injectSinadDb: opts.injectSinad === undefined ? undefined : parseNumberOption(opts.injectSinad, '--inject-sinad'),
    adcWriteVerifyLsb: opts.adcVerify === undefined ? undefined : parseNumberOption(opts.adcVerify, '--adc-verify'),
    nnsaTrimMillivolts: opts.nnsaTrim === undefined ? undefined : parseNumberOption(opts.nnsaTrim, '--nnsa-trim'),
    neuralPimAccumulator: ideal ? 'ideal' : undefined,
    neuralPimAdc: ideal ? 'ideal' : undefined,
    device: Object.keys(device).length ? device : undefined,
  };
  return parseConfig(SimulationConfigSchema, deepMerge(deepMerge(simulationConfigBase(chip), runFile), flags), 'simulation configuration');
}

/** `--sigma-sweep` and `--sinad-sweep` of `simulate` and `run`, validated. */
export function parseSweeps(opts: Pick<SimulateOptions, 'sigmaSweep' | 'sinadSweep'>): { sigma?: number[]; sinad?: number[] } {
  const sweeps = { sigma: parseList(opts.sigmaSweep, '--sigma-sweep'), sinad: parseList(opts.sinadSweep, '--sinad-sweep') };
  for (const s of sweeps.sigma ?? []) ensure(s >= 0 && s <= 2, `--sigma-sweep values must be in [0, 2], got ${s}`);
  return sweeps;
}

/** The simulation configuration's defaults, shown in the help. */
const SIM_DEFAULTS = SimulationConfigSchema.parse({});

/** Adds the simulation options shared by `simulate` and `run`. */
export function addSimulationOptions(cmd: Command, defaults: { samples: string; dataflow?: string }): Command {
  return (
    cmd
      // The default is described, not printed: help shows no path of the machine it runs on.
      .addOption(
        new Option(
          '--model <dir>',
          'tfjs Layers model directory (dense, conv2d, pooling, flatten, ReLU, batch-norm, residual add; see npim import)',
        ).default(DEFAULT_DNN_MODEL, 'the shipped models/lenet5-mnist'),
      )
      .option(
        '--dataflow <list>',
        `comma-separated: ${SIM_DATAFLOWS.join(', ')}, or all${defaults.dataflow ? '' : " (default: the accelerator description's, else neural-pim)"}`,
        defaults.dataflow,
      )
      .option('--mode <mode>', `Neural-PIM peripherals: behavioral | statistical (default ${SIM_DEFAULTS.mode})`)
      .option('--sigma <sigma>', 'log-normal programming variation σ of every device (default 0.025)')
      .option('--read-noise <sigma>', 'relative per-read noise σ (default 0)')
      .option('--mc <draws>', `Monte Carlo draws (default ${SIM_DEFAULTS.draws})`)
      .option('--samples <n>', 'held-out images', defaults.samples)
      .option('--seed <n>', `seed (default ${SIM_DEFAULTS.seed})`)
      .option(
        '--data <set>',
        "evaluation data: mnist, cifar10 or a directory holding either (default: the model's own data set, else mnist)",
      )
      .option('--data-dir <dir>', 'MNIST directory (default: NPIM_DATA_DIR, then datasets/mnist)')
      .option('--nnsa <dir>', 'NNS+A model (default: models/nnsa-d4, the deployed design)')
      .option('--nnadc <dirs>', 'comma-separated NNADC models, one per range (default: models/nnadc-8b-r{1,0.5,0.25})')
      .option('--peripherals <kind>', 'Neural-PIM peripherals: trained (default) or ideal (exact recursion, ideal 8-bit converter)')
      .option(
        '--adc-verify <lsb>',
        'write-verify trim every NNADC comparator to this tolerance (LSB) after programming (default 0.15; 0: off)',
      )
      .option(
        '--nnsa-trim <mV>',
        'write-verify trim every NNS+A hidden neuron to this tolerance (mV) after programming (default 0.2; 0: off)',
      )
      .option('--inject-sinad <dB>', 'instead of hardware: Gaussian noise in every layer at this SINAD (default: off)')
      .option('--sigma-sweep <list>', 'also sweep σ (comma-separated) for accuracy vs σ (default: no sweep)')
      .option('--sinad-sweep <list>', 'also sweep injected SINAD (dB, comma-separated) for accuracy vs SINAD (default: no sweep)')
      .option(
        '--config <file>',
        'accelerator description JSON (see npim config show; - for standard input), or a JSON simulation configuration (flags override it)',
      )
      .option('--preset <name>', `accelerator description preset: ${CHIP_PRESET_NAMES.join(', ')}`)
  );
}

/** Registers `simulate`. */
export function registerSimulate(program: Command): void {
  addSimulationOptions(
    program
      .command('simulate')
      .description('simulate a quantized DNN on the accelerator under the ISAAC-style, CASCADE-style and Neural-PIM dataflows'),
    {
      samples: '2000',
    },
  )
    .option('--out <dir>', 'write results.json, results.md and plots here')
    .action(async (opts: SimulateOptions, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      const samples = parseIntOption(opts.samples, '--samples');
      ensure(samples >= 1 && samples <= 1_000_000, '--samples must be between 1 and 1000000');
      const cfg = await simulationConfigFrom(opts);
      const dataflows = parseDataflows(opts.dataflow ?? cfg.dataflow);
      const sweeps = parseSweeps(opts);
      await startBackend(global);
      await writingTo(opts.out, async () => {
        const w = await prepareWorkload(opts.model, samples, opts.dataDir, opts.data);
        info(`simulating ${w.description}`);
        const bar = startProgress('simulate: batches of all draws', 1);
        const r = await runSimulations(
          cfg,
          dataflows,
          w,
          sweeps,
          () => undefined,
          (done, total, label) => {
            bar.setTotal(total);
            bar.update(done, label);
          },
        );
        bar.stop();
        const report: SimulationReport = { workload: w.description, model: displayPath(opts.model), ...r };
        if (opts.out) {
          await writeSimulationReport(opts.out, report, cfg);
          info(
            `wrote results.json, results.md${r.energy?.some((e) => e.energy) ? ', energy-breakdown-run.svg' : ''}${r.sigmaSweep ? ', accuracy-vs-sigma.svg' : ''}${r.sinadSweep ? ', accuracy-vs-sinad.svg' : ''} to ${opts.out}`,
          );
        }
        printResult(global, report, () => simulationMarkdown(report));
      });
    });
}
