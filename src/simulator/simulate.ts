/**
 * The accelerator functional simulator (docs/reference.md §4): runs an 8-bit quantized DNN with every
 * crossbar product executed the way the chosen dataflow executes it, over Monte Carlo draws of the
 * device programming, and measures top-1 accuracy, the conversions performed and each crossbar
 * layer's hardware SINAD.
 *
 * Per draw, every layer is programmed once (persistent variation, reused across batches); per
 * batch, each tile's bit-line sums for all input slices come from one matrix product
 * (`bitlines.ts`), then the dataflow's module (`src/dataflows/`) turns them into digital partial
 * sums (`dataflows/functional.ts`, `neural-pim.ts`), tiles are added digitally, and the quantized network's own rescale, ReLU,
 * pooling and requantization follow (`dnn/quantize.ts`).
 */
import { exactMatmul, outputSize, rescale, runQuantized, type QuantizedCrossbar, type QuantizedNetwork } from '../dnn/quantize.ts';
import { argmaxRows, isCrossbar } from '../dnn/network.ts';
import { dacBitsOf, dataflowOf } from '../dataflows/index.ts';
import { simulationInputCycles } from '../dataflows/common.ts';
import type { SimulationConfig } from '../chip/simulation-config.ts';
import type { NeuralPimPeripherals } from '../dataflows/neural-pim-circuits.ts';
import type { LayerSettings } from '../dataflows/types.ts';
import { drawHardware, programDraw, type Calibration, type DrawPlan } from './engine.ts';
import { drawSeedOf } from '../mapping/dnn-weights.ts';
import { zeroRunEvents, type LayerRunEvents } from '../dataflows/run-events.ts';
import { calibrateLayers, runDraw, runReference } from './parallel.ts';
import { combineSinadChunks, sinadChunks } from './sinad.ts';
import type { LayerCalibrationInput, RunContext } from '../dataflows/index.ts';
import { shapeSize } from '../dnn/network.ts';

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

/** Counted events of one crossbar layer in a run (draw 0, all images): its shape and {@link LayerRunEvents}. */
export interface RunLayerEvents extends LayerRunEvents {
  layer: string;
  kind: QuantizedCrossbar['kind'];
  fanIn: number;
  fanOut: number;
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
  /**
   * Events the cost model charges, counted in draw 0 per crossbar layer over all images (the
   * energy of the run is computed from them by `cost/run-energy.ts`).
   */
  events: RunLayerEvents[];
  /**
   * Hardware SINAD of each crossbar layer (dB), RMS-referred: 10·log10((P_signal + P_noise)/P_noise)
   * on the layer's rescaled outputs, measured on its own reference inputs, mean over draws.
   */
  sinad: Array<{ layer: string; sinadDb: number }>;
  /** Mean of the layers' RMS-referred SINAD (dB). */
  sinadMeanDb: number;
  /**
   * The same measurement peak-referred, the convention of `--inject-sinad` (σ = max|x|/10^(SINAD/20))
   * and of the "about 45 dB needed" rule: 20·log10(max|x| / RMS error) on the layer's accumulations.
   */
  sinadPeak: Array<{ layer: string; sinadDb: number }>;
  /** Mean of the layers' peak-referred SINAD (dB). */
  sinadPeakMeanDb: number;
  /** Neural-PIM: the converter range chosen for each crossbar layer. */
  ranges?: LayerSettings[];
  /**
   * Neural-PIM with trained peripherals: where each layer's error comes from
   * ({@link PeripheralAttribution}), mean over draws; absent for other runs.
   */
  attribution?: PeripheralAttribution[];
  wallSeconds: number;
  /** Seconds spent running the images through the simulated hardware and measuring its SINAD (all draws), without setup and calibration. */
  hardwareSeconds: number;
}

/**
 * Rows (image positions) of each crossbar layer's reference inputs on which the Neural-PIM
 * peripherals' share of the error is measured: four passes of the layer (as built, NNS+A ideal,
 * NNADC ideal, both ideal) cost about as much as the SINAD pass of a few images.
 */
export const ATTRIBUTION_ROWS = 2048;

/** What dominates a layer's error. */
export type ErrorSource = 'NNS+A' | 'NNADC' | 'crossbar + 8-bit quantization';

/**
 * Where a Neural-PIM layer's error comes from: the RMS-referred SINAD of the layer (on the first
 * {@link ATTRIBUTION_ROWS} rows of its reference inputs, the draw's programmed crossbar and
 * peripherals) as built, with the NNS+A replaced by the exact recursion, with the NNADC replaced by
 * an ideal 8-bit converter of the same range, and with both ideal (what the crossbar's variation
 * and the 8-bit conversion leave). Error powers relative to the signal, e = 10^(−SINAD/10), give
 * each source's share: NNS+A e(NNADC ideal) − e(both ideal), NNADC e(NNS+A ideal) − e(both
 * ideal), crossbar + quantization e(both ideal) (shares of their sum; a difference below 0 counts
 * 0: the sources interact, so the shares are an account, not a decomposition).
 */
export interface PeripheralAttribution {
  layer: string;
  rows: number;
  /** RMS-referred SINAD (dB, capped at 200), mean over draws. */
  hardwareDb: number;
  nnsaIdealDb: number;
  nnadcIdealDb: number;
  idealPeripheralsDb: number;
  /** Shares of the error power (sum 1). */
  shares: Record<ErrorSource, number>;
  dominant: ErrorSource;
}

/** Progress callback: what, batches done, batches in all (over all draws, {@link simulationBatches}). */
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

/**
 * Peak-referred SINAD in dB of `hw` against `ref`: 20·log10(max|ref| / RMS(hw − ref)), the
 * convention of noise injection at σ = max|x|/10^(SINAD/20).
 */
export function peakSinadDb(ref: ArrayLike<number>, hw: ArrayLike<number>): number {
  let peak = 0;
  let pn = 0;
  for (let i = 0; i < ref.length; i++) {
    peak = Math.max(peak, Math.abs(ref[i]));
    pn += (hw[i] - ref[i]) ** 2;
  }
  if (pn === 0) return Infinity;
  return 10 * Math.log10((peak * peak) / (pn / ref.length));
}

/** RMS-referred SINAD in dB of `hw` against `ref`: 10·log10((P_signal + P_noise)/P_noise). */
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

/**
 * What every draw of a run shares: the exact reference, the dataflow's calibration and the layers'
 * reference inputs. Deterministic (no random stream), so any process that prepares the same run
 * gets the same context.
 */
export interface PreparedSimulation {
  cfg: SimulationConfig;
  net: QuantizedNetwork;
  data: SimulationData;
  peripherals: NeuralPimPeripherals | null;
  count: number;
  referenceAccuracy: number;
  calibration: Calibration;
  xbars: Array<{ index: number; layer: QuantizedCrossbar }>;
  /** The images each draw's hardware SINAD is measured on (the first 128 simulated images). */
  sinadImages: Uint8Array;
  /** Neural-PIM: the converter range chosen for each crossbar layer. */
  ranges: SimulationResult['ranges'];
  /** Whether each draw measures the peripherals' share of each layer's error ({@link PeripheralAttribution}). */
  attribution: boolean;
}

/** The outcome of one Monte Carlo draw: plain JSON data, so draws run elsewhere can be combined. */
export interface DrawOutcome {
  draw: number;
  accuracy: number;
  /** Conversions of this draw per crossbar layer (the run reports draw 0's). */
  conversions: LayerConversions[];
  /** Counted events per crossbar layer (absent in outcomes stored before they were counted). */
  events?: RunLayerEvents[];
  /** Hardware SINAD of each crossbar layer (dB, RMS-referred, capped at 200), in layer order. */
  sinadDb: number[];
  /** The same, peak-referred (absent in outcomes stored before it was measured). */
  sinadPeakDb?: number[];
  /**
   * Per crossbar layer: the rows measured, and the RMS-referred SINAD (dB, capped at 200) as built,
   * NNS+A ideal, NNADC ideal, both ideal ({@link PeripheralAttribution}); absent when the run does
   * not measure it.
   */
  attribution?: { rows: number[]; sinadDb: number[][] };
  hardwareSeconds: number;
}

/** Options of {@link prepareSimulation} and {@link simulate}. */
export interface SimulationOptions {
  /**
   * Measure, in each draw, which peripheral dominates each layer's error (Neural-PIM behavioral
   * runs with a trained NNS+A or NNADC; ignored otherwise). Default false.
   */
  attribution?: boolean;
}

/** Whether a run can tell its peripherals' shares apart: Neural-PIM hardware with a trained NNS+A or NNADC. */
export function attributable(cfg: SimulationConfig, peripherals: NeuralPimPeripherals | null): boolean {
  return (
    cfg.dataflow === 'neural-pim' &&
    cfg.mode === 'behavioral' &&
    cfg.injectSinadDb === undefined &&
    peripherals !== null &&
    (peripherals.accumulator === 'nnsa' || peripherals.converter === 'nnadc')
  );
}

/** Images the dataflow's calibration uses by default (the first simulated ones). */
const CALIBRATION_IMAGES = 64;
/** Images (the first simulated ones) on which each draw's per-layer SINAD is measured, a second pass through its hardware. */
export const SINAD_IMAGES = 128;

/** What both preparations share before the reference and the calibration: the run and its inputs. */
function preparation(
  cfg: SimulationConfig,
  net: QuantizedNetwork,
  data: SimulationData,
  peripherals: NeuralPimPeripherals | null,
  options: SimulationOptions,
) {
  const inputSize = data.images.length / data.labels.length;
  const count = data.labels.length;
  const dataflow = dataflowOf(cfg);
  const dacBits = dacBitsOf(cfg);
  const run: RunContext = { cfg, dacBits, inputCycles: simulationInputCycles(cfg, dacBits), peripherals };
  const xbars = crossbarLayers(net);
  dataflow.validate(run);
  // A dataflow whose calibration of no layers has no settings calibrates nothing: skip the capture.
  const calibrates = Object.keys(dataflow.calibrate(run, [])).length > 0;
  const calibrationInputs = (): LayerCalibrationInput[] => {
    const calImages = data.calibration ?? data.images.subarray(0, Math.min(count, CALIBRATION_IMAGES) * inputSize);
    const calInputs = captureLayerInputs(net, calImages);
    return xbars.map(({ index, layer }) => ({ index, layer, ...calInputs.get(index)! }));
  };
  const sinadImages = data.images.subarray(0, Math.min(count, SINAD_IMAGES) * inputSize);
  const finish = (referenceLogits: Float64Array, calibration: Calibration): PreparedSimulation => ({
    cfg,
    net,
    data,
    peripherals,
    count,
    referenceAccuracy: accuracyOf(net, data, referenceLogits),
    calibration,
    xbars,
    sinadImages,
    ranges: dataflow.layerSettings?.(calibration, xbars),
    attribution: Boolean(options.attribution) && attributable(cfg, peripherals),
  });
  return { run, dataflow, calibrates, calibrationInputs, finish };
}

/** Computes the reference accuracy and the calibration that every draw of a run uses, in this thread. */
export function prepareSimulation(
  cfg: SimulationConfig,
  net: QuantizedNetwork,
  data: SimulationData,
  peripherals: NeuralPimPeripherals | null,
  options: SimulationOptions = {},
): PreparedSimulation {
  const p = preparation(cfg, net, data, peripherals, options);
  const calibration = p.calibrates ? p.dataflow.calibrate(p.run, p.calibrationInputs()) : {};
  return p.finish(runQuantized(net, data.images), calibration);
}

/**
 * {@link prepareSimulation} on up to `workers` threads (default: `cfg.workers`, else by work, see
 * `WORKER_MIN_MACS` in parallel.ts):
 * the reference's batches and the layers' calibrations are spread over them. The same result as
 * in one thread: the reference is exact and each layer is calibrated on its own.
 */
export async function prepareSimulationParallel(
  cfg: SimulationConfig,
  net: QuantizedNetwork,
  data: SimulationData,
  peripherals: NeuralPimPeripherals | null,
  workers: number | undefined = cfg.workers,
  options: SimulationOptions = {},
): Promise<PreparedSimulation> {
  const p = preparation(cfg, net, data, peripherals, options);
  const logits = await runReference(net, data.images, data.labels.length, cfg.batchSize, workers);
  const calibration = p.calibrates ? await calibrateLayers(p.run, p.calibrationInputs(), workers) : {};
  return p.finish(logits, calibration);
}

function accuracyOf(net: QuantizedNetwork, data: SimulationData, logits: Float64Array): number {
  const count = data.labels.length;
  const pred = argmaxRows(logits, count, outputSize(net));
  let ok = 0;
  for (let i = 0; i < count; i++) if (pred[i] === data.labels[i]) ok++;
  return ok / count;
}

/**
 * Runs draw `draw` of a prepared run with the draw seed `drawSeed` (`npim simulate` uses
 * {@link drawSeedOf}(seed, draw)); independent of every other draw.
 */
export async function simulateDraw(
  p: PreparedSimulation,
  draw: number,
  drawSeed: number,
  onLogits?: (draw: number, logits: Float64Array) => void,
  onBatch?: () => void,
): Promise<DrawOutcome> {
  const { cfg, net, data, xbars } = p;
  const plan: DrawPlan = {
    cfg,
    net,
    calibration: p.calibration,
    programmed: programDraw(cfg, net, drawSeed),
    peripherals: p.peripherals,
    drawSeed,
  };
  const t0 = performance.now();
  // The batches and, on the same hardware, the SINAD of each crossbar layer on its own reference
  // inputs (sinad.ts).
  const sinadCount = p.sinadImages.length / shapeSize(net.inputShape);
  const out = await runDraw(plan, data.images, p.count, cfg.batchSize, cfg.workers, onBatch, {
    images: p.sinadImages,
    chunks: sinadChunks(sinadCount, cfg.batchSize),
  });
  const hardwareSeconds = (performance.now() - t0) / 1000;
  const accuracy = accuracyOf(net, data, out.logits);
  onLogits?.(draw, out.logits);
  const byIndex = new Map(out.counts);
  const conversions = xbars.map(({ index, layer }) => ({
    layer: layer.name,
    conversions: byIndex.get(index)?.conversions ?? 0,
    groupProducts: byIndex.get(index)?.groupProducts ?? 0,
  }));
  const events = xbars.map(({ index, layer }) => ({
    layer: layer.name,
    kind: layer.kind,
    fanIn: layer.fanIn,
    fanOut: layer.fanOut,
    ...(byIndex.get(index) ?? zeroRunEvents()),
  }));
  const { sinadDb: sinad, sinadPeakDb: sinadPeak } = combineSinadChunks(
    out.sinad,
    xbars.map((x) => x.index),
  );
  let attribution: DrawOutcome['attribution'];
  if (p.attribution) {
    // Per-peripheral shares of each layer's error, on this draw's devices (streams of a batch
    // index no simulated batch uses), in this thread.
    const hw = drawHardware(plan);
    hw.startBatch(-1);
    attribution = attributeDraw(p, plan, hw);
    hw.dispose();
  }
  return {
    draw,
    accuracy,
    conversions,
    events,
    sinadDb: sinad,
    sinadPeakDb: sinadPeak,
    ...(attribution ? { attribution } : {}),
    hardwareSeconds,
  };
}

/** Each run's layer inputs on its SINAD images, captured once (only attributing runs need them; every draw uses the same). */
const attributionInputCache = new WeakMap<PreparedSimulation, ReturnType<typeof captureLayerInputs>>();

function attributionInputs(p: PreparedSimulation): ReturnType<typeof captureLayerInputs> {
  let inputs = attributionInputCache.get(p);
  if (!inputs) attributionInputCache.set(p, (inputs = captureLayerInputs(p.net, p.sinadImages)));
  return inputs;
}

/**
 * Per crossbar layer, the RMS-referred SINAD on the first {@link ATTRIBUTION_ROWS} rows of its
 * reference inputs with the draw's crossbars and peripherals as built (`hw`), NNS+A ideal, NNADC
 * ideal and both ideal. The variants instantiate the draw's peripherals from the same streams, so
 * the circuits that remain are the same devices.
 */
function attributeDraw(
  p: PreparedSimulation,
  plan: DrawPlan,
  hw: ReturnType<typeof drawHardware>,
): NonNullable<DrawOutcome['attribution']> {
  const periph = plan.peripherals!;
  const variants = [
    hw,
    drawHardware({ ...plan, peripherals: { ...periph, accumulator: 'ideal' } }),
    drawHardware({ ...plan, peripherals: { ...periph, converter: 'ideal' } }),
    drawHardware({ ...plan, peripherals: { ...periph, accumulator: 'ideal', converter: 'ideal' } }),
  ];
  for (const v of variants) v.startBatch(-2);
  const inputs = attributionInputs(p);
  const out = p.xbars.map(({ index, layer }) => {
    const s = inputs.get(index)!;
    const rows = Math.min(s.rows, ATTRIBUTION_ROWS);
    const codes = s.codes.subarray(0, rows * layer.fanIn);
    const ref = rescale(layer, exactMatmul(layer, index, codes, rows), rows);
    return variants.map((v) => Math.min(200, sinadDb(ref, rescale(layer, v.matmul(layer, index, codes, rows), rows))));
  });
  for (const v of variants.slice(1)) v.dispose();
  return { rows: p.xbars.map(({ index }) => Math.min(inputs.get(index)!.rows, ATTRIBUTION_ROWS)), sinadDb: out };
}

/** Shares of the error sources and the dominant one, from the four SINADs of {@link PeripheralAttribution}. */
export function errorShares(
  nnsaIdealDb: number,
  nnadcIdealDb: number,
  idealPeripheralsDb: number,
): { shares: Record<ErrorSource, number>; dominant: ErrorSource } {
  const e = (db: number): number => 10 ** (-db / 10);
  const floor = e(idealPeripheralsDb);
  const parts: Record<ErrorSource, number> = {
    'NNS+A': Math.max(0, e(nnadcIdealDb) - floor),
    NNADC: Math.max(0, e(nnsaIdealDb) - floor),
    'crossbar + 8-bit quantization': floor,
  };
  const total = parts['NNS+A'] + parts.NNADC + parts['crossbar + 8-bit quantization'];
  const shares = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, total > 0 ? v / total : 0])) as Record<ErrorSource, number>;
  const dominant = (Object.keys(parts) as ErrorSource[]).reduce((a, b) => (parts[b] > parts[a] ? b : a));
  return { shares, dominant };
}

/**
 * Combines the outcomes of draws 0 … draws−1 (in draw order) into the run's result. The sums run
 * in draw order, so draws computed anywhere give the same numbers as one process.
 */
export function combineDraws(
  cfg: SimulationConfig,
  p: Pick<PreparedSimulation, 'count' | 'referenceAccuracy' | 'ranges'> & { layers: string[] },
  outcomes: DrawOutcome[],
  timing: { wallSeconds: number },
): SimulationResult {
  outcomes.forEach((o, d) => {
    if (o.draw !== d) throw new Error(`draw outcomes out of order: position ${d} holds draw ${o.draw}`);
  });
  const accuracyPerDraw = outcomes.map((o) => o.accuracy);
  const conversions = outcomes[0]?.conversions ?? [];
  const sinadSum = p.layers.map(() => 0);
  const sinadPeakSum = p.layers.map(() => 0);
  for (const o of outcomes) o.sinadDb.forEach((s, i) => (sinadSum[i] += s));
  for (const o of outcomes) (o.sinadPeakDb ?? o.sinadDb.map(() => NaN)).forEach((s, i) => (sinadPeakSum[i] += s));
  const mean = accuracyPerDraw.reduce((a, b) => a + b, 0) / accuracyPerDraw.length;
  const std = Math.sqrt(accuracyPerDraw.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, accuracyPerDraw.length - 1));
  const sinad = p.layers.map((layer, i) => ({ layer, sinadDb: sinadSum[i] / cfg.draws }));
  const sinadPeak = p.layers.map((layer, i) => ({ layer, sinadDb: sinadPeakSum[i] / cfg.draws }));
  const attribution = combineAttribution(p.layers, outcomes);
  return {
    dataflow: cfg.dataflow,
    mode: cfg.injectSinadDb !== undefined ? 'sinad-injection' : cfg.mode,
    images: p.count,
    draws: cfg.draws,
    sigma: cfg.device.programming.sigma,
    readNoiseSigma: cfg.device.readNoiseSigma,
    accuracyPerDraw,
    accuracyMean: mean,
    accuracyStd: std,
    referenceAccuracy: p.referenceAccuracy,
    conversions,
    conversionsTotal: conversions.reduce((a, c) => a + c.conversions, 0),
    events: outcomes[0]?.events ?? [],
    sinad,
    sinadMeanDb: sinad.reduce((a, s) => a + s.sinadDb, 0) / Math.max(1, sinad.length),
    sinadPeak,
    sinadPeakMeanDb: sinadPeak.reduce((a, s) => a + s.sinadDb, 0) / Math.max(1, sinadPeak.length),
    ranges: p.ranges,
    ...(attribution ? { attribution } : {}),
    wallSeconds: timing.wallSeconds,
    hardwareSeconds: outcomes.reduce((a, o) => a + o.hardwareSeconds, 0),
  };
}

/** The mean over draws of each layer's four attribution SINADs, with the shares; undefined unless every draw measured them. */
function combineAttribution(layers: string[], outcomes: DrawOutcome[]): PeripheralAttribution[] | undefined {
  if (!outcomes.length || !outcomes.every((o) => o.attribution)) return undefined;
  return layers.map((layer, i) => {
    const mean = [0, 1, 2, 3].map((k) => outcomes.reduce((a, o) => a + o.attribution!.sinadDb[i][k], 0) / outcomes.length);
    const [hardwareDb, nnsaIdealDb, nnadcIdealDb, idealPeripheralsDb] = mean;
    return {
      layer,
      rows: outcomes[0].attribution!.rows[i],
      hardwareDb,
      nnsaIdealDb,
      nnadcIdealDb,
      idealPeripheralsDb,
      ...errorShares(nnsaIdealDb, nnadcIdealDb, idealPeripheralsDb),
    };
  });
}

/** Batches a simulation runs over all its draws: the steps {@link SimulationProgress} counts. */
export function simulationBatches(cfg: Pick<SimulationConfig, 'draws' | 'batchSize'>, images: number): number {
  return cfg.draws * Math.ceil(images / cfg.batchSize);
}

/** Runs the simulation: {@link prepareSimulation}, every draw ({@link simulateDraw}), {@link combineDraws}. */
export async function simulate(
  cfg: SimulationConfig,
  net: QuantizedNetwork,
  data: SimulationData,
  peripherals: NeuralPimPeripherals | null,
  onProgress?: SimulationProgress,
  onLogits?: (draw: number, logits: Float64Array) => void,
  options: SimulationOptions = {},
): Promise<SimulationResult> {
  const started = Date.now();
  const p = await prepareSimulationParallel(cfg, net, data, peripherals, undefined, options);
  const outcomes: DrawOutcome[] = [];
  const batches = simulationBatches(cfg, p.count);
  let done = 0;
  for (let d = 0; d < cfg.draws; d++) {
    const stage = `draw ${d + 1}/${cfg.draws}`;
    onProgress?.(stage, done, batches);
    outcomes.push(await simulateDraw(p, d, drawSeedOf(cfg.seed, d), onLogits, () => onProgress?.(stage, ++done, batches)));
  }
  const layers = p.xbars.map((x) => x.layer.name);
  return combineDraws(cfg, { ...p, layers }, outcomes, {
    wallSeconds: (Date.now() - started) / 1000,
  });
}
