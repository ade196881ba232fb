/**
 * What the cost model asks of a hardware dataflow module: the conversions per weight group the
 * design performs, its structural and throughput checks, and the events of one layer product the
 * cost model charges. The types are structural (the cost model's architecture satisfies them), so
 * this folder does not import the cost model.
 */
import { ensure, fail } from '../core/errors.ts';
import type { DataflowParams, WeightLayout } from './closed-forms.ts';

/** Utilization below which converters (and NNS+As) count as over-provisioned (a warning). */
export const UNDER_UTILIZATION_WARNING = 0.25;

/** The parts of an architecture specification a dataflow's cost hooks read. */
export interface CostDesign {
  name: string;
  array: { rows: number; columns: number };
  pe: {
    sampleHolds: number;
    shiftAdds: number;
    tias: number;
    bufferArrays: number;
    summingAmplifiers: number;
    nnsa?: { count: number; operationsPerSecond: number };
  };
  /** CASCADE-style summing-amplifier settings (only a cascade design may have them). */
  cascade?: { conversionsPerInputCycle: number | null };
}

/** A design being resolved: its figures so far, for the checks. */
export interface ResolveCheck {
  design: CostDesign;
  /** Arrays per PE. */
  arrays: number;
  groupsPerArray: number;
  groupsPerPe: number;
  columnsPerWeight: number;
  weightSlices: number;
  inputCycles: number;
  /** Conversions per weight group this design performs. */
  conversionsPerGroup: number;
  inputCycleSeconds: number;
  pipelineCycleSeconds: number;
  /** Operation rates of one unit, per second. */
  shiftAddOperationsPerSecond: number;
  summingAmplifierOperationsPerSecond: number;
}

/** One layer product of one group-array set: what the dataflow's events are counted from. */
export interface LayerEventInput {
  /** (weight group, row tile) pairs of the product. */
  groupArrays: number;
  usedColumns: number;
  /** A/D conversions of the product. */
  conversions: number;
  inputCycles: number;
  weightSlices: number;
  partialSumBits: number;
}

/** Per-product event counts a dataflow adds (keys of the cost model's operation counts). */
export type LayerEvents = Partial<
  Record<'sampleHoldSamples' | 'shiftAddOps' | 'outputRegisterBits' | 'tiaOps' | 'bufferWrites' | 'summingAmplifierOps' | 'nnsaOps', number>
>;

/** The cost model's hooks of a hardware dataflow. */
export interface DataflowCostModel {
  /** Bits of one conversion as built (magnitude plus a sign bit for signed pairs; `adcConverterBits`). */
  requiredAdcBits(p: DataflowParams, layout: WeightLayout): number;
  /** Conversions per weight group the design performs (the closed form unless the design merges some). */
  conversionsPerGroup(design: CostDesign, p: DataflowParams): number;
  /** Fails on settings that do not apply to this dataflow. */
  validateDesign(design: CostDesign): void;
  /** Fails when the PE lacks blocks the dataflow needs (after the DAC check). */
  checkStructure(c: ResolveCheck): void;
  /** The window the converters must keep up in: one input cycle (converting during the next) or one pipeline cycle (held values). */
  converterWindow: 'input-cycle' | 'pipeline-cycle';
  /** Throughput checks after the converters' (failing when a block cannot keep up, warning when over-provisioned); returns the NNS+A utilization, if any. */
  checkThroughput(c: ResolveCheck, warnings: string[]): number | null;
  /** Events of one product. */
  layerEvents(e: LayerEventInput): LayerEvents;
}

/** Fails if a non-CASCADE design carries CASCADE settings. */
export function rejectCascadeSettings(design: CostDesign): void {
  ensure(design.cascade === undefined, `architecture ${design.name}: 'cascade' settings apply to the cascade dataflow only`);
}

/** Fails when the PE's digital shift-and-add units cannot add the converted values of one pipeline cycle. */
export function checkShiftAdds(c: ResolveCheck): void {
  const sumsPerSecond = (c.groupsPerPe * c.conversionsPerGroup) / c.pipelineCycleSeconds;
  const sumCapacity = c.design.pe.shiftAdds * c.shiftAddOperationsPerSecond;
  if (sumsPerSecond > sumCapacity * (1 + 1e-9)) {
    fail(
      `architecture ${c.design.name}: S+A units cannot keep up: ${fmtRate(sumsPerSecond)} shift-and-adds needed per PE, ${c.design.pe.shiftAdds} unit(s) deliver ${fmtRate(sumCapacity)}`,
    );
  }
}

/** A duration for messages (µs or ns, 4 significant digits). */
export function fmtSeconds(s: number): string {
  return s >= 1e-6 ? `${+(s * 1e6).toPrecision(4)} µs` : `${+(s * 1e9).toPrecision(4)} ns`;
}

/** A rate for messages (G/s or M/s). */
export function fmtRate(hz: number): string {
  if (hz >= 1e9) return `${+(hz / 1e9).toPrecision(4)} G/s`;
  return `${+(hz / 1e6).toPrecision(4)} M/s`;
}

/** A count for messages (integer, or one decimal). */
export function fmtCount(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
