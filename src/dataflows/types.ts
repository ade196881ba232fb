/**
 * The interface every dataflow module implements: what the generic simulator engine (programming,
 * batching, workers, Monte Carlo) and the cost model ask of a dataflow. A module owns its closed
 * forms (through `dataflows/closed-forms.ts`), whether and how it programs crossbars, its per-layer
 * calibration, its functional execution of a layer's tiles and the event counts the cost model
 * charges. Adding a dataflow = one file implementing {@link Dataflow} + one line in `index.ts`.
 */
import type { Rng } from '../core/rng.ts';
import type { DataflowKind, DataflowParams } from './closed-forms.ts';
import type { QuantizedCrossbar } from '../dnn/quantize.ts';
import type { SimDataflow, SimulationConfig } from '../chip/simulation-config.ts';
import type { NeuralPimPeripherals } from './neural-pim-circuits.ts';
import type { ProgrammedLayer } from '../mapping/programmed-tiles.ts';
import type { DataflowCostModel } from './cost.ts';

/**
 * Per-layer settings a module chose from calibration images, as plain data (sent to worker
 * threads): named lists of [key, value] pairs, usually keyed by crossbar layer index.
 */
export type Calibration = Record<string, Array<[number, number]>>;

/** How a module's crossbars are programmed: both devices of a pair (`paired`), or the signed pair difference (`differential`). */
export type CrossbarForm = 'paired' | 'differential';

/** What a module knows about a run before any draw. */
export interface RunContext {
  cfg: SimulationConfig;
  /** DAC bits P_D of the run. */
  dacBits: number;
  /** Input cycles T = ⌈P_I/P_D⌉ (the closed form). */
  inputCycles: number;
  peripherals: NeuralPimPeripherals | null;
}

/** A crossbar layer's calibration inputs: the reference input codes of calibration images. */
export interface LayerCalibrationInput {
  index: number;
  layer: QuantizedCrossbar;
  codes: Uint8Array;
  rows: number;
}

/** Random streams of the current batch (replaced by the engine at every batch; read them at call time). */
export interface DrawStreams {
  readNoise(): Rng;
  inject(): Rng;
  buffer(): Rng;
}

/** What a module gets to execute one Monte Carlo draw. */
export interface DrawContext extends RunContext {
  calibration: Calibration;
  /** Programmed crossbar layers by layer index. */
  programmed: Array<[number, ProgrammedLayer]>;
  /** The draw's root generator (fork it; forks are pure). */
  drawRng: Rng;
  streams: DrawStreams;
}

/** A draw's execution of crossbar layers under one dataflow. */
export interface DataflowExecutor {
  /** The layer's digital accumulations [rows × fanOut] for input codes, and the A/D conversions performed. */
  matmul(layer: QuantizedCrossbar, index: number, codes: Uint8Array, rows: number): { acc: Float64Array; conversions: number };
  dispose(): void;
}

/** Per-layer settings a module reports in a simulation result (Neural-PIM: converter range and sensing gain). */
export interface LayerSettings {
  layer: string;
  rangeFraction: number;
  sensingGain: number;
  /** Common mode v⁺ + v⁻ of the layer's calibration stimulus, volts (Neural-PIM). */
  calibrationCommonModeVolts?: number;
}

/** One dataflow, for the simulator and (hardware dataflows) the cost model. */
export interface Dataflow {
  name: SimDataflow;
  /** The closed forms' dataflow kind (null: the exact reference, no hardware). */
  kind: DataflowKind | null;
  /** DAC bits when a configuration does not set them. */
  defaultDacBits: number;
  /** Whether a run needs the Neural-PIM peripheral models. */
  needsPeripherals(cfg: SimulationConfig): boolean;
  /** Fails (one-line user error) when a run cannot be simulated under this dataflow. */
  validate(run: RunContext): void;
  /** How the run's crossbars are programmed, or null when it programs none. */
  crossbarForm(cfg: SimulationConfig): CrossbarForm | null;
  /** Closed-form A/D conversions per weight group of one product (weight slices at `p.cellBits`). */
  conversionsPerGroup(p: DataflowParams): number;
  /** Per-layer settings from calibration inputs. */
  calibrate(run: RunContext, layers: LayerCalibrationInput[]): Calibration;
  /** Prepares a draw's execution (uploads programmed tiles, instantiates peripherals). */
  executor(draw: DrawContext): DataflowExecutor;
  /** Per-layer settings worth reporting, if any. */
  layerSettings?(calibration: Calibration, layers: Array<{ index: number; layer: QuantizedCrossbar }>): LayerSettings[];
  /** The cost model's hooks (hardware dataflows only). */
  cost?: DataflowCostModel;
}
