/**
 * Neural-PIM analog accumulation (dataflow C): bit-line pairs sensed each input cycle, the trained
 * NNS+A accumulates the shifted dot product in the analog domain, one NNADC conversion per weight
 * group (`dataflows/neural-pim-circuits.ts`). Per layer, calibration picks the bit-line sensing gain and
 * the converter range. The `statistical` mode replaces the peripherals by Gaussian error of the σ
 * measured from them.
 */
import { ensure, fail } from '../core/errors.ts';
import { SIGNAL_MAX_VOLTS } from '../core/defaults.ts';
import { Rng } from '../core/rng.ts';
import { dotProductScale } from '../circuits/nnsa/signals.ts';
import { adcConverterBits, conversionsPerGroup, type DataflowParams } from './closed-forms.ts';
import { idealDevices } from '../device/rram.ts';
import { disposeTileTensors, pairSumLines, tileBitLines, tileTensors, type KernelArea } from './bitlines.ts';
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
import { INPUT_BITS, simulationParams, tileGeometry, tilePartialSums, uploadLayers } from './common.ts';
import { UNDER_UTILIZATION_WARNING, fmtCount, fmtRate, rejectCascadeSettings } from './cost.ts';
import type { Dataflow } from './types.ts';
import type { QuantizedCrossbar } from '../dnn/quantize.ts';

/** Percentile of |x| over arrays, estimated on at most ~200 000 evenly strided samples. */
function percentileAbs(values: ArrayLike<number>[], p: number): number {
  const total = values.reduce((a, v) => a + v.length, 0);
  const stride = Math.max(1, Math.floor(total / 200_000));
  let count = 0;
  for (const v of values) count += Math.ceil(v.length / stride);
  // A typed array sorts numerically without a comparator (the values are ≥ 0: the same order).
  const all = new Float64Array(count);
  let n = 0;
  for (const v of values) for (let i = 0; i < v.length; i += stride) all[n++] = Math.abs(v[i]);
  if (n === 0) return 0;
  all.sort();
  return all[Math.min(n - 1, Math.floor(p * n))];
}

/** A draw's NNS+A/NNADC chips as the configuration has them varied, cornered, calibrated and trimmed. */
function peripheralChips(peripherals: NeuralPimPeripherals, cfg: SimulationConfig, rng: Rng): PeripheralChips {
  return instantiatePeripherals(
    peripherals,
    cfg.varyPeripherals && cfg.device.programming.sigma > 0,
    cfg.device.programming.sigma,
    rng,
    cfg.peripheralCorners,
    cfg.peripheralCalibration,
    adcVerifyOf(cfg),
    nnsaTrimOf(cfg),
  );
}

/**
 * Statistical mode: the RMS error of one tile's digital partial sum (accumulator units) of layer
 * `layer`, measured on the layer's own calibration inputs (the bit-line sums the behavioral run
 * sees), through the programmed crossbar with its device variation and varied peripheral chips
 * (four draws, streams `stat-sigma-layer<i>`), against the exact tile sums. Measured on full-range
 * random bit lines instead, the σ came out about 24 dB too pessimistic for real layers (most
 * partial sums sit far below full scale).
 */
function measureLayerTileSigma(
  layer: QuantizedCrossbar,
  index: number,
  codes: Uint8Array,
  rows: number,
  exactTiles: Float64Array[],
  o: {
    cfg: SimulationConfig;
    dacBits: number;
    cycles: number;
    peripherals: NeuralPimPeripherals;
    rangeFraction: number;
    gain: number;
    commonModeVolts: number;
  },
): number {
  const { cfg, dacBits, peripherals } = o;
  const rng = new Rng(cfg.seed).fork(`stat-sigma-layer${index}`);
  let s2 = 0;
  let m = 0;
  for (let draw = 0; draw < 4; draw++) {
    const r = rng.fork(`draw${draw}`);
    const prog = programLayer(layer, cfg.device, cfg.arrayRows, r.fork('crossbar'), false);
    ensure(prog.tiles.length === exactTiles.length, `layer ${layer.name}: ${prog.tiles.length} tiles, ${exactTiles.length} partial sums`);
    const chips = peripheralChips(peripherals, cfg, r.fork('peripherals'));
    const g = tileGeometry(prog, o.cycles, rows, layer.fanOut, dacBits);
    prog.tiles.forEach((tile, t) => {
      const tensors = tileTensors(tile, prog.columns);
      const bitLines = (into: Float32Array | KernelArea): void => {
        tileBitLines(tile, tensors, prog.columns, codes, rows, layer.fanIn, dacBits, INPUT_BITS, null, into);
      };
      const y = accumulateAnalog(bitLines, g, chips, cfg.arrayRows, o.gain);
      disposeTileTensors(tensors);
      const acc = new Float64Array(rows * layer.fanOut);
      convertAndAdd(y, g, peripherals, chips, o.rangeFraction, cfg.arrayRows, acc, o.gain, o.commonModeVolts);
      const exact = exactTiles[t];
      for (let i = 0; i < acc.length; i++) s2 += (acc[i] - exact[i]) ** 2;
      m += acc.length;
    });
    disposePeripherals(chips);
  }
  return Math.sqrt(s2 / Math.max(1, m));
}

/** The `neural-pim` dataflow. */
export const neuralPimDataflow: Dataflow = {
  name: 'neural-pim',
  kind: 'neural-pim',
  defaultDacBits: 4,
  needsPeripherals: () => true,
  validate({ cfg, peripherals }) {
    if (!peripherals) fail('the Neural-PIM dataflow needs NNS+A / NNADC models');
    if (cfg.cellBits !== 1)
      fail('the Neural-PIM NNS+A accumulates 8 one-bit weight slices: set cellBits 1 (array.cellBits in the accelerator description)');
  },
  crossbarForm: (cfg) => (cfg.mode === 'statistical' ? null : 'paired'),
  conversionsPerGroup: (p: DataflowParams) => conversionsPerGroup('neural-pim', p),
  calibrate({ cfg, dacBits, inputCycles: cycles, peripherals }, layers) {
    const ranges: Array<[number, number]> = [];
    const sensingGain: Array<[number, number]> = [];
    const statisticalSigma: Array<[number, number]> = [];
    const commonModeVolts: Array<[number, number]> = [];
    if (!peripherals) return { ranges, sensingGain, statisticalSigma, commonModeVolts };
    // The kept pair sums of a layer's tiles, end to end; reused by the next layer (fresh memory
    // of this size costs more than the loop that fills it).
    let kept = new Float64Array(0);
    for (const { index, layer, codes, rows } of layers) {
      const sums = tilePartialSums(layer, codes, rows, cfg.arrayRows);
      // Sensing gain: the largest power of two (≤ the configured maximum) that keeps the
      // 99.9th percentile of every bit-line pair's sum (v⁺ + v⁻) inside the NNS+A input range.
      const prog = programLayer(layer, idealDevices(cfg.device), cfg.arrayRows, new Rng(0), false);
      const fullScale = cfg.arrayRows * (2 ** dacBits - 1) * (2 ** cfg.cellBits - 1);
      const pairSums: Float64Array[] = [];
      let pairSumTotal = 0;
      let pairCount = 0;
      // One array of pair sums serves every tile of the layer (they have the same shape).
      const sumsOfPairs = new Float32Array(cycles * rows * (prog.columns / 2));
      if (kept.length < sumsOfPairs.length * prog.tiles.length) kept = new Float64Array(sumsOfPairs.length * prog.tiles.length);
      let keptEnd = 0;
      for (const tile of prog.tiles) {
        const sums = pairSumLines(tile, prog.columns, codes, rows, layer.fanIn, dacBits, INPUT_BITS, sumsOfPairs);
        const start = keptEnd;
        for (let c = 0; c < sums.length; c++) {
          const sum = sums[c];
          if (sum > 0) {
            const v = sum / fullScale;
            kept[keptEnd++] = v;
            pairSumTotal += v;
          }
        }
        pairSums.push(kept.subarray(start, keptEnd));
        pairCount += sums.length;
      }
      const p999 = percentileAbs(pairSums, 0.999);
      let gain = 1;
      while (gain * 2 <= cfg.maxSensingGain && p999 * gain * 2 <= 1) gain *= 2;
      sensingGain.push([index, gain]);
      // The calibration stimulus's common mode: the layer's mean v⁺ + v⁻ as the NNS+A sees it (zero
      // pairs included), where its common-mode-dependent offset and gain are to be corrected.
      const operating = (SIGNAL_MAX_VOLTS * gain * pairSumTotal) / Math.max(1, pairCount);
      commonModeVolts.push([index, cfg.peripheralCalibrationCommonMode === 'operating' ? Math.min(SIGNAL_MAX_VOLTS, operating) : 0]);
      // y_final = gain·c·dot/(R·(2^D − 1)); pick the smallest range covering the 99.9th percentile.
      const yScale = (gain * dotProductScale(dacBits, cycles)) / (cfg.arrayRows * (2 ** dacBits - 1));
      const y = percentileAbs(sums, 0.999) * yScale;
      const sorted = [...peripherals.ranges].sort((a, b) => a - b);
      const rangeFraction = sorted.find((r) => y <= r) ?? sorted[sorted.length - 1];
      ranges.push([index, rangeFraction]);
      // Statistical mode: the tile's error σ on this layer's own inputs (accumulator units).
      if (cfg.mode === 'statistical')
        statisticalSigma.push([
          index,
          measureLayerTileSigma(layer, index, codes, rows, sums, {
            cfg,
            dacBits,
            cycles,
            peripherals,
            rangeFraction,
            gain,
            commonModeVolts: commonModeVolts[commonModeVolts.length - 1][1],
          }),
        ]);
    }
    return { ranges, sensingGain, statisticalSigma, commonModeVolts };
  },
  executor({ cfg, dacBits, inputCycles: cycles, calibration, programmed, peripherals, drawRng, streams }) {
    const ranges = new Map(calibration.ranges);
    const gains = new Map(calibration.sensingGain);
    const statSigma = new Map(calibration.statisticalSigma);
    const commonModes = new Map(calibration.commonModeVolts ?? []);
    const layers = uploadLayers(programmed);
    const chips: PeripheralChips | null =
      peripherals && cfg.mode === 'behavioral' ? peripheralChips(peripherals, cfg, drawRng.fork('peripherals')) : null;
    return {
      matmul(layer, index, codes, rows) {
        const acc = new Float64Array(rows * layer.fanOut);
        if (cfg.mode === 'statistical') {
          const perGroup = conversionsPerGroup('neural-pim', simulationParams(cfg, dacBits));
          const sd = statSigma.get(index)!;
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
        const g = tileGeometry(prog, cycles, rows, layer.fanOut, dacBits);
        const gain = gains.get(index)!;
        prog.tiles.forEach((tile, t) => {
          const bitLines = (into: Float32Array | KernelArea): void => {
            tileBitLines(tile, tensors[t], prog.columns, codes, rows, layer.fanIn, dacBits, INPUT_BITS, noise, into);
          };
          const y = accumulateAnalog(bitLines, g, chips!, cfg.arrayRows, gain);
          convertAndAdd(y, g, peripherals!, chips!, ranges.get(index)!, cfg.arrayRows, acc, gain, commonModes.get(index) ?? 0);
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
    const commonModes = new Map(calibration.commonModeVolts ?? []);
    return layers.map(({ index, layer }) => ({
      layer: layer.name,
      rangeFraction: ranges.get(index)!,
      sensingGain: gains.get(index)!,
      calibrationCommonModeVolts: commonModes.get(index) ?? 0,
    }));
  },
  cost: {
    requiredAdcBits: (p, layout) => adcConverterBits('neural-pim', p, layout),
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
