/**
 * Neural-PIM analog accumulation (dataflow C): bit-line pairs sensed each input cycle, the trained
 * NNS+A accumulates the shifted dot product in the analog domain, one NNADC conversion per weight
 * group (`dataflows/neural-pim-circuits.ts`). Per layer, calibration picks the bit-line sensing gain and
 * the converter range. The `statistical` mode replaces the peripherals by Gaussian error of the σ
 * measured from them.
 */
import { ensure, fail } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { dotProductScale } from '../circuits/nnsa/signals.ts';
import { adcResolutionBits, conversionsPerGroup, inputCycles, type DataflowParams } from './closed-forms.ts';
import { idealAccumulate, type TileGeometry } from './functional.ts';
import { idealDevices } from '../device/rram.ts';
import { disposeTileTensors, tileBitLines, tileTensors } from './bitlines.ts';
import { adcVerifyOf, nnsaTrimOf, type SimulationConfig } from '../chip/simulation-config.ts';
import {
  accumulateAnalog,
  convertAndAdd,
  disposePeripherals,
  instantiatePeripherals,
  type NeuralPimPeripherals,
  type PeripheralChips,
} from './neural-pim-circuits.ts';
import { programLayer } from '../mapping/programmed-tiles.ts';
import { INPUT_BITS, simulationParams, tilePartialSums, uploadLayers } from './common.ts';
import { UNDER_UTILIZATION_WARNING, fmtCount, fmtRate, rejectCascadeSettings } from './cost.ts';
import type { Dataflow } from './types.ts';

/** Percentile of |x| over arrays, estimated on at most ~200 000 evenly strided samples. */
function percentileAbs(values: ArrayLike<number>[], p: number): number {
  const total = values.reduce((a, v) => a + v.length, 0);
  const stride = Math.max(1, Math.floor(total / 200_000));
  const all: number[] = [];
  for (const v of values) for (let i = 0; i < v.length; i += stride) all.push(Math.abs(v[i]));
  if (all.length === 0) return 0;
  all.sort((a, b) => a - b);
  return all[Math.min(all.length - 1, Math.floor(p * all.length))];
}

/**
 * σ of the digital partial sum of the Neural-PIM peripherals for one converter range, measured by
 * running random signed bit-line inputs through varied NNS+A and NNADC instances and comparing
 * with the exact partial sum (accumulator units). Used by the statistical mode.
 */
export function measurePeripheralSigma(p: NeuralPimPeripherals, rangeFraction: number, cfg: SimulationConfig, dacBits: number): number {
  const rng = new Rng(cfg.seed).fork(`stat-sigma-${rangeFraction}`);
  const n = 2048;
  const g: TileGeometry = { slices: inputCycles(simulationParams(cfg, dacBits, 1)), n, fanOut: 1, weightSlices: 8, cellBits: 1, dacBits };
  const fullScale = cfg.arrayRows * (2 ** dacBits - 1);
  let s2 = 0;
  let m = 0;
  for (let chip = 0; chip < 4; chip++) {
    const chips = instantiatePeripherals(
      p,
      cfg.varyPeripherals && cfg.device.programming.sigma > 0,
      cfg.device.programming.sigma,
      rng.fork(`chip${chip}`),
      cfg.peripheralCorners === 'random-die',
      cfg.peripheralCalibration,
      adcVerifyOf(cfg),
      nnsaTrimOf(cfg),
    );
    // Bit lines scaled so the exact result falls inside the range.
    const bl = new Float32Array(g.slices * n * 16);
    for (let i = 0; i < bl.length; i += 2) {
      const share = rng.uniform() * fullScale * rangeFraction;
      const split = rng.uniform();
      bl[i] = Math.round(share * split);
      bl[i + 1] = Math.round(share * (1 - split) * rng.uniform());
    }
    const exact = new Float64Array(n);
    idealAccumulate(bl, g, exact);
    const acc = new Float64Array(n);
    const y = accumulateAnalog(bl, g, chips, cfg.arrayRows);
    convertAndAdd(y, g, p, chips, rangeFraction, cfg.arrayRows, acc);
    for (let i = 0; i < n; i++) {
      s2 += (acc[i] - exact[i]) ** 2;
      m++;
    }
    disposePeripherals(chips);
  }
  return Math.sqrt(s2 / m);
}

/** The `neural-pim` dataflow. */
export const neuralPimDataflow: Dataflow = {
  name: 'neural-pim',
  kind: 'neural-pim',
  defaultDacBits: 4,
  needsPeripherals: () => true,
  validate({ cfg, peripherals }) {
    if (!peripherals) fail('the Neural-PIM dataflow needs NNS+A / NNADC models');
    if (cfg.cellBits !== 1) fail('the Neural-PIM NNS+A accumulates 8 one-bit weight slices: use --cell-bits 1');
  },
  crossbarForm: (cfg) => (cfg.mode === 'statistical' ? null : 'paired'),
  conversionsPerGroup: (p: DataflowParams) => conversionsPerGroup('neural-pim', p),
  calibrate({ cfg, dacBits, inputCycles: cycles, peripherals }, layers) {
    const ranges: Array<[number, number]> = [];
    const sensingGain: Array<[number, number]> = [];
    const statisticalSigma: Array<[number, number]> = [];
    if (!peripherals) return { ranges, sensingGain, statisticalSigma };
    for (const { index, layer, codes, rows } of layers) {
      const sums = tilePartialSums(layer, codes, rows, cfg.arrayRows);
      // Sensing gain: the largest power of two (≤ the configured maximum) that keeps the
      // 99.9th percentile of every bit-line pair's sum (v⁺ + v⁻) inside the NNS+A input range.
      const prog = programLayer(layer, idealDevices(cfg.device), cfg.arrayRows, new Rng(0), false);
      const fullScale = cfg.arrayRows * (2 ** dacBits - 1) * (2 ** cfg.cellBits - 1);
      const pairSums: Float64Array[] = [];
      for (const tile of prog.tiles) {
        const t = tileTensors(tile, prog.columns);
        const bl = tileBitLines(tile, t, prog.columns, codes, rows, layer.fanIn, dacBits, INPUT_BITS, null);
        disposeTileTensors(t);
        const pair = new Float64Array(bl.length / 2);
        let n = 0;
        for (let c = 0; c < bl.length; c += 2) if (bl[c] + bl[c + 1] > 0) pair[n++] = (bl[c] + bl[c + 1]) / fullScale;
        pairSums.push(pair.subarray(0, n));
      }
      const p999 = percentileAbs(pairSums, 0.999);
      let gain = 1;
      while (gain * 2 <= cfg.maxSensingGain && p999 * gain * 2 <= 1) gain *= 2;
      sensingGain.push([index, gain]);
      // y_final = gain·c·dot/(R·(2^D − 1)); pick the smallest range covering the 99.9th percentile.
      const yScale = (gain * dotProductScale(dacBits, cycles)) / (cfg.arrayRows * (2 ** dacBits - 1));
      const y = percentileAbs(sums, 0.999) * yScale;
      const sorted = [...peripherals.ranges].sort((a, b) => a - b);
      ranges.push([index, sorted.find((r) => y <= r) ?? sorted[sorted.length - 1]]);
    }
    // Statistical mode: σ of the digital partial sum per range, from the peripherals' measured error.
    if (cfg.mode === 'statistical') {
      for (const r of peripherals.ranges) statisticalSigma.push([r, measurePeripheralSigma(peripherals, r, cfg, dacBits)]);
    }
    return { ranges, sensingGain, statisticalSigma };
  },
  executor({ cfg, dacBits, inputCycles: cycles, calibration, programmed, peripherals, drawRng, streams }) {
    const ranges = new Map(calibration.ranges);
    const gains = new Map(calibration.sensingGain);
    const statSigma = new Map(calibration.statisticalSigma);
    const layers = uploadLayers(programmed);
    const chips: PeripheralChips | null =
      peripherals && cfg.mode === 'behavioral'
        ? instantiatePeripherals(
            peripherals,
            cfg.varyPeripherals && cfg.device.programming.sigma > 0,
            cfg.device.programming.sigma,
            drawRng.fork('peripherals'),
            cfg.peripheralCorners === 'random-die',
            cfg.peripheralCalibration,
            adcVerifyOf(cfg),
            nnsaTrimOf(cfg),
          )
        : null;
    return {
      matmul(layer, index, codes, rows) {
        const acc = new Float64Array(rows * layer.fanOut);
        if (cfg.mode === 'statistical') {
          const perGroup = conversionsPerGroup('neural-pim', simulationParams(cfg, dacBits));
          const sd = statSigma.get(ranges.get(index)!)! / gains.get(index)!;
          const inject = streams.inject();
          let conversions = 0;
          for (const part of tilePartialSums(layer, codes, rows, cfg.arrayRows)) {
            for (let i = 0; i < acc.length; i++) acc[i] += part[i] + sd * inject.normal();
            conversions += perGroup * rows * layer.fanOut;
          }
          return { acc, conversions };
        }
        const { prog, tensors } = layers.get(index);
        const noise = cfg.device.readNoiseSigma > 0 ? streams.readNoise() : null;
        const g: TileGeometry = {
          slices: cycles,
          n: rows,
          fanOut: layer.fanOut,
          weightSlices: prog.slices,
          cellBits: prog.cellBits,
          dacBits,
        };
        const gain = gains.get(index)!;
        prog.tiles.forEach((tile, t) => {
          const bl = tileBitLines(tile, tensors[t], prog.columns, codes, rows, layer.fanIn, dacBits, INPUT_BITS, noise);
          const y = accumulateAnalog(bl, g, chips!, cfg.arrayRows, gain);
          convertAndAdd(y, g, peripherals!, chips!, ranges.get(index)!, cfg.arrayRows, acc, gain);
        });
        const perGroup = conversionsPerGroup('neural-pim', simulationParams(cfg, dacBits, prog.cellBits));
        return { acc, conversions: perGroup * rows * layer.fanOut * prog.tiles.length };
      },
      dispose: () => {
        layers.dispose();
        if (chips) disposePeripherals(chips);
      },
    };
  },
  layerSettings(calibration, layers) {
    const ranges = new Map(calibration.ranges);
    const gains = new Map(calibration.sensingGain);
    return layers.map(({ index, layer }) => ({ layer: layer.name, rangeFraction: ranges.get(index)!, sensingGain: gains.get(index)! }));
  },
  cost: {
    requiredAdcBits: (p) => adcResolutionBits('neural-pim', p),
    conversionsPerGroup: (_design, p) => conversionsPerGroup('neural-pim', p),
    validateDesign: rejectCascadeSettings,
    checkStructure(c) {
      const { design } = c;
      ensure(design.pe.nnsa !== undefined, `architecture ${design.name}: the neural-pim dataflow needs pe.nnsa (NNS+A count and rate)`);
      const needed = c.arrays * (c.groupsPerArray * c.columnsPerWeight + 2 * c.groupsPerArray);
      ensure(
        design.pe.sampleHolds >= needed,
        `architecture ${design.name}: ${design.pe.sampleHolds} sample-and-holds per PE, NNS+A operation needs ${needed} (columns + held sums)`,
      );
    },
    // Sample-and-holds keep what is converted: a product's conversions may spread over one pipeline cycle.
    converterWindow: 'pipeline-cycle',
    checkThroughput(c, warnings) {
      const nnsa = c.design.pe.nnsa;
      if (!nnsa) return null;
      const name = c.design.name;
      const opsPerCycle = c.groupsPerPe; // one NNS+A operation per group per input cycle
      const nnsaCapacity = nnsa.count * nnsa.operationsPerSecond * c.inputCycleSeconds;
      const utilization = opsPerCycle / nnsaCapacity;
      if (utilization > 1 + 1e-9) {
        fail(
          `architecture ${name}: NNS+As cannot keep up: ${opsPerCycle} group accumulations per input cycle per PE, ${nnsa.count} NNS+A at ${fmtRate(nnsa.operationsPerSecond)} deliver ${fmtCount(nnsaCapacity)}`,
        );
      }
      if (utilization < UNDER_UTILIZATION_WARNING)
        warnings.push(`${name}: NNS+As are ${(utilization * 100).toFixed(0)} % utilized; legal but over-provisioned`);
      return utilization;
    },
    layerEvents: (e) => ({
      nnsaOps: e.groupArrays * e.inputCycles,
      // Column holds every cycle plus the differential held sum fed back to each operation.
      sampleHoldSamples: (e.usedColumns + 2 * e.groupArrays) * e.inputCycles,
      outputRegisterBits: 2 * e.groupArrays * e.partialSumBits,
    }),
  },
};
