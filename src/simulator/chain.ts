/**
 * The reference design's own SINAD measurement of the Neural-PIM chain: one array of random
 * kernels (uniform 8-bit signed weights) and random inputs (uniform 8-bit codes) through the
 * programmed crossbar, the NNS+A and the NNADC, Monte Carlo over device draws, against the exact
 * integer products. Reported in both SINAD conventions (RMS- and peak-referred, see
 * `simulate.ts`), on the array's own partial sums (no bias, no rescale).
 *
 * Real layers see far smaller partial sums than random kernels on random inputs (ReLU activations
 * are sparse, trained weights small), so the layer figures of `npim simulate` are lower; the
 * chain figure is the one to compare with the reference design's.
 */
import { Rng } from '../core/rng.ts';
import { exactMatmul, type QuantizedDense, type QuantizedNetwork } from '../dnn/quantize.ts';
import type { SimulationConfig } from '../chip/simulation-config.ts';
import type { NeuralPimPeripherals } from '../dataflows/neural-pim-circuits.ts';
import { drawHardware, programDraw } from './engine.ts';
import { drawSeedOf } from '../mapping/dnn-weights.ts';
import { peakSinadDb, prepareSimulation, sinadDb } from './simulate.ts';

/** What to measure. */
export interface ChainOptions {
  /** Weight columns (kernels) on the array; 8 fill a 128-column array with 8-bit differential weights. */
  kernels: number;
  /** Random input vectors per draw. */
  vectors: number;
  draws: number;
  seed: number;
}

/** SINAD of one draw, both conventions, dB. */
export interface ChainDraw {
  rmsSinadDb: number;
  peakSinadDb: number;
}

/** The measurement at one σ. */
export interface ChainResult {
  sigma: number;
  rows: number;
  kernels: number;
  vectors: number;
  draws: ChainDraw[];
  rmsSinadMeanDb: number;
  rmsSinadStdDb: number;
  peakSinadMeanDb: number;
  peakSinadStdDb: number;
}

/** One dense layer of `rows` × `kernels` uniform random 8-bit signed weights. */
export function randomKernelNetwork(rows: number, kernels: number, rng: Rng): QuantizedNetwork {
  const layer: QuantizedDense = {
    kind: 'dense',
    name: 'random-kernels',
    inputShape: [rows],
    outputShape: [kernels],
    fanIn: rows,
    fanOut: kernels,
    weights: Int16Array.from({ length: rows * kernels }, () => rng.int(511) - 255),
    bias: new Float64Array(kernels),
    weightScale: new Float64Array(kernels).fill(1),
    inputScale: 1,
    inputScaleFrom: 'network input',
  };
  return {
    inputShape: [rows],
    inputScale: 1,
    layers: [layer],
    weightBits: 8,
    activationBits: 8,
    calibration: { images: 0, percentile: 100 },
  };
}

function meanStd(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const s = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return [m, s];
}

/**
 * Measures the chain under configuration `cfg` (its σ, peripherals, array rows): the network and
 * inputs come from `seed`, the device draws from {@link drawSeedOf}(seed, d). The converter range
 * and sensing gain are calibrated on the first 64 vectors, as for a layer.
 */
export function measureChain(
  cfg: SimulationConfig,
  peripherals: NeuralPimPeripherals | null,
  o: ChainOptions,
  onDraw?: (done: number) => void,
): ChainResult {
  const rng = new Rng(o.seed).fork('chain');
  const net = randomKernelNetwork(cfg.arrayRows, o.kernels, rng.fork('kernels'));
  const inputs = rng.fork('inputs');
  const codes = Uint8Array.from({ length: o.vectors * cfg.arrayRows }, () => inputs.int(256));
  const layer = net.layers[0] as QuantizedDense;
  const p = prepareSimulation(cfg, net, { images: codes, labels: new Uint8Array(o.vectors) }, peripherals);
  const ref = exactMatmul(layer, 0, codes, o.vectors);
  const draws: ChainDraw[] = [];
  for (let d = 0; d < o.draws; d++) {
    const drawSeed = drawSeedOf(o.seed, d);
    const hw = drawHardware({ cfg, net, calibration: p.calibration, programmed: programDraw(cfg, net, drawSeed), peripherals, drawSeed });
    hw.startBatch(-1);
    const acc = hw.matmul(layer, 0, codes, o.vectors);
    hw.dispose();
    draws.push({ rmsSinadDb: Math.min(200, sinadDb(ref, acc)), peakSinadDb: Math.min(200, peakSinadDb(ref, acc)) });
    onDraw?.(d + 1);
  }
  const [rmsM, rmsS] = meanStd(draws.map((x) => x.rmsSinadDb));
  const [pkM, pkS] = meanStd(draws.map((x) => x.peakSinadDb));
  return {
    sigma: cfg.device.programming.sigma,
    rows: cfg.arrayRows,
    kernels: o.kernels,
    vectors: o.vectors,
    draws,
    rmsSinadMeanDb: rmsM,
    rmsSinadStdDb: rmsS,
    peakSinadMeanDb: pkM,
    peakSinadStdDb: pkS,
  };
}
