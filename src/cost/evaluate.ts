/**
 * Evaluation of workloads on architectures: energy per inference with its breakdown, latency,
 * throughput, energy and area efficiency, and comparisons between architectures. Pure.
 *
 * Model summary (each piece documented where it is computed):
 * - Energy = Σ over blocks of (operations per inference × energy per operation) + static power
 *   of every chip used × the time per inference in steady state. Operations come from
 *   {@link layerCounts}; energies from the resolved component library (`events.ts` for single events).
 * - The crossbar's energy comes from the design's devices: V_read²·t_read·E[x²]·E[G] per programmed
 *   cell and input cycle (`expectedCellReadEnergyJoules`), E[x²] from the inputs' bit density and
 *   the DAC resolution, E[G] from G_min, G_max and the fraction of cells in the high state; by
 *   default both densities are 0.5. Other blocks' energies are taken as data independent.
 * - Throughput: the layer pipeline delivers one inference every T pipeline cycles, T the balanced
 *   bottleneck of {@link placeWorkload}. GOPS count 2 operations per MAC.
 * - Latency: one inference alone, layer after layer: Σ_i (⌈P_i/r_i⌉ + 1) pipeline cycles, the
 *   + 1 being stage 2 (adds, activation, pooling, eDRAM write) of a layer's last product. It
 *   ignores the overlap of consecutive layers within one inference, so it is an upper bound.
 *   A sequential layer (recurrent time steps) takes 2·P_i cycles whatever its replication: each
 *   step's product and its stage 2 must finish before the next step starts.
 */
import { ensure } from '../core/errors.ts';
import { BLOCK_NAMES, type BlockName, type ResolvedArchitecture } from './architectures.ts';
import type { ComponentLibrary } from './components.ts';
import { expectedCellReadEnergyJoules, staticEnergyJoules } from './events.ts';
import {
  addCounts,
  layerCounts,
  mapLayer,
  minimumChips,
  placeWorkload,
  zeroCounts,
  type OperationCounts,
  type Placement,
} from './mapping.ts';
import { layerMacs, workloadMacs, type Workload } from './workloads/index.ts';

/** Energy categories of the breakdown (docs/reference.md §5). */
export const ENERGY_CATEGORIES = ['crossbar', 'dac', 'adc', 'shiftAdd', 'other', 'static'] as const;

/** One energy category. */
export type EnergyCategory = (typeof ENERGY_CATEGORIES)[number];

/** Display names of the categories. */
export const CATEGORY_LABELS: Record<EnergyCategory, string> = {
  crossbar: 'crossbar',
  dac: 'DAC',
  adc: 'ADC',
  shiftAdd: 'S+A / NNS+A / buffering',
  other: 'other',
  static: 'static',
};

/**
 * Category of each block: accumulation of bit-sliced partial sums — digital S+A, NNS+A, and
 * CASCADE's TIAs, buffer writes and summing amplifiers — is "S+A"; registers, memories, the
 * interconnect, sample-and-holds and the tile's digital units are "other".
 */
export const BLOCK_CATEGORY: Record<BlockName, EnergyCategory> = {
  array: 'crossbar',
  dac: 'dac',
  adc: 'adc',
  shiftAdd: 'shiftAdd',
  nnsa: 'shiftAdd',
  tia: 'shiftAdd',
  bufferArray: 'shiftAdd',
  summingAmplifier: 'shiftAdd',
  sampleHold: 'other',
  inputRegister: 'other',
  outputRegister: 'other',
  edram: 'other',
  bus: 'other',
  router: 'other',
  activation: 'other',
  tileShiftAdd: 'other',
  maxPool: 'other',
  tileOutputRegister: 'other',
  hyperTransport: 'other',
};

/** Data activity of a layer. */
export interface LayerActivity {
  /** Probability that a bit of an input slice is 1 (0..1). */
  inputBitDensity: number;
  /** Fraction of the layer's occupied cells in the high-conductance state (0..1). */
  cellOnFraction: number;
}

/** Default activity: the library's reference point (factor 1). */
export const DEFAULT_ACTIVITY: LayerActivity = { inputBitDensity: 0.5, cellOnFraction: 0.5 };

/** Options of an evaluation. */
export interface EvaluateOptions {
  /** Activity of every layer not in `layerActivity`. */
  activity?: Partial<LayerActivity>;
  /** Measured activity per layer name (e.g. from quantized weights and real inputs). */
  layerActivity?: Readonly<Record<string, Partial<LayerActivity>>>;
  /** Number of chips (default: the fewest that hold the network). */
  chips?: number;
  /** Keep per-layer results. */
  includeLayers?: boolean;
}

/** Per-layer result. */
export interface LayerResult {
  name: string;
  kind: string;
  macs: number;
  arraysPerCopy: number;
  copies: number;
  /** Pipeline cycles this layer needs per inference: ⌈positions / copies⌉. */
  cyclesPerInference: number;
  activity: LayerActivity;
  counts: OperationCounts;
  energyJoules: number;
  energyByCategory: Record<EnergyCategory, number>;
}

/** Result of one workload on one architecture. */
export interface WorkloadResult {
  architecture: string;
  workload: string;
  title: string;
  macs: number;
  chips: number;
  areaSquareMetres: number;
  /** Arrays of one copy of every layer. */
  baseArrays: number;
  /** Arrays used including replicas / arrays available. */
  arrayUtilization: number;
  bottleneckCycles: number;
  pipelineCycleSeconds: number;
  inferencesPerSecond: number;
  gops: number;
  latencySeconds: number;
  /** Total energy per inference (dynamic + static), J. */
  energyJoules: number;
  /** Energy of the operations performed, J. */
  dynamicEnergyJoules: number;
  /** Static power of the chips × the time one inference occupies them, J. */
  staticEnergyJoules: number;
  energyByCategory: Record<EnergyCategory, number>;
  energyByBlock: Record<BlockName, number>;
  counts: OperationCounts;
  gopsPerWatt: number;
  gopsPerSquareMillimetre: number;
  /** Energy per inference × inferences per second, watts. */
  averagePowerWatts: number;
  layers?: LayerResult[];
}

function checkDensity(v: number, what: string): number {
  ensure(Number.isFinite(v) && v >= 0 && v <= 1, `${what} must be a number in [0, 1], got ${v}`);
  return v;
}

function activityOf(name: string, opts: EvaluateOptions): LayerActivity {
  const base = { ...DEFAULT_ACTIVITY, ...opts.activity };
  const a = { ...base, ...opts.layerActivity?.[name] };
  checkDensity(a.inputBitDensity, `input bit density of layer ${name}`);
  checkDensity(a.cellOnFraction, `cell on-fraction of layer ${name}`);
  return a;
}

/** Expected crossbar read energy of one programmed cell per input cycle under `activity`, from the design's devices. */
function cellReadEnergy(arch: ResolvedArchitecture, activity: LayerActivity): number {
  return expectedCellReadEnergyJoules(
    arch.spec.crossbarRead,
    arch.spec.device,
    activity.inputBitDensity,
    arch.spec.dacBits,
    activity.cellOnFraction,
  );
}

function zeroBlocks(): Record<BlockName, number> {
  return Object.fromEntries(BLOCK_NAMES.map((b) => [b, 0])) as Record<BlockName, number>;
}

function zeroCategories(): Record<EnergyCategory, number> {
  return { crossbar: 0, dac: 0, adc: 0, shiftAdd: 0, other: 0, static: 0 };
}

/** Energy per block of a set of counts, the crossbar at `crossbarJoulesPerCellCycle` per programmed cell and input cycle. */
export function energyByBlock(
  counts: OperationCounts,
  arch: ResolvedArchitecture,
  crossbarJoulesPerCellCycle: number,
): Record<BlockName, number> {
  const e = (b: BlockName): number => arch.inventory[b].unit.energyPerOperationJoules;
  const out = zeroBlocks();
  out.array = counts.cellCycles * crossbarJoulesPerCellCycle;
  out.dac = counts.dacConversions * e('dac');
  out.sampleHold = counts.sampleHoldSamples * e('sampleHold');
  out.adc = counts.adConversions * e('adc');
  out.shiftAdd = counts.shiftAddOps * e('shiftAdd');
  out.nnsa = counts.nnsaOps * e('nnsa');
  out.tia = counts.tiaOps * e('tia');
  out.bufferArray = counts.bufferWrites * e('bufferArray');
  out.summingAmplifier = counts.summingAmplifierOps * e('summingAmplifier');
  out.inputRegister = counts.inputRegisterBits * e('inputRegister');
  out.outputRegister = counts.outputRegisterBits * e('outputRegister');
  out.edram = counts.edramBits * e('edram');
  out.bus = counts.busBits * e('bus');
  out.router = counts.routerBits * e('router');
  out.activation = counts.activationOps * e('activation');
  out.tileShiftAdd = counts.tileShiftAddOps * e('tileShiftAdd');
  out.maxPool = counts.poolingReads * e('maxPool');
  out.tileOutputRegister = counts.tileOutputRegisterBits * e('tileOutputRegister');
  out.hyperTransport = counts.hyperTransportBits * e('hyperTransport');
  return out;
}

/** Energy per block summed into the report's categories ({@link BLOCK_CATEGORY}). */
export function categorize(byBlock: Record<BlockName, number>): Record<EnergyCategory, number> {
  const c = zeroCategories();
  for (const b of BLOCK_NAMES) c[BLOCK_CATEGORY[b]] += byBlock[b];
  return c;
}

/** The work of a workload outside its crossbar layers: pooling, tile-level adds, chip-to-chip traffic. */
export function workloadLevelCounts(
  w: Pick<Workload, 'poolingReads' | 'elementwiseOps'>,
  placement: Pick<Placement, 'interChipBits'>,
): OperationCounts {
  const extra = zeroCounts();
  extra.poolingReads = w.poolingReads;
  extra.tileShiftAddOps = w.elementwiseOps;
  extra.hyperTransportBits = placement.interChipBits;
  return extra;
}

/** Evaluates one workload on one resolved architecture. */
export function evaluateWorkload(
  arch: ResolvedArchitecture,
  lib: ComponentLibrary,
  w: Workload,
  opts: EvaluateOptions = {},
): WorkloadResult {
  if (opts.layerActivity) {
    const names = new Set(w.layers.map((l) => l.name));
    for (const n of Object.keys(opts.layerActivity)) ensure(names.has(n), `activity given for layer '${n}', which ${w.name} does not have`);
  }
  const placement = placeWorkload(w, arch, opts.chips);
  const total = zeroCounts();
  const blocks = zeroBlocks();
  const layers: LayerResult[] = [];
  let latencyCycles = 0;
  let usedArrays = 0;
  placement.mappings.forEach((m, i) => {
    const counts = layerCounts(m, arch);
    const activity = activityOf(m.layer.name, opts);
    const perCell = cellReadEnergy(arch, activity);
    const byBlock = energyByBlock(counts, arch, perCell);
    for (const b of BLOCK_NAMES) blocks[b] += byBlock[b];
    addCounts(total, counts);
    const copies = placement.copies[i];
    const cycles = Math.ceil(m.layer.positions / copies);
    latencyCycles += m.layer.sequential ? 2 * m.layer.positions : cycles + 1;
    usedArrays += copies * m.arraysPerCopy;
    if (opts.includeLayers) {
      const cat = categorize(byBlock);
      layers.push({
        name: m.layer.name,
        kind: m.layer.kind,
        macs: layerMacs(m.layer),
        arraysPerCopy: m.arraysPerCopy,
        copies,
        cyclesPerInference: cycles,
        activity,
        counts,
        energyJoules: Object.values(cat).reduce((s, v) => s + v, 0),
        energyByCategory: cat,
      });
    }
  });
  // Workload-level digital work and chip-to-chip traffic.
  const extra = workloadLevelCounts(w, placement);
  const extraBlocks = energyByBlock(extra, arch, 0);
  for (const b of BLOCK_NAMES) blocks[b] += extraBlocks[b];
  addCounts(total, extra);

  // Static power is drawn over the time the run occupies the chips: in a stream of inferences one
  // inference occupies them for one throughput interval (the bottleneck layer's cycles).
  const secondsPerInference = placement.bottleneckCycles * arch.pipelineCycleSeconds;
  const staticEnergy = staticEnergyJoules(placement.chips * arch.chipStaticPowerWatts, secondsPerInference);
  const byCategory = categorize(blocks);
  byCategory.static += staticEnergy;
  const energy = Object.values(byCategory).reduce((s, v) => s + v, 0);
  const macs = workloadMacs(w);
  const inferencesPerSecond = 1 / secondsPerInference;
  const gops = (2 * macs * inferencesPerSecond) / 1e9;
  const area = placement.chips * arch.chipAreaSquareMetres;
  return {
    architecture: arch.name,
    workload: w.name,
    title: w.title,
    macs,
    chips: placement.chips,
    areaSquareMetres: area,
    baseArrays: placement.baseArrays,
    arrayUtilization: usedArrays / placement.budgetArrays,
    bottleneckCycles: placement.bottleneckCycles,
    pipelineCycleSeconds: arch.pipelineCycleSeconds,
    inferencesPerSecond,
    gops,
    latencySeconds: latencyCycles * arch.pipelineCycleSeconds,
    energyJoules: energy,
    dynamicEnergyJoules: energy - staticEnergy,
    staticEnergyJoules: staticEnergy,
    energyByCategory: byCategory,
    energyByBlock: blocks,
    counts: total,
    gopsPerWatt: (2 * macs) / energy / 1e9,
    gopsPerSquareMillimetre: gops / (area / 1e-6),
    averagePowerWatts: energy * inferencesPerSecond,
    ...(opts.includeLayers ? { layers } : {}),
  };
}

/** Peak figures of one chip. */
export interface PeakFigures {
  gops: number;
  /** Sum of every unit's rated power (ISAAC's convention), watts. */
  ratedPowerWatts: number;
  ratedGopsPerWatt: number;
  /**
   * Power with every array running products back to back at the reference activity, each array
   * with its own inputs (no sharing of eDRAM reads), plus static power, watts.
   */
  operatingPowerWatts: number;
  operatingGopsPerWatt: number;
  gopsPerSquareMillimetre: number;
}

/** Peak figures of one chip of `arch`. */
export function peakFigures(arch: ResolvedArchitecture, _lib?: ComponentLibrary): PeakFigures {
  const full = mapLayer(
    { name: 'peak', kind: 'fc', groups: 1, rowsPerGroup: arch.spec.array.rows, outputsPerGroup: arch.weightGroupsPerArray, positions: 1 },
    arch,
  );
  const perProduct = Object.values(energyByBlock(layerCounts(full, arch), arch, cellReadEnergy(arch, DEFAULT_ACTIVITY))).reduce(
    (s, v) => s + v,
    0,
  );
  const operating = (perProduct * arch.arraysPerChip) / arch.pipelineCycleSeconds + arch.chipStaticPowerWatts;
  return {
    gops: arch.peak.gops,
    ratedPowerWatts: arch.chipRatedPowerWatts,
    ratedGopsPerWatt: arch.peak.gopsPerWatt,
    operatingPowerWatts: operating,
    operatingGopsPerWatt: arch.peak.gops / operating,
    gopsPerSquareMillimetre: arch.peak.gopsPerSquareMillimetre,
  };
}

/** Ratios of one architecture to a baseline. */
export interface Ratios {
  energyEfficiency: number;
  throughput: number;
  areaEfficiency: number;
  /** Baseline energy per inference / this one's (> 1 = less energy). */
  energySaving: number;
}

/** Averages of one architecture over the workloads. */
export interface ArchitectureSummary {
  architecture: string;
  /** Arithmetic means over the workloads. */
  mean: { energyJoules: number; latencySeconds: number; gops: number; gopsPerWatt: number; gopsPerSquareMillimetre: number };
  /** Mean over workloads of each category's share of the energy. */
  energyShare: Record<EnergyCategory, number>;
  /**
   * The NNS+As' share of the energy (mean over workloads, static included in the total) and of
   * the chip area; null for an architecture without NNS+As.
   */
  nnsaShare: { energy: number; area: number } | null;
  /** Per baseline: per-workload ratios and their geometric mean. */
  ratios: Record<string, { perWorkload: Record<string, Ratios>; geomean: Ratios }>;
}

/** A comparison of several architectures on several workloads. */
export interface Comparison {
  architectures: ResolvedArchitecture[];
  /** Peak figures per architecture (same order). */
  peaks: PeakFigures[];
  /** How the number of chips per workload was chosen. */
  chipsPolicy: ChipsPolicy;
  workloads: string[];
  /** results[a][w]: architecture a (in order), workload w (in order). */
  results: WorkloadResult[][];
  summaries: ArchitectureSummary[];
  baselines: string[];
  warnings: string[];
  notes: string[];
}

/**
 * Chips per workload in a comparison: `equal` gives every architecture the same number of its
 * (equal-area) chips — the most any of them needs to hold the network — so that all compete on
 * the same silicon; `fewest` gives each the fewest chips that hold the network.
 */
export type ChipsPolicy = 'equal' | 'fewest';

function geomean(xs: number[]): number {
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

function ratios(r: WorkloadResult, base: WorkloadResult): Ratios {
  return {
    energyEfficiency: r.gopsPerWatt / base.gopsPerWatt,
    throughput: r.gops / base.gops,
    areaEfficiency: r.gopsPerSquareMillimetre / base.gopsPerSquareMillimetre,
    energySaving: base.energyJoules / r.energyJoules,
  };
}

/**
 * Evaluates every workload on every architecture and summarizes: arithmetic means of the
 * figures, mean energy shares, and ratios to each baseline present among `architectures`
 * (default baselines: `isaac` and `cascade`), averaged as geometric means over the workloads.
 */
export function compareArchitectures(
  architectures: ResolvedArchitecture[],
  lib: ComponentLibrary,
  workloads: Workload[],
  opts: EvaluateOptions & {
    baselines?: string[];
    chipsPolicy?: ChipsPolicy;
    /** Per-workload, per-layer activity (overrides `layerActivity` for the workloads it names). */
    workloadActivity?: Readonly<Record<string, Readonly<Record<string, Partial<LayerActivity>>>>>;
  } = {},
): Comparison {
  ensure(architectures.length > 0, 'no architecture to evaluate');
  ensure(workloads.length > 0, 'no workload to evaluate');
  const chipsPolicy = opts.chipsPolicy ?? 'equal';
  const chips = workloads.map(
    (w) => opts.chips ?? (chipsPolicy === 'equal' ? Math.max(...architectures.map((a) => minimumChips(w, a))) : undefined),
  );
  const results = architectures.map((a) =>
    workloads.map((w, wi) =>
      evaluateWorkload(a, lib, w, { ...opts, chips: chips[wi], layerActivity: opts.workloadActivity?.[w.name] ?? opts.layerActivity }),
    ),
  );
  const present = new Set(architectures.map((a) => a.name));
  const baselines = (opts.baselines ?? ['isaac', 'cascade']).filter((b) => present.has(b));
  const summaries = architectures.map((a, ai): ArchitectureSummary => {
    const rs = results[ai];
    const mean = (f: (r: WorkloadResult) => number): number => rs.reduce((s, r) => s + f(r), 0) / rs.length;
    const energyShare = zeroCategories();
    for (const r of rs) for (const c of ENERGY_CATEGORIES) energyShare[c] += r.energyByCategory[c] / r.energyJoules / rs.length;
    const rat: ArchitectureSummary['ratios'] = {};
    for (const b of baselines) {
      const bi = architectures.findIndex((x) => x.name === b);
      const perWorkload: Record<string, Ratios> = {};
      rs.forEach((r, wi) => (perWorkload[r.workload] = ratios(r, results[bi][wi])));
      const list = Object.values(perWorkload);
      rat[b] = {
        perWorkload,
        geomean: {
          energyEfficiency: geomean(list.map((x) => x.energyEfficiency)),
          throughput: geomean(list.map((x) => x.throughput)),
          areaEfficiency: geomean(list.map((x) => x.areaEfficiency)),
          energySaving: geomean(list.map((x) => x.energySaving)),
        },
      };
    }
    return {
      architecture: a.name,
      mean: {
        energyJoules: mean((r) => r.energyJoules),
        latencySeconds: mean((r) => r.latencySeconds),
        gops: mean((r) => r.gops),
        gopsPerWatt: mean((r) => r.gopsPerWatt),
        gopsPerSquareMillimetre: mean((r) => r.gopsPerSquareMillimetre),
      },
      energyShare,
      nnsaShare:
        a.inventory.nnsa.unitsPerChip > 0
          ? {
              energy: mean((r) => r.energyByBlock.nnsa / r.energyJoules),
              area: a.areaByBlockSquareMetres.nnsa / a.chipAreaSquareMetres,
            }
          : null,
      ratios: rat,
    };
  });
  return {
    architectures,
    peaks: architectures.map((a) => peakFigures(a, lib)),
    chipsPolicy,
    workloads: workloads.map((w) => w.name),
    results,
    summaries,
    baselines,
    warnings: architectures.flatMap((a) => a.warnings),
    notes: architectures.flatMap((a) => a.notes),
  };
}
