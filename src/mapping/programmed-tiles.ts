/**
 * Programming a quantized DNN layer onto crossbar tiles (docs/reference.md §3–4): weights sliced into
 * P_R-bit cells, positive and negative slices in adjacent columns (column (j·S + s)·2 + p for
 * weight column j, slice s, polarity p ∈ {0: +, 1: −}), fan-in split into tiles of `arrayRows`
 * rows whose digital outputs are added. Each device is programmed once per Monte Carlo draw
 * (persistent variation, faults, drift); the result is kept as a dense matrix in units of one
 * level step, with the nominal G_min subtracted (the reference current of the sensing circuit), so
 * nominal devices give exactly the integer cell values.
 *
 * Slicing, layout, random streams and programming are the mapper's (`mapping/dnn-weights.ts`,
 * shared with `npim export`); this file only turns programmed conductances into the simulator's
 * level-step matrices.
 */
import type { Rng } from '../core/rng.ts';
import { gMinSiemens, levelConductance, type RramConfig } from '../device/rram.ts';
import type { QuantizedCrossbar, QuantizedNetwork } from '../dnn/quantize.ts';
import { isCrossbar } from '../dnn/network.ts';
import { layerProgrammingRng, programLevels, rowBlockLevels, rowBlockStreamLabel } from './dnn-weights.ts';

/** One array's worth of rows of a layer. */
export interface ProgrammedTile {
  /** First fan-in row of the tile. */
  rowStart: number;
  rows: number;
  /** Conductances in level steps, nominal G_min subtracted, row-major [rows × columns]. */
  levels: Float32Array;
  /** Per-read variance of each device in level steps² (only when read noise is on). */
  readVariance: Float32Array | null;
  /** Summed programmed conductance of each row's devices (both of every pair), siemens: the read drive's load. */
  rowSiemens: Float64Array;
}

/** A programmed crossbar layer. */
export interface ProgrammedLayer {
  fanIn: number;
  fanOut: number;
  /** Weight slices S = ⌈8/P_R⌉. */
  slices: number;
  cellBits: number;
  /**
   * Matrix columns: fanOut·S·2 physical columns (paired layout), or fanOut·S signed column pairs
   * (differential layout: g⁺ − g⁻, all a differential sensing circuit sees, half the arithmetic).
   */
  columns: number;
  differential: boolean;
  tiles: ProgrammedTile[];
}

/** Weight magnitude bits (8). */
export const WEIGHT_MAGNITUDE_BITS = 8;

/**
 * Programs `layer` (integer codes [fanIn × fanOut]) onto tiles of `arrayRows` rows. With
 * `differential`, each column pair is returned as the one signed matrix g⁺ − g⁻ (and the sum of
 * the two devices' read variances), indexed j·S + s.
 */
export function programLayer(
  layer: QuantizedCrossbar,
  device: RramConfig,
  arrayRows: number,
  rng: Rng,
  differential = false,
): ProgrammedLayer {
  const cellBits = device.levelBits;
  const slices = Math.ceil(WEIGHT_MAGNITUDE_BITS / cellBits);
  const mask = 2 ** cellBits - 1;
  const columns = layer.fanOut * slices * 2;
  const gMin = gMinSiemens(device);
  const step = (device.gMaxSiemens - gMin) / mask;
  const tiles: ProgrammedTile[] = [];
  for (let rowStart = 0, t = 0; rowStart < layer.fanIn; rowStart += arrayRows, t++) {
    const rows = Math.min(arrayRows, layer.fanIn - rowStart);
    const levelIndex = rowBlockLevels(layer.weights, layer.fanOut, rowStart, rows, WEIGHT_MAGNITUDE_BITS, cellBits);
    const g = programLevels(levelIndex, device, rng.fork(rowBlockStreamLabel(t))).programmedSiemens;
    const width = differential ? columns / 2 : columns;
    const levels = new Float32Array(rows * width);
    const readVariance = device.readNoiseSigma > 0 ? new Float32Array(rows * width) : null;
    const variance = (x: number): number => ((device.readNoiseSigma * x) / step) ** 2;
    const rowSiemens = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let c = r * columns; c < (r + 1) * columns; c++) sum += g[c];
      rowSiemens[r] = sum;
    }
    if (differential) {
      for (let i = 0; i < levels.length; i++) {
        levels[i] = (g[2 * i] - g[2 * i + 1]) / step;
        if (readVariance) readVariance[i] = variance(g[2 * i]) + variance(g[2 * i + 1]);
      }
    } else {
      for (let i = 0; i < g.length; i++) {
        levels[i] = (g[i] - gMin) / step;
        if (readVariance) readVariance[i] = variance(g[i]);
      }
    }
    tiles.push({ rowStart, rows, levels, readVariance, rowSiemens });
  }
  return { fanIn: layer.fanIn, fanOut: layer.fanOut, slices, cellBits, columns: differential ? columns / 2 : columns, differential, tiles };
}

/** Summed conductance of each fan-in row's devices of a layer programmed exactly (nominal levels), siemens. */
export function nominalRowSiemens(layer: QuantizedCrossbar, device: RramConfig): Float64Array {
  const cellBits = device.levelBits;
  const table = Array.from({ length: 2 ** cellBits }, (_, i) => levelConductance(device, i));
  const levels = rowBlockLevels(layer.weights, layer.fanOut, 0, layer.fanIn, WEIGHT_MAGNITUDE_BITS, cellBits);
  const width = levels.length / layer.fanIn;
  const out = new Float64Array(layer.fanIn);
  for (let k = 0; k < layer.fanIn; k++) for (let c = k * width; c < (k + 1) * width; c++) out[k] += table[levels[c]];
  return out;
}

/** Summed programmed conductance of each fan-in row of a programmed layer, siemens. */
export function programmedRowSiemens(prog: ProgrammedLayer): Float64Array {
  const out = new Float64Array(prog.fanIn);
  for (const t of prog.tiles) out.set(t.rowSiemens, t.rowStart);
  return out;
}

/**
 * Programs every crossbar layer of `net` for the draw with seed `drawSeed` (layer i from
 * {@link layerProgrammingRng}), as [layer index, programmed layer] pairs.
 */
export function programNetwork(
  net: QuantizedNetwork,
  device: RramConfig,
  arrayRows: number,
  drawSeed: number,
  differential: boolean,
): Array<[number, ProgrammedLayer]> {
  return net.layers.flatMap((l, index) =>
    isCrossbar(l)
      ? [
          [index, programLayer(l as QuantizedCrossbar, device, arrayRows, layerProgrammingRng(drawSeed, index), differential)] as [
            number,
            ProgrammedLayer,
          ],
        ]
      : [],
  );
}
