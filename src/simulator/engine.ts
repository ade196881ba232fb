/**
 * The per-draw execution engine of the simulator: everything one Monte Carlo draw needs to run a
 * quantized network on the simulated hardware, in a form that can be sent to a worker thread
 * (plain data and typed arrays), and the crossbar-product hook built from it.
 *
 * Random streams (read noise, buffer writes, injected noise) are forked per global batch index,
 * so a draw gives the same result however its images are split across workers.
 */
import { Rng } from '../core/rng.ts';
import { cascadeAccumulate, type TileGeometry } from '../dataflow/functional.ts';
import { exactMatmul, type CrossbarMatmul, type QuantizedCrossbar, type QuantizedNetwork } from '../dnn/quantize.ts';
import { disposeTileTensors, tileBitLines, tileDigitalSums, tileTensors, type TileTensors } from './bitlines.ts';
import { adcVerifyOf, dacBitsOf, nnsaTrimOf, type SimulationConfig } from './config.ts';
import {
  accumulateAnalog,
  convertAndAdd,
  disposePeripherals,
  instantiatePeripherals,
  type NeuralPimPeripherals,
  type PeripheralChips,
} from './neural-pim.ts';
import { buildLookupEngine } from './lookup-sums.ts';
import { programNetwork, type ProgrammedLayer } from './program.ts';

/** Input bits of the quantized networks (activation codes 0..255). */
export const INPUT_BITS = 8;

/** Per-layer settings chosen from calibration images (plain data). */
export interface Calibration {
  /** Neural-PIM converter range per crossbar layer index. */
  ranges: Array<[number, number]>;
  /** Neural-PIM bit-line sensing gain per crossbar layer index. */
  sensingGain: Array<[number, number]>;
  /** CASCADE buffer full scale per crossbar layer index. */
  bufferScale: Array<[number, number]>;
  /** Statistical mode: σ of a tile's digital partial sum per converter range. */
  statisticalSigma: Array<[number, number]>;
}

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

/** Conversions counted per crossbar layer index. */
export type ConversionCounts = Array<[number, { conversions: number; groupProducts: number }]>;

/** Whether a configuration programs crossbars (hardware path) for its draws. */
export function programsCrossbars(cfg: SimulationConfig): boolean {
  return cfg.dataflow !== 'ideal' && cfg.injectSinadDb === undefined && !(cfg.dataflow === 'neural-pim' && cfg.mode === 'statistical');
}

/** Programs every crossbar layer of `net` for one draw. */
export function programDraw(cfg: SimulationConfig, net: QuantizedNetwork, drawSeed: number): Array<[number, ProgrammedLayer]> {
  if (!programsCrossbars(cfg)) return [];
  return programNetwork(net, cfg.device, cfg.arrayRows, drawSeed, cfg.dataflow !== 'neural-pim');
}

/** Exact per-tile partial sums [tiles][rows × fanOut] of a layer for given input codes. */
export function tilePartialSums(layer: QuantizedCrossbar, codes: Uint8Array, rows: number, arrayRows: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let start = 0; start < layer.fanIn; start += arrayRows) {
    const end = Math.min(layer.fanIn, start + arrayRows);
    const acc = new Float64Array(rows * layer.fanOut);
    for (let r = 0; r < rows; r++) {
      for (let k = start; k < end; k++) {
        const q = codes[r * layer.fanIn + k];
        if (!q) continue;
        for (let j = 0; j < layer.fanOut; j++) acc[r * layer.fanOut + j] += q * layer.weights[k * layer.fanOut + j];
      }
    }
    out.push(acc);
  }
  return out;
}

/** A draw's hardware, ready to run batches: the crossbar-product hook, its counters, and cleanup. */
export interface DrawHardware {
  matmul: CrossbarMatmul;
  /** Call before each batch with its global index (streams are forked by it). */
  startBatch(batchIndex: number): void;
  counts(): ConversionCounts;
  dispose(): void;
}

/** Builds the crossbar-product hook of a draw (uploads the programmed tiles to the backend). */
export function drawHardware(plan: DrawPlan): DrawHardware {
  const { cfg } = plan;
  const dacBits = dacBitsOf(cfg);
  const ranges = new Map(plan.calibration.ranges);
  const gains = new Map(plan.calibration.sensingGain);
  const bufferScale = new Map(plan.calibration.bufferScale);
  const statSigma = new Map(plan.calibration.statisticalSigma);
  const drawRng = new Rng(plan.drawSeed);
  const isaacBits = (cellBits: number): number => cellBits + dacBits + Math.log2(cfg.arrayRows) - (cellBits === 1 || dacBits === 1 ? 1 : 0);
  // ISAAC-style layers without per-read noise run on lookup tables of the programmed devices
  // (lookup-sums.ts); the others, and any layer too large for the tables, on tfjs products.
  const lookup =
    cfg.dataflow === 'isaac' && cfg.device.readNoiseSigma === 0
      ? buildLookupEngine(plan.programmed, dacBits, INPUT_BITS, cfg.isaacAdcBits ?? isaacBits(cfg.device.levelBits))
      : null;
  const programmed = new Map<number, { prog: ProgrammedLayer; tensors: TileTensors[] }>(
    plan.programmed.map(([i, prog]) => [i, { prog, tensors: lookup?.has(i) ? [] : prog.tiles.map((t) => tileTensors(t, prog.columns)) }]),
  );
  const chips: PeripheralChips | null =
    cfg.dataflow === 'neural-pim' && plan.peripherals && cfg.mode === 'behavioral'
      ? instantiatePeripherals(
          plan.peripherals,
          cfg.varyPeripherals && cfg.device.programming.sigma > 0,
          cfg.device.programming.sigma,
          drawRng.fork('peripherals'),
          cfg.peripheralCorners === 'random-die',
          cfg.peripheralCalibration,
          adcVerifyOf(cfg),
          nnsaTrimOf(cfg),
        )
      : null;
  const counts = new Map<number, { conversions: number; groupProducts: number }>();
  let noiseRng = drawRng.fork('read-noise');
  let injectRng = drawRng.fork('inject');
  let bufferRng = drawRng.fork('buffer');

  const matmul: CrossbarMatmul = (layer, index, codes, rows) => {
    const count = counts.get(index) ?? { conversions: 0, groupProducts: 0 };
    counts.set(index, count);
    count.groupProducts += rows * layer.fanOut * Math.ceil(layer.fanIn / cfg.arrayRows);
    if (cfg.injectSinadDb !== undefined) {
      const acc = exactMatmul(layer, index, codes, rows);
      let max = 0;
      for (const v of acc) max = Math.max(max, Math.abs(v));
      const sd = max / 10 ** (cfg.injectSinadDb / 20);
      for (let i = 0; i < acc.length; i++) acc[i] += sd * injectRng.normal();
      return acc;
    }
    if (cfg.dataflow === 'ideal') return exactMatmul(layer, index, codes, rows);
    if (cfg.dataflow === 'neural-pim' && cfg.mode === 'statistical') {
      const sd = statSigma.get(ranges.get(index)!)! / gains.get(index)!;
      const acc = new Float64Array(rows * layer.fanOut);
      for (const part of tilePartialSums(layer, codes, rows, cfg.arrayRows)) {
        for (let i = 0; i < acc.length; i++) acc[i] += part[i] + sd * injectRng.normal();
        count.conversions += part.length;
      }
      return acc;
    }
    const { prog, tensors } = programmed.get(index)!;
    const acc = new Float64Array(rows * layer.fanOut);
    if (lookup?.has(index)) {
      lookup.digitalSums(index, codes, rows, acc);
      count.conversions += Math.ceil(INPUT_BITS / dacBits) * rows * layer.fanOut * prog.slices * prog.tiles.length;
      return acc;
    }
    const noise = cfg.device.readNoiseSigma > 0 ? noiseRng : null;
    prog.tiles.forEach((tile, t) => {
      const g: TileGeometry = {
        slices: Math.ceil(INPUT_BITS / dacBits),
        n: rows,
        fanOut: layer.fanOut,
        weightSlices: prog.slices,
        cellBits: prog.cellBits,
        dacBits,
      };
      if (cfg.dataflow === 'isaac' || cfg.dataflow === 'ideal') {
        // Converted and shifted on the backend: only the partial sums come back.
        const bits = cfg.dataflow === 'isaac' ? (cfg.isaacAdcBits ?? isaacBits(prog.cellBits)) : null;
        tileDigitalSums(
          tile,
          tensors[t],
          layer.fanOut,
          prog.slices,
          prog.cellBits,
          codes,
          rows,
          layer.fanIn,
          dacBits,
          INPUT_BITS,
          bits,
          noise,
          acc,
        );
        if (cfg.dataflow === 'isaac') count.conversions += g.slices * g.n * g.fanOut * g.weightSlices;
        return;
      }
      const bl = tileBitLines(tile, tensors[t], prog.columns, codes, rows, layer.fanIn, dacBits, INPUT_BITS, noise);
      switch (cfg.dataflow) {
        case 'cascade':
          count.conversions += cascadeAccumulate(
            bl,
            g,
            {
              bufferCellBits: cfg.bufferCellBits,
              bufferFullScale: bufferScale.get(index)!,
              adcBits: cfg.cascadeAdcBits ?? isaacBits(prog.cellBits) + Math.ceil(Math.log2(g.slices)),
              writeSigma: cfg.varyPeripherals ? cfg.device.programming.sigma : 0,
              normal: cfg.varyPeripherals && cfg.device.programming.sigma > 0 ? () => bufferRng.normal() : null,
            },
            acc,
          );
          break;
        case 'neural-pim': {
          const gain = gains.get(index)!;
          const y = accumulateAnalog(bl, g, chips!, cfg.arrayRows, gain);
          count.conversions += convertAndAdd(y, g, plan.peripherals!, chips!, ranges.get(index)!, cfg.arrayRows, acc, gain);
          break;
        }
      }
    });
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
    dispose: () => {
      for (const { tensors } of programmed.values()) tensors.forEach(disposeTileTensors);
      if (chips) disposePeripherals(chips);
    },
  };
}
