/** Helpers shared by the dataflow modules: the closed-form parameters of a simulation and uploads of programmed tiles. */
import { inputCycles, type DataflowParams } from './closed-forms.ts';
import type { QuantizedCrossbar } from '../dnn/quantize.ts';
import { integerMatmul } from '../dnn/network.ts';
import { disposeTileTensors, tileTensors, type TileTensors } from './bitlines.ts';
import { SIMULATED_OPERAND_BITS, type SimulationConfig } from '../chip/simulation-config.ts';
import type { ProgrammedLayer } from '../mapping/programmed-tiles.ts';
import type { TileGeometry } from './functional.ts';

/** Input bits of the simulated networks (activation codes 0..255). */
export const INPUT_BITS = SIMULATED_OPERAND_BITS;

/**
 * The closed forms' parameters of a simulation: 8-bit inputs and weight magnitudes, the
 * configured array rows, cell bits (default: the devices' level bits), DAC bits, output bits of
 * the Neural-PIM converter, and the simulated converters' flip encoding.
 */
export function simulationParams(cfg: SimulationConfig, dacBits: number, cellBits = cfg.device.levelBits): DataflowParams {
  return {
    inputBits: INPUT_BITS,
    weightBits: SIMULATED_OPERAND_BITS,
    outputBits: cfg.neuralPimAdcBits,
    log2Rows: Math.log2(cfg.arrayRows),
    cellBits,
    dacBits,
    flipEncoding: cfg.simulatedFlipEncoding,
  };
}

/** Input cycles T = ⌈P_I/P_D⌉ of a simulation (the closed form). */
export function simulationInputCycles(cfg: SimulationConfig, dacBits: number): number {
  return inputCycles(simulationParams(cfg, dacBits));
}

/** Programmed layers with their tiles uploaded to the backend. */
export interface UploadedLayers {
  get(index: number): { prog: ProgrammedLayer; tensors: TileTensors[] };
  dispose(): void;
}

/** Uploads the tiles of every programmed layer except those `skip` says are executed otherwise. */
export function uploadLayers(programmed: Array<[number, ProgrammedLayer]>, skip: (index: number) => boolean = () => false): UploadedLayers {
  const layers = new Map(
    programmed.map(([i, prog]) => [i, { prog, tensors: skip(i) ? [] : prog.tiles.map((t) => tileTensors(t, prog.columns)) }]),
  );
  return {
    get: (index) => layers.get(index)!,
    dispose: () => {
      for (const { tensors } of layers.values()) tensors.forEach(disposeTileTensors);
    },
  };
}

/** Per layer weight matrix: the weight rows of each tile of `arrayRows` rows (views, made once). */
const tileWeights = new WeakMap<Int16Array, Map<number, Int16Array[]>>();

/** Exact per-tile partial sums [tiles][rows × fanOut] of a layer for given input codes. */
export function tilePartialSums(layer: QuantizedCrossbar, codes: Uint8Array, rows: number, arrayRows: number): Float64Array[] {
  let byRows = tileWeights.get(layer.weights);
  if (!byRows) tileWeights.set(layer.weights, (byRows = new Map()));
  let parts = byRows.get(arrayRows);
  if (!parts) {
    parts = [];
    for (let start = 0; start < layer.fanIn; start += arrayRows)
      parts.push(layer.weights.subarray(start * layer.fanOut, Math.min(layer.fanIn, start + arrayRows) * layer.fanOut));
    byRows.set(arrayRows, parts);
  }
  const out: Float64Array[] = [];
  for (let start = 0, t = 0; start < layer.fanIn; start += arrayRows, t++) {
    const end = Math.min(layer.fanIn, start + arrayRows);
    const width = end - start;
    // The tile's columns of the codes, then the exact integer product (any order gives the same integers).
    const sub = new Uint8Array(rows * width);
    for (let r = 0; r < rows; r++) sub.set(codes.subarray(r * layer.fanIn + start, r * layer.fanIn + end), r * width);
    out.push(integerMatmul(sub, rows, width, parts[t], layer.fanOut));
  }
  return out;
}

/** The geometry of a programmed layer's tiles for a batch of `rows` input vectors. */
export function tileGeometry(
  prog: { slices: number; cellBits: number },
  inputCycles: number,
  rows: number,
  fanOut: number,
  dacBits: number,
): TileGeometry {
  return { slices: inputCycles, n: rows, fanOut, weightSlices: prog.slices, cellBits: prog.cellBits, dacBits };
}
