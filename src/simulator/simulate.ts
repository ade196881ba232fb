/**
 * The accelerator functional simulator (DESIGN.md §4): runs an 8-bit quantized DNN with every
 * crossbar product executed the way the chosen dataflow executes it, over Monte Carlo draws of the
 * device programming, and measures top-1 accuracy, the conversions performed and each crossbar
 * layer's hardware SINAD.
 *
 * Per draw, every layer is programmed once (persistent variation, reused across batches); per
 * batch, each tile's bit-line sums for all input slices come from one matrix product
 * (`bitlines.ts`), then the dataflow turns them into digital partial sums (`dataflow/functional.ts`,
 * `neural-pim.ts`), tiles are added digitally, and the quantized network's own rescale, ReLU,
 * pooling and requantization follow (`dnn/quantize.ts`).
 */
import { fail } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { idealDevices } from '../device/rram.ts';
import { dotProductScale } from '../circuits/nnsa/signals.ts';
import { idealAccumulate, type TileGeometry } from '../dataflow/functional.ts';
import { exactMatmul, outputSize, rescale, runQuantized, type QuantizedCrossbar, type QuantizedNetwork } from '../dnn/quantize.ts';
import { argmaxRows, isCrossbar } from '../dnn/network.ts';
import { disposeTileTensors, tileBitLines, tileTensors } from './bitlines.ts';
import { adcVerifyOf, dacBitsOf, nnsaTrimOf, type SimulationConfig } from './config.ts';
import {
  accumulateAnalog,
  convertAndAdd,
  disposePeripherals,
  instantiatePeripherals,
  neuralPimLsb,
  type NeuralPimPeripherals,
} from './neural-pim.ts';
import { programLayer } from './program.ts';
import { drawSeedOf } from '../mapping/dnn-weights.ts';
import { INPUT_BITS, drawHardware, programDraw, tilePartialSums, type Calibration, type DrawPlan } from './engine.ts';
import { defaultWorkers, runDraw } from './parallel.ts';

/** Images and labels to simulate, plus images for calibration (ranges, buffer gains). */
export interface SimulationData {
  images: Uint8Array;
  labels: ArrayLike<number>;
  /** Calibration images (default: the first 64 simulated images). */
  calibration?: Uint8Array;
}

/** Conversions counted in one run, per crossbar layer. */
export interface LayerConversions {
  layer: string;
  conversions: number;
  /** Rows (images × positions) × weight columns × tiles: the units a weight group serves. */
  groupProducts: number;
}

/** Result of {@link simulate}. */
export interface SimulationResult {
  dataflow: SimulationConfig['dataflow'];
  mode: SimulationConfig['mode'] | 'sinad-injection';
  images: number;
  draws: number;
  sigma: number;
  readNoiseSigma: number;
  accuracyPerDraw: number[];
  accuracyMean: number;
  accuracyStd: number;
  /** Accuracy of the exact 8-bit integer reference on the same images. */
  referenceAccuracy: number;
  /** Conversions performed in draw 0, per crossbar layer, and their total. */
  conversions: LayerConversions[];
  conversionsTotal: number;
  /** Hardware SINAD of each crossbar layer (dB), measured on the layer's own reference inputs, mean over draws. */
  sinad: Array<{ layer: string; sinadDb: number }>;
  /** Mean of the layers' SINAD (dB). */
  sinadMeanDb: number;
  /** Neural-PIM: the converter range chosen for each crossbar layer. */
  ranges?: Array<{ layer: string; rangeFraction: number; sensingGain: number }>;
  wallSeconds: number;
  /** Seconds spent running the images through the simulated hardware (all draws), without setup, calibration and SINAD. */
  hardwareSeconds: number;
}

/** Progress callback: what, done, total. */
export type SimulationProgress = (stage: string, done: number, total: number) => void;

function crossbarLayers(net: QuantizedNetwork): Array<{ index: number; layer: QuantizedCrossbar }> {
  return net.layers.flatMap((l, index) => (isCrossbar(l) ? [{ index, layer: l as QuantizedCrossbar }] : []));
}

/** Captures the input codes of every crossbar layer of a reference run (for calibration and SINAD). */
export function captureLayerInputs(net: QuantizedNetwork, images: Uint8Array): Map<number, { codes: Uint8Array; rows: number }> {
  const captured = new Map<number, { codes: Uint8Array; rows: number }[]>();
  runQuantized(net, images, {
    batchSize: 1 << 30,
    matmul: (layer, index, codes, rows) => {
      const list = captured.get(index) ?? [];
      list.push({ codes: Uint8Array.from(codes), rows });
      captured.set(index, list);
      return exactMatmul(layer, index, codes, rows);
    },
  });
  return new Map([...captured].map(([k, v]) => [k, v[0]]));
}

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

/** SINAD in dB of `hw` against `ref`: 10·log10((P_signal + P_noise)/P_noise). */
export function sinadDb(ref: ArrayLike<number>, hw: ArrayLike<number>): number {
  let ps = 0;
  let pn = 0;
  for (let i = 0; i < ref.length; i++) {
    ps += ref[i] * ref[i];
    pn += (hw[i] - ref[i]) ** 2;
  }
  if (pn === 0) return Infinity;
  return 10 * Math.log10((ps + pn) / pn);
}

/** Runs the simulation. */
export async function simulate(
  cfg: SimulationConfig,
  net: QuantizedNetwork,
  data: SimulationData,
  peripherals: NeuralPimPeripherals | null,
  onProgress?: SimulationProgress,
  onLogits?: (draw: number, logits: Float64Array) => void,
): Promise<SimulationResult> {
  const started = Date.now();
  const inputSize = data.images.length / data.labels.length;
  const count = data.labels.length;
  const classes = outputSize(net);
  const dacBits = dacBitsOf(cfg);
  const xbars = crossbarLayers(net);
  if (cfg.dataflow === 'neural-pim') {
    if (!peripherals) fail('the Neural-PIM dataflow needs NNS+A / NNADC models');
    if (cfg.cellBits !== 1) fail('the Neural-PIM NNS+A accumulates 8 one-bit weight slices: use --cell-bits 1');
  }
  if (cfg.dataflow === 'cascade' && dacBits !== cfg.cellBits)
    fail(`CASCADE-style buffering needs DAC bits equal to cell bits (got ${dacBits} and ${cfg.cellBits})`);

  const accuracyOf = (logits: Float64Array): number => {
    const pred = argmaxRows(logits, count, classes);
    let ok = 0;
    for (let i = 0; i < count; i++) if (pred[i] === data.labels[i]) ok++;
    return ok / count;
  };
  const referenceAccuracy = accuracyOf(runQuantized(net, data.images));

  // Calibration on the reference inputs of each crossbar layer.
  const calImages = data.calibration ?? data.images.subarray(0, Math.min(count, 64) * inputSize);
  const calInputs = captureLayerInputs(net, calImages);
  const sinadImages = data.images.subarray(0, Math.min(count, 128) * inputSize);
  const sinadInputs = captureLayerInputs(net, sinadImages);
  const ranges = new Map<number, number>();
  const bufferScale = new Map<number, number>();
  const sensingGain = new Map<number, number>();
  for (const { index, layer } of xbars) {
    const cal = calInputs.get(index)!;
    const sums = tilePartialSums(layer, cal.codes, cal.rows, cfg.arrayRows);
    if (cfg.dataflow === 'neural-pim' && peripherals) {
      // Sensing gain: the largest power of two (≤ the configured maximum) that keeps the
      // 99.9th percentile of every bit-line pair's sum (v⁺ + v⁻) inside the NNS+A input range.
      const prog = programLayer(layer, idealDevices(cfg.device), cfg.arrayRows, new Rng(0), false);
      const fullScale = cfg.arrayRows * (2 ** dacBits - 1) * (2 ** cfg.cellBits - 1);
      const pairSums: Float64Array[] = [];
      for (const tile of prog.tiles) {
        const t = tileTensors(tile, prog.columns);
        const bl = tileBitLines(tile, t, prog.columns, cal.codes, cal.rows, layer.fanIn, dacBits, INPUT_BITS, null);
        disposeTileTensors(t);
        const sums = new Float64Array(bl.length / 2);
        let n = 0;
        for (let c = 0; c < bl.length; c += 2) if (bl[c] + bl[c + 1] > 0) sums[n++] = (bl[c] + bl[c + 1]) / fullScale;
        pairSums.push(sums.subarray(0, n));
      }
      const p999 = percentileAbs(pairSums, 0.999);
      let gain = 1;
      while (gain * 2 <= cfg.maxSensingGain && p999 * gain * 2 <= 1) gain *= 2;
      sensingGain.set(index, gain);
      // y_final = gain·c·dot/(R·(2^D − 1)); pick the smallest range covering the 99.9th percentile.
      const T = Math.ceil(INPUT_BITS / dacBits);
      const yScale = (gain * dotProductScale(dacBits, T)) / (cfg.arrayRows * (2 ** dacBits - 1));
      const y = percentileAbs(sums, 0.999) * yScale;
      const sorted = [...peripherals.ranges].sort((a, b) => a - b);
      ranges.set(index, sorted.find((r) => y <= r) ?? sorted[sorted.length - 1]);
    }
    if (cfg.dataflow === 'cascade') {
      if (cfg.bufferFullScale !== 'calibrated') bufferScale.set(index, cfg.bufferFullScale);
      else {
        // Largest signed slice partial sum |BL⁺ − BL⁻| a buffer cell must hold.
        const prog = programLayer(layer, idealDevices(cfg.device), cfg.arrayRows, new Rng(0), true);
        let max = 1;
        for (const tile of prog.tiles) {
          const t = tileTensors(tile, prog.columns);
          const bl = tileBitLines(tile, t, prog.columns, cal.codes, cal.rows, layer.fanIn, dacBits, INPUT_BITS, null);
          disposeTileTensors(t);
          for (let c = 0; c < bl.length; c++) max = Math.max(max, Math.abs(bl[c]));
        }
        bufferScale.set(index, max);
      }
    }
  }

  // Statistical mode: σ of the digital partial sum per range, from the peripherals' measured error.
  const statisticalSigma = new Map<number, number>();
  if (cfg.dataflow === 'neural-pim' && cfg.mode === 'statistical' && peripherals) {
    for (const r of peripherals.ranges) statisticalSigma.set(r, measurePeripheralSigma(peripherals, r, cfg, dacBits));
  }
  const calibration: Calibration = {
    ranges: [...ranges],
    sensingGain: [...sensingGain],
    bufferScale: [...bufferScale],
    statisticalSigma: [...statisticalSigma],
  };

  const accuracyPerDraw: number[] = [];
  let conversions: LayerConversions[] = [];
  const sinadSum = new Map<number, number>();
  let hardwareSeconds = 0;
  for (let d = 0; d < cfg.draws; d++) {
    onProgress?.(`draw ${d + 1}/${cfg.draws}`, d, cfg.draws);
    const drawSeed = drawSeedOf(cfg.seed, d);
    const plan: DrawPlan = { cfg, net, calibration, programmed: programDraw(cfg, net, drawSeed), peripherals, drawSeed };
    const t0 = performance.now();
    const out = await runDraw(plan, data.images, count, cfg.batchSize, cfg.workers ?? defaultWorkers());
    hardwareSeconds += (performance.now() - t0) / 1000;
    accuracyPerDraw.push(accuracyOf(out.logits));
    onLogits?.(d, out.logits);
    if (d === 0) {
      const byIndex = new Map(out.counts);
      conversions = xbars.map(({ index, layer }) => ({
        layer: layer.name,
        conversions: byIndex.get(index)?.conversions ?? 0,
        groupProducts: byIndex.get(index)?.groupProducts ?? 0,
      }));
    }
    // Hardware SINAD of each crossbar layer on its own reference inputs (streams of a batch index
    // no simulated batch uses).
    const hw = drawHardware(plan);
    hw.startBatch(-1);
    for (const { index, layer } of xbars) {
      const s = sinadInputs.get(index)!;
      const acc = hw.matmul(layer, index, s.codes, s.rows);
      const ref = exactMatmul(layer, index, s.codes, s.rows);
      // On the layer's real outputs: accumulations rescaled and biased as the tile does.
      sinadSum.set(index, (sinadSum.get(index) ?? 0) + Math.min(200, sinadDb(rescale(layer, ref, s.rows), rescale(layer, acc, s.rows))));
    }
    hw.dispose();
  }
  const mean = accuracyPerDraw.reduce((a, b) => a + b, 0) / accuracyPerDraw.length;
  const std = Math.sqrt(accuracyPerDraw.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, accuracyPerDraw.length - 1));
  const sinad = xbars.map(({ index, layer }) => ({ layer: layer.name, sinadDb: sinadSum.get(index)! / cfg.draws }));
  return {
    dataflow: cfg.dataflow,
    mode: cfg.injectSinadDb !== undefined ? 'sinad-injection' : cfg.mode,
    images: count,
    draws: cfg.draws,
    sigma: cfg.device.programming.sigma,
    readNoiseSigma: cfg.device.readNoiseSigma,
    accuracyPerDraw,
    accuracyMean: mean,
    accuracyStd: std,
    referenceAccuracy,
    conversions,
    conversionsTotal: conversions.reduce((a, c) => a + c.conversions, 0),
    sinad,
    sinadMeanDb: sinad.reduce((a, s) => a + s.sinadDb, 0) / Math.max(1, sinad.length),
    ranges:
      cfg.dataflow === 'neural-pim'
        ? xbars.map(({ index, layer }) => ({ layer: layer.name, rangeFraction: ranges.get(index)!, sensingGain: sensingGain.get(index)! }))
        : undefined,
    wallSeconds: (Date.now() - started) / 1000,
    hardwareSeconds,
  };
}

/**
 * σ of the digital partial sum of the Neural-PIM peripherals for one converter range, measured by
 * running random signed bit-line inputs through varied NNS+A and NNADC instances and comparing
 * with the exact partial sum (accumulator units). Used by the statistical mode.
 */
export function measurePeripheralSigma(p: NeuralPimPeripherals, rangeFraction: number, cfg: SimulationConfig, dacBits: number): number {
  const rng = new Rng(cfg.seed).fork(`stat-sigma-${rangeFraction}`);
  const n = 2048;
  const g: TileGeometry = { slices: Math.ceil(INPUT_BITS / dacBits), n, fanOut: 1, weightSlices: 8, cellBits: 1, dacBits };
  const fullScale = cfg.arrayRows * (2 ** dacBits - 1);
  const lsb = neuralPimLsb(rangeFraction, 8, cfg.arrayRows, dacBits);
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
    void lsb;
  }
  return Math.sqrt(s2 / m);
}
