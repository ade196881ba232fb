/**
 * The library API's own functions (re-exported by `src/index.ts`): short forms of what the CLI
 * commands do, with the CLI's defaults, for scripts and notebooks that work with values rather
 * than flags and files. Each one composes existing workflows; none computes a figure itself.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { deepMerge, parseConfig } from '../core/config.ts';
import { ensure, fail } from '../core/errors.ts';
import { MODELS_DIR } from '../core/paths.ts';
import { idealDevices } from '../device/rram.ts';
import { bankFromJson } from '../circuits/approximator-model.ts';
import { NnadcModelSchema, NnadcTrainConfigSchema, type NnadcModel } from '../circuits/nnadc/config.ts';
import { evaluateNnadc, measureInstance, type AdcMonteCarlo, type NnadcEvaluation } from '../circuits/nnadc/evaluate.ts';
import { instantiateAdc } from '../circuits/nnadc/model.ts';
import { trainNnadc } from '../circuits/nnadc/train.ts';
import { NnsaModelSchema, NnsaTrainConfigSchema, type NnsaModel } from '../circuits/nnsa/config.ts';
import { evaluateNnsa, type NnsaEvaluation } from '../circuits/nnsa/evaluate.ts';
import { trainNnsa, type TrainProgress } from '../circuits/nnsa/train.ts';
import type { ConverterMetrics } from '../analysis/adc-metrics.ts';
import { SimulationConfigSchema, simulationConfigBase, type SimulationConfig } from '../chip/simulation-config.ts';
import type { ChipDescription } from '../chip/description.ts';
import { chipPreset } from '../chip/presets.ts';
import { loadInverterMismatch, loadInverterMismatchSync, loadVtcBank } from '../data/vtc-bank.ts';
import type { CornerModeName } from '../circuits/network.ts';
import { mismatchSpreadOf, type MismatchSpread } from '../circuits/inverter-mismatch.ts';
import { readApproximatorModel } from '../io/approximator-model.ts';
import { dataflowOf } from '../dataflows/index.ts';
import { simulate, type SimulationProgress, type SimulationResult } from '../simulator/simulate.ts';
import { architectureOfChip, defaultArchitectures } from '../cost/architectures.ts';
import type { ComponentLibrary, ComponentLibraryName } from '../cost/components.ts';
import { deployedComponentLibrary } from './deployed-nnsa.ts';
import { compareArchitectures, type ChipsPolicy, type Comparison, type LayerActivity } from '../cost/evaluate.ts';
import { DEFAULT_ARCHITECTURE_NAMES, mergeArchitectures, selectArchitectures, withChipArchitectures } from '../cost/select.ts';
import { selectWorkloads } from '../cost/workloads/index.ts';
import { weightMapCsvChunks, weightMapJsonChunks } from '../weight-map/serialize.ts';
import type { WeightMap } from '../weight-map/weight-map.ts';
import type { Approximator } from '../mapping/approximator-map.ts';
import { programApproximator } from '../mapping/approximator-map.ts';
import { approximatorDeck, inverterCorner } from '../spice/netlist.ts';
import { INVERTER_LIB_PATH } from '../core/paths.ts';
import { NOMINAL_CORNER } from '../circuits/inverter-corners.ts';
import { loadPeripherals } from './load-peripherals.ts';
import type { PreparedWorkload } from './prepare-workload.ts';

/** The models shipped in the package's `models/` directory (see MODELS.md). */
export const SHIPPED_MODELS = [
  'nnsa-d4',
  'nnsa-d1',
  'nnsa-d4-h48',
  'nnsa-d4-h72',
  'nnadc-8b-r1',
  'nnadc-8b-r0.5',
  'nnadc-8b-r0.25',
  'lenet5-mnist',
  'mlp-mnist',
] as const;

/** Name of a shipped model. */
export type ShippedModel = (typeof SHIPPED_MODELS)[number];

/** Directory of a shipped model, e.g. `shippedModel('nnadc-8b-r1')`; an unknown name is an error. */
export function shippedModel(name: ShippedModel): string {
  ensure((SHIPPED_MODELS as readonly string[]).includes(name), `unknown shipped model '${name}' (${SHIPPED_MODELS.join(', ')})`);
  return path.join(MODELS_DIR, name);
}

/** Reads the NNADC model in `dir` (a model directory holding `model.json`), validated. */
export async function loadNnadc(dir: string): Promise<NnadcModel> {
  if (!existsSync(path.join(dir, 'model.json'))) fail(`${dir} is not a model directory: no model.json in it`);
  return readApproximatorModel(dir, 'nnadc', NnadcModelSchema);
}

/** Reads the NNS+A model in `dir` (a model directory holding `model.json`), validated. */
export async function loadNnsa(dir: string): Promise<NnsaModel> {
  if (!existsSync(path.join(dir, 'model.json'))) fail(`${dir} is not a model directory: no model.json in it`);
  return readApproximatorModel(dir, 'nnsa', NnsaModelSchema);
}

/**
 * IEEE 1241 metrics of an NNADC at nominal devices and the nominal inverter corner (as
 * `npim eval adc DIR`): ramp-histogram DNL/INL, missing codes, offset and gain, and the coherent
 * sine test's SINAD and ENOB. Input in differential volts, code centres at 0 and the range's top.
 */
export function measureNnadc(model: NnadcModel): ConverterMetrics {
  const inst = instantiateAdc(model, bankFromJson(model.vtcBank), idealDevices(model.device), null, { kind: 'nominal' });
  return measureInstance(inst, model);
}

/** Monte Carlo corner modes by default (as the CLI's): TT, the physical die, the per-neuron stress case. */
const DEFAULT_MC_CORNER_MODES: CornerModeName[] = ['nominal', 'die-mismatch', 'per-neuron'];

/** The mismatch distribution a list of corner modes needs: the given one, else the committed one when die-mismatch is listed. */
function mismatchFor(modes: CornerModeName[], given?: MismatchSpread): MismatchSpread | undefined {
  return given ?? (modes.includes('die-mismatch') ? loadInverterMismatchSync() : undefined);
}

/** Monte Carlo choices of {@link evaluateNnadcModel}; defaults are `npim eval adc --mc`'s. */
export interface NnadcMonteCarloOptions {
  /** Draws per corner mode (default 100). */
  draws?: number;
  /** Programming σ of the draws (default: the model's device σ). */
  sigma?: number;
  /** Inverter corner modes (default nominal, die-mismatch, per-neuron). */
  cornerModes?: AdcMonteCarlo['corners'][];
  /** Local mismatch of the comparators for die-mismatch (default: the committed `datasets/vtc/mismatch.json`). */
  mismatch?: MismatchSpread;
  /** Seed of the draws (default 1). */
  seed?: number;
  /** Also run the draws write-verified to this tolerance in LSB (the simulator's default is 0.15). */
  writeVerifyLsb?: number;
  /** Programming attempts per comparator column when write-verifying (default 100). */
  verifyAttempts?: number;
  /** σ values of the ENOB-versus-σ sweep (10 draws each; default 0.001 … 0.025). */
  sigmaSweep?: number[];
}

/**
 * Evaluates an NNADC as `npim eval adc DIR --mc N`: nominal metrics, then Monte Carlo draws of
 * programming variation and inverter corners per corner mode, as programmed and (with
 * `writeVerifyLsb`) write-verified; `evaluation.monteCarlo` lists the as-programmed entries first.
 */
export function evaluateNnadcModel(
  model: NnadcModel,
  o: NnadcMonteCarloOptions = {},
): { evaluation: NnadcEvaluation; nominalMetrics: ConverterMetrics } {
  const draws = o.draws ?? 100;
  ensure(Number.isInteger(draws) && draws >= 1, `draws must be a positive integer, got ${draws}`);
  const sigma = o.sigma ?? model.device.programming.sigma;
  ensure(sigma >= 0 && sigma <= 2, `sigma must be between 0 and 2, got ${sigma}`);
  if (o.writeVerifyLsb !== undefined) ensure(o.writeVerifyLsb > 0, `writeVerifyLsb must be positive, got ${o.writeVerifyLsb}`);
  return evaluateNnadc(model, bankFromJson(model.vtcBank), {
    draws,
    device: { ...model.device, programming: { ...model.device.programming, sigma } },
    cornerModes: o.cornerModes ?? DEFAULT_MC_CORNER_MODES,
    mismatch: mismatchFor(o.cornerModes ?? DEFAULT_MC_CORNER_MODES, o.mismatch),
    seed: o.seed ?? 1,
    sigmaSweep: o.sigmaSweep,
    verify: o.writeVerifyLsb === undefined ? undefined : { toleranceLsb: o.writeVerifyLsb, maxAttempts: o.verifyAttempts ?? 100 },
  });
}

/** Evaluation choices of {@link evaluateNnsaModel}; defaults are `npim eval sa`'s. */
export interface NnsaEvaluationOptions {
  /** Monte Carlo draws per corner mode (default 100). */
  draws?: number;
  /** Points per draw (default 4096). */
  points?: number;
  /** Points of the nominal sweep (default 65536). */
  nominalPoints?: number;
  /** Programming σ of the draws (default: the model's device σ). */
  sigma?: number;
  /** Inverter corner modes (default nominal, die-mismatch, per-neuron). */
  cornerModes?: CornerModeName[];
  /** Local mismatch of the inverters for die-mismatch (default: the committed `datasets/vtc/mismatch.json`). */
  mismatch?: MismatchSpread;
  /** Seed (default 1). */
  seed?: number;
  /** Also run the draws with the hidden neurons write-verify trimmed to this tolerance, mV. */
  trimMillivolts?: number;
}

/** Evaluates an NNS+A as `npim eval sa`: nominal error, T-cycle recursion, Monte Carlo per corner mode. */
export function evaluateNnsaModel(model: NnsaModel, o: NnsaEvaluationOptions = {}): NnsaEvaluation {
  const sigma = o.sigma ?? model.network.device.programming.sigma;
  ensure(sigma >= 0 && sigma <= 2, `sigma must be between 0 and 2, got ${sigma}`);
  return evaluateNnsa(model.network, bankFromJson(model.vtcBank), {
    dacBits: model.dacBits,
    points: o.points ?? 4096,
    nominalPoints: o.nominalPoints ?? 65536,
    draws: o.draws ?? 100,
    device: { ...model.network.device, programming: { ...model.network.device.programming, sigma } },
    cornerModes: o.cornerModes ?? DEFAULT_MC_CORNER_MODES,
    mismatch: mismatchFor(o.cornerModes ?? DEFAULT_MC_CORNER_MODES, o.mismatch),
    seed: o.seed ?? 1,
    trim: o.trimMillivolts === undefined ? undefined : { toleranceVolts: o.trimMillivolts / 1000, maxAttempts: 100 },
  });
}

/**
 * Trains an NNS+A (as `npim train sa`, without writing files) on the package's ngspice VTC bank.
 * `config` is a partial NNS+A training configuration (e.g. `{ hiddenNeurons: 8, floatSteps: 200 }`),
 * validated strictly; `onProgress` gets the stage, step, total steps and loss.
 */
export async function trainNnsaModel(config: unknown = {}, onProgress?: TrainProgress): Promise<NnsaModel> {
  let cfg = parseConfig(NnsaTrainConfigSchema, config, 'NNS+A training configuration');
  // die-mismatch training draws from the committed mismatch distribution unless the config gives one.
  if (cfg.trainingCorners === 'die-mismatch' && !cfg.trainingMismatch)
    cfg = { ...cfg, trainingMismatch: mismatchSpreadOf(await loadInverterMismatch()) };
  return trainNnsa(cfg, await loadVtcBank(), onProgress);
}

/**
 * Designs an NNADC (as `npim train adc` without `--on-nnsa`: ideal thresholds) on the package's VTC
 * bank. `config` is a partial NNADC training configuration (e.g. `{ bits: 6, arch: 'flash' }`);
 * `onProgress` gets the columns designed and their total.
 */
export async function trainNnadcModel(config: unknown = {}, onProgress?: (done: number, total: number) => void): Promise<NnadcModel> {
  const cfg = parseConfig(NnadcTrainConfigSchema, config, 'NNADC training configuration');
  return trainNnadc(cfg, await loadVtcBank(), undefined, { kind: 'ideal' }, onProgress);
}

/**
 * A validated simulation configuration: the defaults, then the simulation fields of an accelerator
 * description (a preset name such as `'neural-pim'`, or a description), then `overrides` (a partial
 * configuration, e.g. `{ draws: 2, device: { programming: { sigma: 0.05 } } }`). Unknown keys are errors.
 */
export function simulationConfig(overrides: unknown = {}, chip?: string | ChipDescription): SimulationConfig {
  const description = typeof chip === 'string' ? chipPreset(chip) : chip;
  return parseConfig(SimulationConfigSchema, deepMerge(simulationConfigBase(description), overrides), 'simulation configuration');
}

/**
 * Simulates a prepared workload (see `prepareWorkload`) on the accelerator `cfg` describes, loading
 * the Neural-PIM peripheral models the configuration names when its dataflow needs them.
 * `onProgress` is called as each batch of each Monte Carlo draw completes, with the stage (the
 * draw), batches done and batches in all (draws × batches per draw).
 */
export async function simulateWorkload(
  cfg: SimulationConfig,
  workload: Pick<PreparedWorkload, 'net' | 'images' | 'labels'>,
  onProgress?: SimulationProgress,
): Promise<SimulationResult> {
  const peripherals = dataflowOf(cfg).needsPeripherals(cfg) ? await loadPeripherals(cfg) : null;
  return simulate(cfg, workload.net, { images: workload.images, labels: workload.labels }, peripherals, onProgress);
}

/** Choices of {@link compareCost}; defaults are `npim cost`'s. */
export interface CostOptions {
  /** Comma-separated architecture names or `all` (default isaac, cascade, neural-pim). */
  architectures?: string;
  /** Accelerator descriptions to add (replacing same-named defaults) and select. */
  chips?: ChipDescription[];
  /** Comma-separated workloads: `all` (the nine benchmarks, default), `mnist`, or names. */
  workloads?: string;
  /** Chips per workload: a number, `'equal'` (the same silicon for every architecture, default) or `'fewest'`. */
  chipCount?: number | ChipsPolicy;
  /** Default crossbar activity (default 0.5 and 0.5). */
  activity?: LayerActivity;
  /** Architectures to state ratios against (default isaac, cascade). */
  baselines?: string[];
  /** Include per-layer results. */
  includeLayers?: boolean;
  /** Component library (default: the built-in one, see `npim cost --write-defaults`). */
  components?: ComponentLibrary;
  /** A shipped component library by name, when `components` is not given (`default` or `reference-design`, as `npim cost --library`). */
  library?: ComponentLibraryName;
  /** NNS+A model directory whose device and inverter counts the library's NNS+A figures follow (default: the deployed one, as the simulator's). */
  nnsaModel?: string;
}

/** Energy, latency, throughput and area of architectures on workloads, with ratios to the baselines (as `npim cost`). */
export function compareCost(o: CostOptions = {}): Comparison {
  const lib = o.components ?? deployedComponentLibrary(o.library ?? 'default', o.nnsaModel);
  const chipArchs = (o.chips ?? []).map(architectureOfChip);
  const names = withChipArchitectures(
    o.architectures ?? DEFAULT_ARCHITECTURE_NAMES.join(','),
    chipArchs.map((a) => a.name),
  );
  const archs = selectArchitectures(mergeArchitectures(defaultArchitectures(), chipArchs), names, lib);
  const chipCount = o.chipCount ?? 'equal';
  if (typeof chipCount === 'number')
    ensure(Number.isInteger(chipCount) && chipCount >= 1, `chipCount must be a positive integer, got ${chipCount}`);
  return compareArchitectures(archs, lib, selectWorkloads(o.workloads ?? 'all'), {
    activity: o.activity ?? { inputBitDensity: 0.5, cellOnFraction: 0.5 },
    chips: typeof chipCount === 'number' ? chipCount : undefined,
    chipsPolicy: typeof chipCount === 'number' ? 'equal' : chipCount,
    baselines: o.baselines ?? ['isaac', 'cascade'],
    includeLayers: o.includeLayers ?? false,
  });
}

/** A weight map as CSV text (the format of `npim export --format csv`: one record per device). */
export function weightMapCsv(map: WeightMap): string {
  return [...weightMapCsvChunks(map)].join('');
}

/** A weight map as JSON text (the format of `npim export --format json`). */
export function weightMapJson(map: WeightMap): string {
  return [...weightMapJsonChunks(map)].join('');
}

/** Choices of {@link spiceNetlist}; defaults are `npim export --format spice`'s. */
export interface SpiceNetlistOptions {
  /** Programming σ (default 0: the target conductances). */
  sigma?: number;
  /** Programming seed, and the NNS+A operating points' (default 1). */
  seed?: number;
  /** NNADC sweep points (default 4096) or NNS+A operating points (default 200). */
  points?: number;
  /** Inverter corner (default tt_27c). */
  corner?: string;
  /** File ngspice writes its results to (`wrdata`; default `<kind>.data`). */
  dataFile?: string;
}

/** An ngspice netlist of a programmed NNS+A or NNADC (its text; run it with `ngspice -b`). */
export function spiceNetlist(a: Approximator, o: SpiceNetlistOptions = {}): string {
  const programmed = programApproximator(a, { sigma: o.sigma ?? 0, seed: o.seed ?? 1 });
  return approximatorDeck(a, programmed, {
    points: o.points,
    seed: o.seed,
    corner: inverterCorner(o.corner ?? NOMINAL_CORNER),
    libPath: INVERTER_LIB_PATH,
    dataFile: o.dataFile ?? `${a.kind}.data`,
    description: `${a.kind} exported by the neural-pim library`,
  }).text;
}
