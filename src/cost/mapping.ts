/**
 * Mapping of layers onto crossbar arrays, ISAAC-style replication to balance the layer
 * pipeline, and the per-layer operation counts of each dataflow.
 *
 * Mapping. One group's weight matrix (fan-in R rows × O outputs) spans ⌈R/rows⌉ row tiles ×
 * ⌈O/groupsPerArray⌉ column tiles; the digital partial sums of the row tiles are added by the
 * tile's S+A. Small groups (depthwise convolutions) are packed block-diagonally, as many per array
 * as both the rows and the weight groups allow, instead of wasting an array per channel.
 *
 * Replication. In a layer pipeline every layer copy performs one product per pipeline cycle, so
 * a layer with P positions on r copies needs ⌈P/r⌉ cycles per inference and the slowest layer
 * sets the throughput. As ISAAC does, layers are replicated to balance: the smallest bottleneck T
 * such that Σ arrays_i·⌈P_i/T⌉ fits the array budget is found by bisection, and r_i = ⌈P_i/T⌉.
 */
import { ensure } from '../core/errors.ts';
import { dataflowCostModel } from '../dataflows/index.ts';
import type { ResolvedArchitecture } from './architectures.ts';
import { layerMacs, type Layer, type Workload } from './workloads/index.ts';

/** How one copy of a layer sits on the arrays. */
export interface LayerMapping {
  layer: Layer;
  /** Row tiles of one group (1 when packed). */
  rowTiles: number;
  /** Column tiles of one group (1 when packed). */
  columnTiles: number;
  /** Groups packed block-diagonally into one array (1 = not packed). */
  groupsPerArray: number;
  /** Arrays one copy occupies. */
  arraysPerCopy: number;
}

/** Maps one layer for an architecture. */
export function mapLayer(layer: Layer, arch: ResolvedArchitecture): LayerMapping {
  const rows = arch.spec.array.rows;
  const perArray = arch.weightGroupsPerArray;
  const packing = Math.min(Math.floor(rows / layer.rowsPerGroup), Math.floor(perArray / layer.outputsPerGroup));
  if (layer.groups > 1 && packing >= 2) {
    return { layer, rowTiles: 1, columnTiles: 1, groupsPerArray: packing, arraysPerCopy: Math.ceil(layer.groups / packing) };
  }
  const rowTiles = Math.ceil(layer.rowsPerGroup / rows);
  const columnTiles = Math.ceil(layer.outputsPerGroup / perArray);
  return { layer, rowTiles, columnTiles, groupsPerArray: 1, arraysPerCopy: layer.groups * rowTiles * columnTiles };
}

/**
 * Smallest bottleneck T (pipeline cycles per inference of the slowest layer) such that replicating
 * every layer to ⌈P_i/T⌉ copies fits in `budgetArrays`; returns T and the copies. Fails if not even
 * one copy of each layer fits.
 */
export function balanceReplication(
  positions: readonly number[],
  arraysPerCopy: readonly number[],
  budgetArrays: number,
): { bottleneckCycles: number; copies: number[] } {
  ensure(positions.length === arraysPerCopy.length, 'replication: positions and arrays differ in length');
  const cost = (t: number): number => {
    let s = 0;
    for (let i = 0; i < positions.length; i++) s += arraysPerCopy[i] * Math.ceil(positions[i] / t);
    return s;
  };
  let hi = Math.max(1, ...positions);
  ensure(cost(hi) <= budgetArrays, `the network needs ${cost(hi)} arrays, the chips hold ${budgetArrays}`);
  let lo = 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (cost(mid) <= budgetArrays) hi = mid;
    else lo = mid + 1;
  }
  return { bottleneckCycles: lo, copies: positions.map((p) => Math.ceil(p / lo)) };
}

/** Per-inference operation counts (all fields are totals per inference). */
export interface OperationCounts {
  /** Array products (one array running all its input cycles once). */
  arrayProducts: number;
  /** Cell-input-cycles: occupied cells × input cycles (drives the crossbar energy). */
  cellCycles: number;
  dacConversions: number;
  sampleHoldSamples: number;
  adConversions: number;
  /** Digital shift-and-adds of converted values (PE S+A). */
  shiftAddOps: number;
  nnsaOps: number;
  tiaOps: number;
  bufferWrites: number;
  summingAmplifierOps: number;
  inputRegisterBits: number;
  outputRegisterBits: number;
  edramBits: number;
  busBits: number;
  routerBits: number;
  activationOps: number;
  /** Adds of row-tile partial outputs, residual adds, LSTM cell updates (tile S+A). */
  tileShiftAddOps: number;
  poolingReads: number;
  tileOutputRegisterBits: number;
  hyperTransportBits: number;
}

/** Zeroed counts. */
export function zeroCounts(): OperationCounts {
  return {
    arrayProducts: 0,
    cellCycles: 0,
    dacConversions: 0,
    sampleHoldSamples: 0,
    adConversions: 0,
    shiftAddOps: 0,
    nnsaOps: 0,
    tiaOps: 0,
    bufferWrites: 0,
    summingAmplifierOps: 0,
    inputRegisterBits: 0,
    outputRegisterBits: 0,
    edramBits: 0,
    busBits: 0,
    routerBits: 0,
    activationOps: 0,
    tileShiftAddOps: 0,
    poolingReads: 0,
    tileOutputRegisterBits: 0,
    hyperTransportBits: 0,
  };
}

/** Adds `b` into `a` (scaled by `k`). */
export function addCounts(a: OperationCounts, b: OperationCounts, k = 1): void {
  for (const key of Object.keys(a) as Array<keyof OperationCounts>) a[key] += k * b[key];
}

/**
 * Operation counts of one layer per inference, under the architecture's dataflow.
 *
 * Per product of one copy (then × positions): every used row gets one DAC conversion per input
 * cycle in every array it appears in; every (weight group, row tile) pair — a "group-array" —
 * gets the dataflow's conversions per group; ISAAC-style adds each converted value into a
 * register (S+A), CASCADE-style senses every bit-line pair with a TIA into a buffer cell each
 * cycle and reads each conversion through a summing amplifier, Neural-PIM runs one NNS+A
 * operation per group-array per input cycle. Data movement: inputs are read from eDRAM once per
 * product (no sliding-window reuse is assumed), sent over the bus to every PE holding a column
 * tile of them (⌈column tiles / arrays per PE⌉ deliveries), read bit-serially from the input
 * register by every array; partial sums (`partialSumBits`) go back over the bus into the tile's
 * output register, are added across row tiles by the tile S+A, activated, written to eDRAM
 * (P_O bits) and sent `routerHopsPerTransfer` hops to the next layer; a copy whose row tiles
 * spill over several tiles sends its partial sums through the routers too.
 */
export function layerCounts(m: LayerMapping, arch: ResolvedArchitecture): OperationCounts {
  const l = m.layer;
  const spec = arch.spec;
  const t = arch.inputCycles;
  const packed = m.groupsPerArray > 1;
  const inputs = l.groups * l.rowsPerGroup;
  const outputs = l.groups * l.outputsPerGroup;
  const usedRows = packed ? inputs : inputs * m.columnTiles;
  const groupArrays = packed ? outputs : outputs * m.rowTiles;
  const usedColumns = groupArrays * arch.columnsPerWeight;
  const cells = inputs * l.outputsPerGroup * arch.columnsPerWeight;
  const conversions = groupArrays * arch.conversionsPerGroup;
  const psum = arch.partialSumBits;
  const pI = spec.precision.inputBits;
  const pO = spec.precision.outputBits;
  const deliveries = packed ? 1 : Math.ceil(m.columnTiles / arch.arraysPerPe);
  const tilesPerColumn = packed ? 1 : Math.ceil(m.rowTiles / arch.arraysPerTile);

  const c = zeroCounts();
  c.arrayProducts = m.arraysPerCopy;
  c.cellCycles = cells * t;
  c.dacConversions = usedRows * t;
  c.adConversions = conversions;
  Object.assign(
    c,
    dataflowCostModel(arch.dataflow).layerEvents({
      groupArrays,
      usedColumns,
      conversions,
      inputCycles: t,
      weightSlices: arch.weightSlices,
      partialSumBits: psum,
    }),
  );
  c.inputRegisterBits = inputs * pI * deliveries + usedRows * pI;
  c.busBits = inputs * pI * deliveries + groupArrays * psum;
  c.tileOutputRegisterBits = 2 * groupArrays * psum;
  c.tileShiftAddOps = groupArrays - outputs;
  c.activationOps = outputs;
  c.edramBits = inputs * pI + outputs * pO;
  c.routerBits = outputs * pO * spec.tile.routerHopsPerTransfer + outputs * psum * (tilesPerColumn - 1);
  const scaled = zeroCounts();
  addCounts(scaled, c, l.positions);
  return scaled;
}

/** A workload placed on an architecture's chips. */
export interface Placement {
  mappings: LayerMapping[];
  chips: number;
  /** Arrays one copy of every layer needs. */
  baseArrays: number;
  budgetArrays: number;
  bottleneckCycles: number;
  copies: number[];
  /** Bits crossing chip boundaries per inference (HyperTransport). */
  interChipBits: number;
}

/**
 * Places a workload: maps every layer, takes the fewest chips that hold one copy of every layer
 * (or `chips` if given), and replicates within all their arrays. Inter-chip traffic: one copy of
 * each layer is laid out in order over the chips; a layer whose successor starts on another chip
 * sends its activations over HyperTransport, and a layer spread over k chips sends its partial
 * sums across k − 1 boundaries (replicas are assumed to sit with their original).
 */
export function placeWorkload(w: Workload, arch: ResolvedArchitecture, chips?: number): Placement {
  ensure(w.layers.length > 0, `workload ${w.name} has no layers`);
  const mappings = w.layers.map((l) => mapLayer(l, arch));
  const baseArrays = mappings.reduce((s, m) => s + m.arraysPerCopy, 0);
  const minChips = Math.ceil(baseArrays / arch.arraysPerChip);
  const n = chips ?? minChips;
  ensure(Number.isInteger(n) && n >= 1, `chips must be a positive integer, got ${n}`);
  ensure(
    n >= minChips,
    `${w.name} needs ${baseArrays} arrays on ${arch.name}: at least ${minChips} chip(s) of ${arch.arraysPerChip} arrays, got ${n}`,
  );
  const budgetArrays = n * arch.arraysPerChip;
  const { bottleneckCycles, copies } = balanceReplication(
    mappings.map((m) => m.layer.positions),
    mappings.map((m) => m.arraysPerCopy),
    budgetArrays,
  );
  let interChipBits = 0;
  if (n > 1) {
    let start = 0;
    const spans = mappings.map((m) => {
      const first = Math.floor(start / arch.arraysPerChip);
      start += m.arraysPerCopy;
      const last = Math.floor((start - 1) / arch.arraysPerChip);
      return { first, last };
    });
    mappings.forEach((m, i) => {
      const outputs = m.layer.groups * m.layer.outputsPerGroup * m.layer.positions;
      interChipBits += (spans[i].last - spans[i].first) * outputs * arch.partialSumBits;
      if (i + 1 < mappings.length && spans[i + 1].first !== spans[i].last) interChipBits += outputs * arch.spec.precision.outputBits;
    });
  }
  return { mappings, chips: n, baseArrays, budgetArrays, bottleneckCycles, copies, interChipBits };
}

/** The fewest chips of `arch` that hold one copy of every layer of `w`. */
export function minimumChips(w: Workload, arch: ResolvedArchitecture): number {
  const arrays = w.layers.reduce((s, l) => s + mapLayer(l, arch).arraysPerCopy, 0);
  return Math.max(1, Math.ceil(arrays / arch.arraysPerChip));
}

/** MACs of the mapped layers (sanity: equals the workload's MACs). */
export function placementMacs(p: Placement): number {
  return p.mappings.reduce((s, m) => s + layerMacs(m.layer), 0);
}
