/**
 * The per-draw execution engine of the simulator: everything one Monte Carlo draw needs to run a
 * quantized network on the simulated hardware, in a form that can be sent to a worker thread
 * (plain data and typed arrays), and the crossbar-product hook built from it. The engine is
 * generic: how a dataflow programs, calibrates and executes a layer is its module's
 * (`src/dataflows/`).
 *
 * Random streams (read noise, buffer writes, injected noise) are forked per global batch index,
 * so a draw gives the same result however its images are split across workers.
 */
import { Rng } from '../core/rng.ts';
import { exactMatmul, type CrossbarMatmul, type QuantizedNetwork } from '../dnn/quantize.ts';
import { dacBitsOf, dataflowOf, type Calibration, type DataflowExecutor } from '../dataflows/index.ts';
import { simulationInputCycles } from '../dataflows/common.ts';
import type { SimulationConfig } from '../chip/simulation-config.ts';
import type { NeuralPimPeripherals } from '../dataflows/neural-pim-circuits.ts';
import { nominalRowSiemens, programmedRowSiemens, programNetwork, type ProgrammedLayer } from '../mapping/programmed-tiles.ts';
import { countDrive, sliceTables, zeroRunEvents, type LayerRunEvents } from '../dataflows/run-events.ts';
import { INPUT_BITS } from '../dataflows/common.ts';

export { INPUT_BITS, tilePartialSums } from '../dataflows/common.ts';
export type { Calibration } from '../dataflows/index.ts';

/** Everything a draw needs, sendable to a worker. */
export interface DrawPlan {
  cfg: SimulationConfig;
  net: QuantizedNetwork;
  calibration: Calibration;
  /** Programmed crossbar layers by layer index (absent for ideal / injection / statistical runs). */
  programmed: Array<[number, ProgrammedLayer]>;
  peripherals: NeuralPimPeripherals | null;
  /** Seed of the draw's random generator. */
  drawSeed: number;
}

/** Events counted per crossbar layer index (conversions, drive, structure; see `dataflows/run-events.ts`). */
export type ConversionCounts = Array<[number, LayerRunEvents]>;

/** Whether a configuration programs crossbars (hardware path) for its draws. */
export function programsCrossbars(cfg: SimulationConfig): boolean {
  return cfg.injectSinadDb === undefined && dataflowOf(cfg).crossbarForm(cfg) !== null;
}

/** Programs every crossbar layer of `net` for one draw. */
export function programDraw(cfg: SimulationConfig, net: QuantizedNetwork, drawSeed: number): Array<[number, ProgrammedLayer]> {
  if (!programsCrossbars(cfg)) return [];
  return programNetwork(net, cfg.device, cfg.arrayRows, drawSeed, dataflowOf(cfg).crossbarForm(cfg) === 'differential');
}

/** A draw's hardware, ready to run batches: the crossbar-product hook, its counters, and cleanup. */
export interface DrawHardware {
  matmul: CrossbarMatmul;
  /** Call before each batch with its global index (streams are forked by it). */
  startBatch(batchIndex: number): void;
  counts(): ConversionCounts;
  /** The events counted since the last call (or since the hardware was built), then starts from zero. */
  takeCounts(): ConversionCounts;
  dispose(): void;
}

/** Builds the crossbar-product hook of a draw (uploads the programmed tiles to the backend). */
export function drawHardware(plan: DrawPlan): DrawHardware {
  const { cfg } = plan;
  const dacBits = dacBitsOf(cfg);
  const drawRng = new Rng(plan.drawSeed);
  let noiseRng = drawRng.fork('read-noise');
  let injectRng = drawRng.fork('inject');
  let bufferRng = drawRng.fork('buffer');
  const executor: DataflowExecutor | null =
    cfg.injectSinadDb === undefined
      ? dataflowOf(cfg).executor({
          cfg,
          dacBits,
          inputCycles: simulationInputCycles(cfg, dacBits),
          peripherals: plan.peripherals,
          calibration: plan.calibration,
          programmed: plan.programmed,
          drawRng,
          streams: { readNoise: () => noiseRng, inject: () => injectRng, buffer: () => bufferRng },
        })
      : null;
  const counts = new Map<number, LayerRunEvents>();
  // The read drive's load: the draw's programmed conductances, or the nominal ones when the run programs none.
  const programmed = new Map(plan.programmed);
  const rowSiemens = new Map<number, Float64Array>();
  const tables = sliceTables(INPUT_BITS, dacBits);

  const matmul: CrossbarMatmul = (layer, index, codes, rows) => {
    const count = counts.get(index) ?? zeroRunEvents();
    counts.set(index, count);
    count.groupProducts += rows * layer.fanOut * Math.ceil(layer.fanIn / cfg.arrayRows);
    let siemens = rowSiemens.get(index);
    if (!siemens) {
      const prog = programmed.get(index);
      siemens = prog ? programmedRowSiemens(prog) : nominalRowSiemens(layer, cfg.device);
      rowSiemens.set(index, siemens);
    }
    countDrive(count, tables, codes, rows, layer.fanIn, siemens);
    if (!executor) {
      // SINAD injection instead of hardware.
      const acc = exactMatmul(layer, index, codes, rows);
      let max = 0;
      for (const v of acc) max = Math.max(max, Math.abs(v));
      const sd = max / 10 ** (cfg.injectSinadDb! / 20);
      for (let i = 0; i < acc.length; i++) acc[i] += sd * injectRng.normal();
      return acc;
    }
    const { acc, conversions } = executor.matmul(layer, index, codes, rows);
    count.conversions += conversions;
    return acc;
  };
  return {
    matmul,
    startBatch: (b) => {
      noiseRng = drawRng.fork('read-noise').fork(`b${b}`);
      injectRng = drawRng.fork('inject').fork(`b${b}`);
      bufferRng = drawRng.fork('buffer').fork(`b${b}`);
    },
    counts: () => [...counts].map(([i, c]) => [i, { ...c }]),
    takeCounts: () => {
      const out: ConversionCounts = [...counts].map(([i, c]) => [i, { ...c }]);
      counts.clear();
      return out;
    },
    dispose: () => executor?.dispose(),
  };
}
