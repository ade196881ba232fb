/** `npim cost`: energy, latency, throughput and area of ISAAC-, CASCADE-style and Neural-PIM accelerators. */
import { Command } from 'commander';
import { parseIntOption, parseNumberOption } from '../core/config.ts';
import { ensure, fail } from '../core/errors.ts';
import { readJson } from '../io/files.ts';
import { info } from '../io/progress.ts';
import { modelWorkload, writeCostDefaults, writeCostReport } from '../app/cost.ts';
import { architectureOfChip, defaultArchitectures, parseArchitectureList } from '../cost/architectures.ts';
import { COMPONENT_LIBRARY_NAMES, parseComponentLibrary } from '../cost/components.ts';
import { deployedComponentLibrary } from '../app/deployed-nnsa.ts';
import { compareArchitectures, type ChipsPolicy } from '../cost/evaluate.ts';
import { comparisonJson, costText } from '../report/cost-report.ts';
import {
  DEFAULT_ARCHITECTURE_NAMES,
  mergeArchitectures,
  parseActivityFile,
  selectArchitectures,
  withChipArchitectures,
} from '../cost/select.ts';
import { selectWorkloads } from '../cost/workloads/index.ts';
import { printResult, startBackend, writingTo, type GlobalOptions } from './shared.ts';
import { CHIP_PRESET_NAMES } from '../chip/presets.ts';
import { chipFromOptions } from './config.ts';

interface CostOptions {
  arch: string;
  workload: string;
  components?: string;
  library: string;
  architectures?: string;
  out?: string;
  chips: string;
  inputDensity: string;
  cellDensity: string;
  activity?: string;
  baselines: string;
  layers?: boolean;
  writeDefaults?: string;
  config?: string;
  preset?: string;
  nnsa?: string;
  model?: string;
}

/** Registers `cost`. */
export function registerCost(program: Command): void {
  program
    .command('cost')
    .description('energy, latency, throughput and area of ISAAC-style, CASCADE-style and Neural-PIM accelerators on DNN workloads')
    .option('--arch <list>', 'comma-separated architectures (or all)', DEFAULT_ARCHITECTURE_NAMES.join(','))
    .option(
      '--workload <list>',
      'comma-separated workloads: all (the nine benchmarks), mnist, or names (default: all, or none when --model is given)',
      'all',
    )
    .option(
      '--model <dirs>',
      'comma-separated model directories (tfjs Layers, as npim simulate --model takes, e.g. an imported ResNet): costed with their own layer shapes, pooling and residual adds',
    )
    .option('--components <file>', 'component library JSON (replaces the default library; see --write-defaults)')
    .option(
      '--library <name>',
      `shipped component library: ${COMPONENT_LIBRARY_NAMES.join(', ')} (the neural peripherals and 4-bit DACs scaled 130 → 32 nm, or the reference design's own per-tile figures)`,
      'default',
    )
    .option('--architectures <file>', 'architectures JSON (an array; adds to / replaces the defaults by name)')
    .option(
      '--config <file>',
      'an accelerator description JSON (see npim config show; - for standard input): added to / replaces the architectures by name, and selected',
    )
    .option('--preset <name>', `an accelerator description preset, selected: ${CHIP_PRESET_NAMES.join(', ')}`)
    .option(
      '--nnsa <dir>',
      "NNS+A model whose device and inverter counts the NNS+A area and power follow (default: the description's nnsaModel, else models/nnsa-d4, the simulator's default)",
    )
    .option('--out <dir>', 'also write cost.md, cost.json and energy-breakdown.svg to this directory')
    .option('--chips <n|equal|fewest>', 'chips per workload: a number, equal (same silicon for every architecture) or fewest', 'equal')
    .option('--input-density <x>', 'default probability that an input bit is 1 (crossbar activity)', '0.5')
    .option('--cell-density <x>', 'default fraction of cells in the high-conductance state', '0.5')
    .option('--activity <file>', 'per-layer activity JSON {workload: {layer: {inputBitDensity, cellOnFraction}}}')
    .option('--baselines <list>', 'architectures to state ratios against', 'isaac,cascade')
    .option('--layers', 'include per-layer results')
    .option('--write-defaults <dir>', 'write the default components.json and architectures.json to <dir> and exit')
    .action(async (opts: CostOptions, cmd: Command) => {
      const global = cmd.optsWithGlobals() as GlobalOptions;
      if (opts.writeDefaults) {
        const wrote = await writeCostDefaults(opts.writeDefaults);
        info(`wrote components.json and architectures.json to ${opts.writeDefaults}`);
        printResult(global, { wrote }, () => `wrote ${opts.writeDefaults}/components.json and architectures.json`);
        return;
      }
      if (opts.components && opts.library !== 'default') fail('--components and --library are alternatives: give one');
      if (opts.components && opts.nnsa) fail('--components replaces the NNS+A figures: give --components or --nnsa');
      // A description (--config / --preset) is one more architecture, selected with the --arch list.
      const chip = await chipFromOptions(opts);
      // The NNS+A the simulator deploys (--nnsa, the description's, else the shipped default) sets the NNS+A figures.
      const lib = opts.components
        ? parseComponentLibrary(await readJson(opts.components, 'component library'))
        : deployedComponentLibrary(opts.library, opts.nnsa ?? chip?.converters.neuralPim.nnsaModel);
      const userArchs = opts.architectures ? parseArchitectureList(await readJson(opts.architectures, 'architecture file')) : [];
      const chipArchs = chip ? [architectureOfChip(chip)] : [];
      const archList = withChipArchitectures(opts.arch, chip ? [chip.name] : []);
      const known = mergeArchitectures(mergeArchitectures(defaultArchitectures(), userArchs), chipArchs);
      const archs = selectArchitectures(known, archList, lib);
      // --model alone costs the model; with an explicit --workload, both.
      const modelDirs = (opts.model ?? '')
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean);
      const explicitWorkload = cmd.getOptionValueSource('workload') !== 'default';
      const workloads = modelDirs.length && !explicitWorkload ? [] : selectWorkloads(opts.workload);
      if (modelDirs.length) {
        await startBackend(global);
        for (const dir of modelDirs) workloads.push(await modelWorkload(dir));
        const names = workloads.map((w) => w.name);
        const twice = names.find((n, i) => names.indexOf(n) !== i);
        if (twice !== undefined) fail(`two workloads are named '${twice}': rename a model directory or leave the built-in workload out`);
      }
      const workloadActivity = opts.activity ? parseActivityFile(await readJson(opts.activity, 'activity file')) : undefined;
      const inputBitDensity = parseNumberOption(opts.inputDensity, '--input-density');
      const cellOnFraction = parseNumberOption(opts.cellDensity, '--cell-density');
      ensure(inputBitDensity >= 0 && inputBitDensity <= 1, `--input-density must be in [0, 1], got ${inputBitDensity}`);
      ensure(cellOnFraction >= 0 && cellOnFraction <= 1, `--cell-density must be in [0, 1], got ${cellOnFraction}`);
      let chips: number | undefined;
      let chipsPolicy: ChipsPolicy = 'equal';
      if (opts.chips === 'equal' || opts.chips === 'fewest') chipsPolicy = opts.chips;
      else {
        chips = parseIntOption(opts.chips, '--chips');
        if (chips < 1) fail(`--chips must be a positive integer, equal or fewest, got '${opts.chips}'`);
      }
      const baselines = opts.baselines
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean);
      const unknownBaseline = baselines.find((b) => !known.some((a) => a.name === b));
      if (unknownBaseline !== undefined)
        fail(`--baselines: unknown architecture '${unknownBaseline}' (known: ${known.map((a) => a.name).join(', ')})`);
      const comparison = compareArchitectures(archs, lib, workloads, {
        activity: { inputBitDensity, cellOnFraction },
        workloadActivity,
        chips,
        chipsPolicy,
        baselines,
        includeLayers: Boolean(opts.layers),
      });
      if (!opts.components) info(`NNS+A figures: ${lib.nnsa.source.split('; ').slice(-1)[0]}`);
      for (const w of comparison.warnings) info(`warning: ${w}`);
      for (const n of comparison.notes) info(`note: ${n}`);
      if (opts.out) {
        const command = `npim cost ${process.argv.slice(3).join(' ')}`.trim();
        await writingTo(opts.out, () => writeCostReport(opts.out!, comparison, command));
        info(`wrote cost.md, cost.json and energy-breakdown.svg to ${opts.out}`);
      }
      printResult(global, comparisonJson(comparison), () => costText(comparison, Boolean(opts.layers)));
    });
}
