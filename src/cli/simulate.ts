/** `npim simulate`: quantized DNNs on the simulated accelerator under the three dataflows. */
import { Command } from 'commander';
import path from 'node:path';
import { deepMerge, parseConfig, parseIntOption, parseNumberOption } from '../core/config.ts';
import { ensure, fail } from '../core/errors.ts';
import { writeFileAtomic, writeJsonAtomic } from '../io/files.ts';
import { writePlot } from '../report/plot.ts';
import { info, startProgress } from '../report/progress.ts';
import { sigmaAtLoss, simulationTable, sinadTable, sweepPlot } from '../report/simulation-report.ts';
import { isChipDescription, parseChipDescription } from '../chip/description.ts';
import { CHIP_PRESET_NAMES, chipPreset } from '../chip/presets.ts';
import { readConfigJson } from './config.ts';
import { dataflowOf } from '../dataflows/index.ts';
import {
  SIM_DATAFLOWS,
  SimulationConfigSchema,
  simulationFieldsOfChip,
  type SimDataflow,
  type SimulationConfig,
} from '../simulator/config.ts';
import { loadPeripherals } from '../simulator/load-peripherals.ts';
import { prepareWorkload, type PreparedWorkload } from '../simulator/prepare.ts';
import { simulate, type SimulationResult } from '../simulator/simulate.ts';
import type { NeuralPimPeripherals } from '../simulator/neural-pim.ts';
import { printResult, startBackend, type GlobalOptions } from './shared.ts';
import { MODELS_DIR } from '../core/paths.ts';

/** Shipped LeNet-5. */
export const DEFAULT_DNN_MODEL = path.join(MODELS_DIR, 'lenet5-mnist');

/** Everything one `simulate` invocation produced. */
export interface SimulationReport {
  workload: string;
  model: string;
  results: SimulationResult[];
  sigmaSweep?: Array<{ dataflow: SimDataflow; sigma: number; accuracy: number; accuracyStd: number; sinadMeanDb: number }>;
  sigmaAtOnePointLoss?: Array<{ dataflow: SimDataflow; sigma: number | null }>;
  sinadSweep?: Array<{ sinadDb: number; accuracy: number; accuracyStd: number }>;
}

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

/**
 * Runs the configured dataflows (and sweeps) on a prepared workload. Pure orchestration over
 * {@link simulate}; peripherals are loaded once.
 */
export async function runSimulations(
  base: SimulationConfig,
  dataflows: SimDataflow[],
  w: PreparedWorkload,
  sweeps: { sigma?: number[]; sinad?: number[] },
  progress: (label: string) => void,
): Promise<Omit<SimulationReport, 'workload' | 'model'>> {
  let peripherals: NeuralPimPeripherals | null = null;
  const periph = async (cfg: SimulationConfig): Promise<NeuralPimPeripherals | null> => {
    if (!dataflowOf(cfg).needsPeripherals(cfg)) return null;
    peripherals ??= await loadPeripherals(cfg);
    return peripherals;
  };
  const data = { images: w.images, labels: w.labels };
  const results: SimulationResult[] = [];
  for (const dataflow of dataflows) {
    const cfg = { ...base, dataflow };
    progress(`${dataflow}`);
    results.push(await simulate(cfg, w.net, data, await periph(cfg)));
  }
  const out: Omit<SimulationReport, 'workload' | 'model'> = { results };
  if (sweeps.sigma) {
    out.sigmaSweep = [];
    for (const dataflow of dataflows) {
      if (dataflow === 'ideal') continue;
      for (const sigma of sweeps.sigma) {
        progress(`${dataflow} σ=${sigma}`);
        const cfg = { ...base, dataflow, device: { ...base.device, programming: { ...base.device.programming, sigma } } };
        const r = await simulate(cfg, w.net, data, await periph(cfg));
        out.sigmaSweep.push({ dataflow, sigma, accuracy: r.accuracyMean, accuracyStd: r.accuracyStd, sinadMeanDb: r.sinadMeanDb });
      }
    }
    const reference = results[0]?.referenceAccuracy ?? 0;
    out.sigmaAtOnePointLoss = dataflows
      .filter((d) => d !== 'ideal')
      .map((dataflow) => ({
        dataflow,
        sigma: sigmaAtLoss(
          out.sigmaSweep!.filter((s) => s.dataflow === dataflow),
          reference,
        ),
      }));
  }
  if (sweeps.sinad) {
    out.sinadSweep = [];
    for (const sinadDb of sweeps.sinad) {
      progress(`SINAD ${sinadDb} dB`);
      const r = await simulate({ ...base, dataflow: 'ideal', injectSinadDb: sinadDb }, w.net, data, null);
      out.sinadSweep.push({ sinadDb, accuracy: r.accuracyMean, accuracyStd: r.accuracyStd });
    }
  }
  return out;
}

/** Markdown report of a simulation. */
export function simulationMarkdown(r: SimulationReport): string {
  const parts = [
    `# Accelerator simulation`,
    '',
    `Model: \`${r.model}\`; ${r.workload}.`,
    '',
    simulationTable(r.results),
    '',
    'Hardware SINAD per crossbar layer (dB, layer fed its reference inputs):',
    '',
    sinadTable(r.results),
  ];
  const ranges = r.results.find((x) => x.ranges)?.ranges;
  if (ranges)
    parts.push(
      '',
      `Neural-PIM converter range per layer: ${ranges.map((x) => `${x.layer} range ${x.rangeFraction}, gain ${x.sensingGain}`).join(', ')}.`,
    );
  if (r.sigmaAtOnePointLoss) {
    parts.push(
      '',
      '| dataflow | σ at which accuracy drops 1 point |',
      '|---|---:|',
      ...r.sigmaAtOnePointLoss.map((s) => `| ${s.dataflow} | ${s.sigma === null ? 'beyond the sweep' : s.sigma.toFixed(4)} |`),
    );
  }
  if (r.sinadSweep)
    parts.push(
      '',
      '| injected SINAD (dB) | accuracy (%) |',
      '|---:|---:|',
      ...r.sinadSweep.map((s) => `| ${s.sinadDb} | ${(100 * s.accuracy).toFixed(2)} |`),
    );
  return parts.join('\n') + '\n';
}

/** Writes results.json, results.md and the sweep plots into `dir`. */
export async function writeSimulationReport(dir: string, r: SimulationReport, config: SimulationConfig): Promise<void> {
  await writeJsonAtomic(path.join(dir, 'results.json'), { config, ...r });
  await writeFileAtomic(path.join(dir, 'results.md'), simulationMarkdown(r));
  if (r.sigmaSweep?.length) {
    await writePlot(
      path.join(dir, 'accuracy-vs-sigma.svg'),
      sweepPlot(
        'Accuracy vs programming variation σ',
        'log-normal σ of every device',
        r.sigmaSweep.map((s) => ({ x: s.sigma, accuracy: s.accuracy, series: s.dataflow })),
      ),
    );
  }
  if (r.sinadSweep?.length) {
    await writePlot(
      path.join(dir, 'accuracy-vs-sinad.svg'),
      sweepPlot(
        'Accuracy vs injected SINAD',
        'SINAD of every layer (dB)',
        r.sinadSweep.map((s) => ({ x: s.sinadDb, accuracy: s.accuracy, series: 'noise injection' })),
      ),
    );
  }
}

interface SimulateOptions {
  model: string;
  dataflow?: string;
  mode?: string;
  sigma?: string;
  readNoise?: string;
  mc?: string;
  samples: string;
  seed?: string;
  dataDir?: string;
  nnsa?: string;
  nnadc?: string;
  peripherals?: string;
  adcVerify?: string;
  nnsaTrim?: string;
  injectSinad?: string;
  sigmaSweep?: string;
  sinadSweep?: string;
  config?: string;
  preset?: string;
  out?: string;
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
    draws: opts.mc === undefined ? undefined : parseIntOption(opts.mc, '--mc'),
    seed: opts.seed === undefined ? undefined : parseIntOption(opts.seed, '--seed'),
    nnsaModel: opts.nnsa,
    nnadcModels: opts.nnadc?.split(',').map((s) => s.trim()),
    injectSinadDb: opts.injectSinad === undefined ? undefined : parseNumberOption(opts.injectSinad, '--inject-sinad'),
    adcWriteVerifyLsb: opts.adcVerify === undefined ? undefined : parseNumberOption(opts.adcVerify, '--adc-verify'),
    nnsaTrimMillivolts: opts.nnsaTrim === undefined ? undefined : parseNumberOption(opts.nnsaTrim, '--nnsa-trim'),
    neuralPimAccumulator: ideal ? 'ideal' : undefined,
    neuralPimAdc: ideal ? 'ideal' : undefined,
    device: Object.keys(device).length ? device : undefined,
  };
  return parseConfig(
    SimulationConfigSchema,
    deepMerge(
      deepMerge(deepMerge({ device: SimulationConfigSchema.parse({}).device }, chip ? simulationFieldsOfChip(chip) : {}), runFile),
      flags,
    ),
    'simulation configuration',
  );
}

/** Adds the simulation options shared by `simulate` and `run`. */
export function addSimulationOptions(cmd: Command, defaults: { samples: string; dataflow?: string }): Command {
  return cmd
    .option('--model <dir>', 'tfjs Layers model directory (dense, conv2d, pooling, flatten, ReLU, batch-norm)', DEFAULT_DNN_MODEL)
    .option(
      '--dataflow <list>',
      `comma-separated: ${SIM_DATAFLOWS.join(', ')}, or all${defaults.dataflow ? '' : " (default: the accelerator description's, else neural-pim)"}`,
      defaults.dataflow,
    )
    .option('--mode <mode>', 'Neural-PIM peripherals: behavioral | statistical')
    .option('--sigma <sigma>', 'log-normal programming variation σ of every device (default 0.025)')
    .option('--read-noise <sigma>', 'relative per-read noise σ (default 0)')
    .option('--mc <draws>', 'Monte Carlo draws')
    .option('--samples <n>', 'held-out images', defaults.samples)
    .option('--seed <n>', 'seed')
    .option('--data-dir <dir>', 'MNIST directory (default: NPIM_DATA_DIR, then datasets/mnist)')
    .option('--nnsa <dir>', 'NNS+A model (default: models/nnsa-d4)')
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
    .option('--inject-sinad <dB>', 'instead of hardware: Gaussian noise in every layer at this SINAD')
    .option('--sigma-sweep <list>', 'also sweep σ (comma-separated) for accuracy vs σ')
    .option('--sinad-sweep <list>', 'also sweep injected SINAD (dB, comma-separated) for accuracy vs SINAD')
    .option(
      '--config <file>',
      'accelerator description JSON (see npim config show; - for standard input), or a JSON simulation configuration (flags override it)',
    )
    .option('--preset <name>', `accelerator description preset: ${CHIP_PRESET_NAMES.join(', ')}`);
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
      const sweeps = { sigma: parseList(opts.sigmaSweep, '--sigma-sweep'), sinad: parseList(opts.sinadSweep, '--sinad-sweep') };
      for (const s of sweeps.sigma ?? []) ensure(s >= 0 && s <= 2, `--sigma-sweep values must be in [0, 2], got ${s}`);
      await startBackend(global);
      const w = await prepareWorkload(opts.model, samples, opts.dataDir);
      info(`simulating ${w.description}`);
      const bar = startProgress('simulate', 1);
      const r = await runSimulations(cfg, dataflows, w, sweeps, (label) => bar.update(0, label));
      bar.stop();
      const report: SimulationReport = { workload: w.description, model: opts.model, ...r };
      if (opts.out) {
        await writeSimulationReport(opts.out, report, cfg);
        info(
          `wrote results.json, results.md${r.sigmaSweep ? ', accuracy-vs-sigma.svg' : ''}${r.sinadSweep ? ', accuracy-vs-sinad.svg' : ''} to ${opts.out}`,
        );
      }
      printResult(global, report, () => simulationMarkdown(report));
    });
}
