/**
 * Energy of a simulated run: the adapter from the events the simulator counted while it ran
 * (`dataflows/run-events.ts`) to the cost model's per-unit figures. Pure.
 *
 * Per crossbar layer, the operation counts are the cost model's own ({@link layerCounts} on the
 * same mapping), with the events the run counted put in place of the closed forms' assumptions:
 * - DAC conversions: the nonzero input slices the run drove, once per column tile of the row (a
 *   zero slice leaves its row at 0 V: the DAC does not switch and the row draws no current);
 * - A/D conversions: those the dataflow's executor performed, and the events that follow from them
 *   (S+A, sample-and-holds, NNS+A operations, TIA and buffer writes, output registers) through the
 *   dataflow's cost hook `layerEvents` on the counted (weight group, row tile) products;
 * - crossbar read energy: V_read²·t_read·Σ (v/V_read)²·G over the programmed conductances of the
 *   driven rows ({@link crossbarReadEnergyJoules}, the design's `crossbarRead`), the same device
 *   model the analytic path takes the expectation of ({@link expectedCellReadEnergyJoules}).
 * The data-independent movements (input and output registers, bus, eDRAM, routers, activation,
 * tile adds, pooling) are the closed forms of {@link layerCounts} on the run's layer shapes.
 * Latency, throughput and static energy are the cost model's placement of the same network
 * ({@link evaluateWorkload}).
 */
import { ensure } from '../core/errors.ts';
import type { LayerRunEvents } from '../dataflows/run-events.ts';
import { dataflowCostModel } from '../dataflows/index.ts';
import { BLOCK_NAMES, type BlockName, type ResolvedArchitecture } from './architectures.ts';
import type { ComponentLibrary } from './components.ts';
import { crossbarReadEnergyJoules } from './events.ts';
import { categorize, energyByBlock, evaluateWorkload, workloadLevelCounts, type EnergyCategory, type WorkloadResult } from './evaluate.ts';
import { addCounts, layerCounts, mapLayer, placeWorkload, zeroCounts, type LayerMapping, type OperationCounts } from './mapping.ts';
import type { Layer, Workload } from './workloads/index.ts';

/** A crossbar layer of a run: its shape and the events counted over the run's images. */
export interface RunLayer extends LayerRunEvents {
  layer: string;
  kind: 'dense' | 'conv2d';
  fanIn: number;
  fanOut: number;
}

/** What the run needs besides its layers. */
export interface RunEnergyOptions {
  /** Images the events were counted over. */
  images: number;
  /** Pooling window reads per inference (the cost model's `poolingReads`). */
  poolingReads?: number;
  /** Digital element-wise operations per inference. */
  elementwiseOps?: number;
  /** Workload name and title for the placement. */
  name?: string;
  title?: string;
}

/** Energy of one crossbar layer per inference. */
export interface RunLayerEnergy {
  layer: string;
  /** Products per inference (output positions). */
  positions: number;
  /** Charged operation counts per inference. */
  counts: OperationCounts;
  /** Crossbar read energy per programmed cell and input cycle from the counted drive, J. */
  crossbarJoulesPerCellCycle: number;
  /** Fraction of input-slice slots that drove a row. */
  drivenSliceFraction: number;
  energyJoules: number;
  energyByCategory: Record<EnergyCategory, number>;
}

/**
 * Energy, latency and throughput of a simulated run, per inference: the figures of the cost
 * model's {@link WorkloadResult}, from the run's counted events.
 */
export interface RunEnergy extends Pick<
  WorkloadResult,
  | 'chips'
  | 'energyJoules'
  | 'dynamicEnergyJoules'
  | 'staticEnergyJoules'
  | 'energyByCategory'
  | 'energyByBlock'
  | 'counts'
  | 'latencySeconds'
  | 'inferencesPerSecond'
  | 'gopsPerWatt'
> {
  architecture: string;
  dataflow: string;
  images: number;
  /** The cost model's analytic energy of the same network at its default activity, joules per inference. */
  analyticEnergyJoules: number;
  layers: RunLayerEnergy[];
}

/** The cost model's layer of a run layer (one group, positions = vectors per image). */
export function runLayerShape(l: RunLayer, images: number): Layer {
  const positions = l.inputVectors / images;
  ensure(Number.isInteger(positions) && positions >= 1, `layer ${l.layer}: ${l.inputVectors} input vectors over ${images} images`);
  return {
    name: l.layer,
    kind: l.kind === 'conv2d' ? 'conv' : 'fc',
    groups: 1,
    rowsPerGroup: l.fanIn,
    outputsPerGroup: l.fanOut,
    positions,
  };
}

/** The run's network as a cost-model workload. */
export function runWorkload(layers: RunLayer[], o: RunEnergyOptions): Workload {
  return {
    name: o.name ?? 'simulated',
    title: o.title ?? 'simulated network',
    description: 'the network of a simulated run',
    layers: layers.map((l) => runLayerShape(l, o.images)),
    poolingReads: o.poolingReads ?? 0,
    elementwiseOps: o.elementwiseOps ?? 0,
  };
}

/**
 * Operation counts per inference of one run layer on mapping `m`: the closed forms with the
 * counted DAC conversions, A/D conversions and the events the dataflow derives from them.
 */
export function countedLayerCounts(arch: ResolvedArchitecture, m: LayerMapping, l: RunLayer, images: number): OperationCounts {
  const c = layerCounts(m, arch);
  const groupArrays = l.groupProducts / images;
  const conversions = l.conversions / images;
  c.dacConversions = (l.drivenSlices / images) * m.columnTiles;
  c.adConversions = conversions;
  // The dataflow's events are linear in the products, so they apply to per-inference totals.
  Object.assign(
    c,
    dataflowCostModel(arch.dataflow).layerEvents({
      groupArrays,
      usedColumns: groupArrays * arch.columnsPerWeight,
      conversions,
      inputCycles: arch.inputCycles,
      weightSlices: arch.weightSlices,
      partialSumBits: arch.partialSumBits,
    }),
  );
  return c;
}

/**
 * Crossbar read energy per programmed cell and input cycle of a layer whose counted drive (Σ
 * (v/V_read)²·G over driven rows, per inference) spread over `cellCycles`: what `energyByBlock`
 * multiplies back by the cell cycles, so the layer is charged exactly V_read²·t_read·drive.
 */
export function countedCrossbarJoulesPerCellCycle(arch: ResolvedArchitecture, driveSiemens: number, cellCycles: number): number {
  return cellCycles === 0 ? 0 : crossbarReadEnergyJoules(arch.spec.crossbarRead, driveSiemens) / cellCycles;
}

/** Energy per inference, with its breakdown, latency and throughput, of a run's counted events on `arch`. */
export function runEnergy(arch: ResolvedArchitecture, lib: ComponentLibrary, layers: RunLayer[], o: RunEnergyOptions): RunEnergy {
  ensure(o.images >= 1, 'a run needs at least one image to cost');
  const w = runWorkload(layers, o);
  const analytic = evaluateWorkload(arch, lib, w);
  const placement = placeWorkload(w, arch, analytic.chips);
  const blocks = Object.fromEntries(BLOCK_NAMES.map((b) => [b, 0])) as Record<BlockName, number>;
  const total = zeroCounts();
  const perLayer = layers.map((l, i): RunLayerEnergy => {
    const m: LayerMapping = placement.mappings[i] ?? mapLayer(w.layers[i], arch);
    const counts = countedLayerCounts(arch, m, l, o.images);
    const factor = countedCrossbarJoulesPerCellCycle(arch, l.driveSiemens / o.images, counts.cellCycles);
    const byBlock = energyByBlock(counts, arch, factor);
    for (const b of BLOCK_NAMES) blocks[b] += byBlock[b];
    addCounts(total, counts);
    const byCategory = categorize(byBlock);
    return {
      layer: l.layer,
      positions: w.layers[i].positions,
      counts,
      crossbarJoulesPerCellCycle: factor,
      drivenSliceFraction: l.inputSliceSlots ? l.drivenSlices / l.inputSliceSlots : 0,
      energyJoules: Object.values(byCategory).reduce((a, b) => a + b, 0),
      energyByCategory: byCategory,
    };
  });
  const extra = workloadLevelCounts(w, placement);
  const extraBlocks = energyByBlock(extra, arch, 0);
  for (const b of BLOCK_NAMES) blocks[b] += extraBlocks[b];
  addCounts(total, extra);
  const byCategory = categorize(blocks);
  const dynamic = Object.values(byCategory).reduce((a, b) => a + b, 0);
  byCategory.static += analytic.staticEnergyJoules;
  const energy = dynamic + analytic.staticEnergyJoules;
  return {
    architecture: arch.name,
    dataflow: arch.dataflow,
    images: o.images,
    chips: analytic.chips,
    energyJoules: energy,
    dynamicEnergyJoules: dynamic,
    staticEnergyJoules: analytic.staticEnergyJoules,
    energyByCategory: byCategory,
    energyByBlock: blocks,
    counts: total,
    latencySeconds: analytic.latencySeconds,
    inferencesPerSecond: analytic.inferencesPerSecond,
    gopsPerWatt: (2 * analytic.macs) / energy / 1e9,
    analyticEnergyJoules: analytic.energyJoules,
    layers: perLayer,
  };
}
