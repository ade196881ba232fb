/**
 * 8-bit quantization of a {@link FloatNetwork} into a {@link QuantizedNetwork}, and the exact
 * integer reference that the accelerator simulator must reproduce when all noise is off.
 *
 * **Weights** (P_W = 8 bits of magnitude). Each dense/conv2d layer is a crossbar matrix
 * `[fanIn rows × fanOut columns]` (row order of conv layers: see `network.ts`) of integer codes
 * w ∈ [−255, 255] in an `Int16Array`. The hardware stores w⁺ = max(w, 0) and w⁻ = max(−w, 0) in
 * two separate groups of 8-bit columns (positive and negative column of each weight bit), so the
 * magnitude has a full 8 bits and the sign is carried by which column of the pair holds it.
 * Scales are **per output channel** (per crossbar column): s_w[j] = max_k |W[k][j]| / 255,
 * w = round(W / s_w[j]) with ties away from zero. Per-column scales cost nothing in hardware (every
 * column is rescaled digitally after conversion anyway, where its bias is added) and keep small
 * channels from losing most of their 8 bits to a large neighbour.
 *
 * **Activations** (P_I = 8). Every dense/conv2d layer has an input scale s_in: its input is
 * unsigned codes q ∈ [0, 255] standing for q·s_in. A layer fed straight from the network input
 * (through flatten / max-pool / ReLU only) uses the input's own scale, so its codes are the pixels
 * themselves. Every other layer is calibrated on a batch of training images run through the float
 * network: s_in = (99.99th percentile of that layer's input values over the batch, all elements
 * counted, nearest-rank) / 255; larger values clip to 255. Codes are unsigned, so every crossbar
 * layer's input must be non-negative (after a ReLU, or pooling of ReLU outputs); anything else is
 * rejected when quantizing.
 *
 * **Reference arithmetic** ({@link runQuantizedReference}), all in IEEE-754 float64 without fused
 * multiply-add:
 * 1. input: real values x = p × net.inputScale for pixel codes p;
 * 2. dense/conv2d layer: codes q = min(255, max(0, Math.round(x / s_in))) — round half up;
 *    (conv) im2col of q; exact integer products acc[r][j] = Σ_k q[r][k]·w[k][j] (|acc| ≤
 *    255²·fanIn, exact far beyond any real fan-in); output y[r][j] = acc[r][j] × m_j + b[j] with
 *    m_j = s_in × s_w[j] (one multiplication, one addition, each rounded once);
 * 3. relu: y > 0 ? y : 0; max/avg pooling and flatten as in `network.ts`;
 * 4. the values after the last layer are the logits (float64); the class is the first arg-max.
 * Step 2's requantization happens at the consumer, i.e. after activation and pooling, which is
 * where the tile writes 8-bit values back to its buffer.
 *
 * **Residual graphs.** An `add` layer sums its inputs digitally in float64 (after each producer's
 * rescale and activation), as the tile's digital units would; the sum is requantized by each
 * crossbar layer that consumes it, with that layer's own calibrated scale, like any activation.
 *
 * **Input normalization.** When the float network normalizes its input (`inputNormalization`,
 * e.g. a mean image and per-channel deviations), a crossbar layer fed by the network input still
 * receives the raw 8-bit pixel codes: the per-channel gain is folded into its weights (before they
 * are quantized) and the offset's contribution, W·offset with the layer's own zero padding, into a
 * per-position bias (`positionBias`) added digitally in step 2. This is exact, needs no signed input
 * codes, and makes that layer's input exactly the pixels.
 *
 * **Calibration memory.** The percentile is exact (nearest rank over all of a layer's calibration
 * inputs) but only the largest values a percentile can reach are kept, so calibrating a CIFAR-10
 * ResNet on hundreds of images needs megabytes, not gigabytes.
 */
import * as tf from '@tensorflow/tfjs';
import { ensure, fail } from '../core/errors.ts';
import { DNN_ACTIVATION_PERCENTILE } from '../core/defaults.ts';
import { extractNetwork } from './import.ts';
import {
  addArrays,
  argmaxRows,
  crossbarForward,
  im2col,
  integerMatmul,
  isCrossbar,
  layerInputs,
  NETWORK_INPUT,
  networkInput,
  pool,
  positionsPerImage,
  reluInPlace,
  runFloatNetwork,
  runGraph,
  shapeSize,
  type AddLayer,
  type Conv2dLayer,
  type DenseLayer,
  type FlattenLayer,
  type FloatNetwork,
  type PoolLayer,
  type ReluLayer,
  type Shape,
} from './network.ts';

/** Largest weight-code magnitude (8 bits). */
export const WEIGHT_CODE_MAX = 255;
/** Largest activation code (unsigned 8 bits). */
export const ACTIVATION_CODE_MAX = 255;

/** Quantization fields shared by dense and conv2d layers. */
export interface QuantizedCrossbarFields {
  /** Per-column weight scale s_w[j]: real weight = code × s_w[j]. */
  weightScale: Float64Array;
  /** Input scale s_in: real input = code × s_in. */
  inputScale: number;
  /** How s_in was chosen: the network input's own scale, or percentile calibration. */
  inputScaleFrom: 'network input' | 'calibration';
  /**
   * Bias per output position and column (`positions × fanOut`, replacing `bias` in the rescale) of a
   * layer fed by a normalized network input: the normalization's offset folded in (module docs).
   */
  positionBias?: Float64Array;
}

/** A dense layer with integer weight codes. */
export type QuantizedDense = DenseLayer<Int16Array> & QuantizedCrossbarFields;
/** A conv2d layer with integer weight codes. */
export type QuantizedConv2d = Conv2dLayer<Int16Array> & QuantizedCrossbarFields;
/** A quantized crossbar layer. */
export type QuantizedCrossbar = QuantizedDense | QuantizedConv2d;
/** A layer of a {@link QuantizedNetwork}. */
export type QuantizedLayer = QuantizedCrossbar | PoolLayer | FlattenLayer | ReluLayer | AddLayer;

/** An 8-bit network: the input of the accelerator simulator. */
export interface QuantizedNetwork {
  /** Per-image input shape, e.g. `[28, 28, 1]`. */
  inputShape: Shape;
  /** Real value of one input code (pixel). */
  inputScale: number;
  layers: QuantizedLayer[];
  /** Weight magnitude bits (codes in [−255, 255]). */
  weightBits: 8;
  /** Activation bits (codes in [0, 255]). */
  activationBits: 8;
  /** How the activation scales were calibrated. */
  calibration: { images: number; percentile: number };
}

/** Options of {@link quantizeNetwork}. */
export interface QuantizeOptions {
  /** Percentile of a layer's input values mapped to code 255 (default 99.99). */
  percentile?: number;
  /** Images per forward batch during calibration (memory bound only; default 100). */
  batchSize?: number;
}

/** Quantizes real weights `[fanIn × fanOut]` to codes in [−255, 255] with one scale per column. */
export function quantizeWeights(weights: Float64Array, fanIn: number, fanOut: number): { codes: Int16Array; scale: Float64Array } {
  ensure(weights.length === fanIn * fanOut, `weight matrix has ${weights.length} entries, expected ${fanIn}×${fanOut}`);
  const codes = new Int16Array(fanIn * fanOut);
  const scale = new Float64Array(fanOut);
  for (let j = 0; j < fanOut; j++) {
    let maxAbs = 0;
    for (let k = 0; k < fanIn; k++) maxAbs = Math.max(maxAbs, Math.abs(weights[k * fanOut + j]));
    // An all-zero column has any scale; 1 keeps the rescale finite.
    const s = maxAbs > 0 ? maxAbs / WEIGHT_CODE_MAX : 1;
    scale[j] = s;
    for (let k = 0; k < fanIn; k++) {
      const v = weights[k * fanOut + j] / s;
      const q = Math.sign(v) * Math.round(Math.abs(v));
      codes[k * fanOut + j] = Math.max(-WEIGHT_CODE_MAX, Math.min(WEIGHT_CODE_MAX, q));
    }
  }
  return { codes, scale };
}

/** The 8-bit code of real value `x` at scale `s`: `min(255, max(0, Math.round(x / s)))`. */
export function quantizeActivation(x: number, scale: number): number {
  const q = Math.round(x / scale);
  return q > ACTIVATION_CODE_MAX ? ACTIVATION_CODE_MAX : q > 0 ? q : 0;
}

/** {@link quantizeActivation} over an array. */
export function quantizeActivations(values: Float64Array, scale: number): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = quantizeActivation(values[i], scale);
  return out;
}

/** Nearest-rank percentile (0 < p ≤ 100) of `values`: the ⌈p/100 · n⌉-th smallest. */
export function percentile(values: Float64Array, p: number): number {
  ensure(values.length > 0, 'percentile of an empty set');
  ensure(p > 0 && p <= 100, `percentile must be in (0, 100], got ${p}`);
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(values.length, Math.max(1, Math.ceil((p / 100) * values.length)));
  return sorted[rank - 1];
}

/**
 * Quantizes `net` to 8-bit weights and activations, calibrating the activation scales on
 * `calibrationImages` (8-bit input codes, `count × inputSize`); see the module documentation.
 */
export function quantizeNetwork(net: FloatNetwork, calibrationImages: Uint8Array, options: QuantizeOptions = {}): QuantizedNetwork {
  const p = options.percentile ?? DNN_ACTIVATION_PERCENTILE;
  ensure(Number.isFinite(p) && p > 0 && p <= 100, `activation percentile must be in (0, 100], got ${p}`);
  const inputSize = shapeSize(net.inputShape);
  ensure(
    calibrationImages.length > 0 && calibrationImages.length % inputSize === 0,
    `calibration data has ${calibrationImages.length} values, not a whole number of ${inputSize}-value inputs`,
  );
  const count = calibrationImages.length / inputSize;

  // Per tensor (layer output, NETWORK_INPUT): whether it is the raw input codes (possibly max-pooled
  // or flattened) and whether it is non-negative; which crossbar layers see the raw input codes.
  const norm = net.inputNormalization;
  const isDirectOut = new Map<number, boolean>([[NETWORK_INPUT, true]]);
  const nonNegativeOut = new Map<number, boolean>([[NETWORK_INPUT, !norm]]);
  const direct = new Set<number>();
  for (const [i, layer] of net.layers.entries()) {
    const ins = layerInputs(net.layers, i);
    const inDirect = ins.every((j) => isDirectOut.get(j));
    const inNonNegative = ins.every((j) => nonNegativeOut.get(j));
    if (isCrossbar(layer)) {
      if (inDirect) {
        if (norm && ins[0] !== NETWORK_INPUT)
          fail(
            `layer '${layer.name}' takes the normalized network input through pooling; only a dense/conv2d layer fed by the input itself can fold the normalization`,
          );
        direct.add(i);
      } else if (!inNonNegative) {
        const from = ins.find((j) => !nonNegativeOut.get(j))!;
        fail(
          `layer '${layer.name}' takes signed values from '${from === NETWORK_INPUT ? 'the network input' : net.layers[from].name}'; unsigned 8-bit activations need a ReLU before every dense/conv2d layer`,
        );
      }
      isDirectOut.set(i, false);
      nonNegativeOut.set(i, false);
    } else {
      isDirectOut.set(i, layer.kind !== 'relu' && layer.kind !== 'avgPool' && layer.kind !== 'add' && inDirect);
      nonNegativeOut.set(i, layer.kind === 'relu' || inNonNegative);
    }
  }

  // The largest values of each calibrated layer's float inputs over the calibration batch.
  const tops = new Map<number, TopValues>();
  for (const [i, layer] of net.layers.entries())
    if (isCrossbar(layer) && !direct.has(i)) tops.set(i, new TopValues(count * shapeSize(layer.inputShape), p));
  const batchSize = options.batchSize ?? 100;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const x = networkInput(net, calibrationImages.subarray(start * inputSize, (start + n) * inputSize), n);
    runFloatNetwork(net, x, n, (i, _layer, input) => tops.get(i)?.add(input));
  }

  const layers: QuantizedLayer[] = net.layers.map((layer, i) => {
    if (!isCrossbar(layer)) return layer;
    let inputScale = net.inputScale;
    let inputScaleFrom: QuantizedCrossbarFields['inputScaleFrom'] = 'network input';
    let weights = layer.weights;
    let positionBias: Float64Array | undefined;
    if (!direct.has(i)) {
      const hi = tops.get(i)!.percentile();
      // A layer whose calibration input is all zero gets scale 1; its codes are then all 0.
      inputScale = hi > 0 ? hi / ACTIVATION_CODE_MAX : 1;
      inputScaleFrom = 'calibration';
    } else if (norm) {
      ({ weights, positionBias } = foldNormalization(layer, norm));
    }
    const { codes, scale } = quantizeWeights(weights, layer.fanIn, layer.fanOut);
    const q = { ...layer, weights: codes, weightScale: scale, bias: Float64Array.from(layer.bias), inputScale, inputScaleFrom };
    return positionBias ? { ...q, positionBias } : q;
  });
  return {
    inputShape: [...net.inputShape],
    inputScale: net.inputScale,
    layers,
    weightBits: 8,
    activationBits: 8,
    calibration: { images: count, percentile: p },
  };
}

/** Extracts and quantizes a tfjs Layers model in one step (see {@link extractNetwork}). */
export function quantizeLayersModel(
  model: tf.LayersModel,
  calibrationImages: Uint8Array,
  options: QuantizeOptions & { inputScale?: number } = {},
): QuantizedNetwork {
  return quantizeNetwork(extractNetwork(model, { inputScale: options.inputScale }), calibrationImages, options);
}

/**
 * Moves the `k` largest of `a` (0 < k < a.length) to its front, in no particular order, and returns
 * that part (Hoare partition quickselect with the median of three as pivot; in place).
 */
function selectLargest(a: Float64Array, k: number): Float64Array {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    // Median of three of a[lo], a[mid], a[hi] as the pivot value.
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x > y ? (y > z ? y : x > z ? z : x) : x > z ? x : y > z ? z : y;
    // Descending Hoare partition: a[lo..j] ≥ pivot ≥ a[j+1..hi].
    let i = lo - 1;
    let j = hi + 1;
    for (;;) {
      do i++;
      while (a[i] > pivot);
      do j--;
      while (a[j] < pivot);
      if (i >= j) break;
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    if (k - 1 <= j) hi = j;
    else lo = j + 1;
  }
  return a.subarray(0, k);
}

/**
 * The nearest-rank percentile of `total` values seen in parts, keeping only the values at or above
 * it: the ⌈p/100 · total⌉-th smallest is the (total − rank + 1)-th largest.
 */
export class TopValues {
  private kept = new Float64Array(0);
  private seen = 0;
  private readonly keep: number;
  constructor(
    private readonly total: number,
    p: number,
  ) {
    ensure(total > 0, 'percentile of an empty set');
    const rank = Math.min(total, Math.max(1, Math.ceil((p / 100) * total)));
    this.keep = total - rank + 1;
  }
  add(values: Float64Array): void {
    this.seen += values.length;
    const full = this.kept.length >= this.keep;
    const threshold = full ? this.kept[this.keep - 1] : -Infinity;
    const merged = new Float64Array(this.kept.length + values.length);
    merged.set(this.kept);
    let n = this.kept.length;
    for (let i = 0; i < values.length; i++) if (values[i] > threshold) merged[n++] = values[i];
    if (n === this.kept.length) return;
    // The `keep` largest of the candidates: partitioned to the front in O(n), then only they are sorted.
    const top = n > this.keep ? selectLargest(merged.subarray(0, n), this.keep) : merged.subarray(0, n);
    this.kept = top.slice().sort().reverse();
  }
  percentile(): number {
    ensure(this.seen === this.total, `calibration saw ${this.seen} values, expected ${this.total}`);
    return this.kept[this.keep - 1];
  }
}

/**
 * Folds an input normalization into a crossbar layer fed by the network input: weights × the gain of
 * each row's channel, and the offset's product with the weights (zero padding as the layer's) plus
 * the bias as a per-position bias.
 */
function foldNormalization(
  layer: DenseLayer<Float64Array> | Conv2dLayer<Float64Array>,
  norm: NonNullable<FloatNetwork['inputNormalization']>,
): { weights: Float64Array; positionBias: Float64Array } {
  const C = norm.channelGain.length;
  const m = layer.fanOut;
  const weights = Float64Array.from(layer.weights);
  // Row r of a conv's im2col is channel r mod Cin; a dense layer on a flattened [H, W, C] input likewise.
  for (let r = 0; r < layer.fanIn; r++) for (let j = 0; j < m; j++) weights[r * m + j] *= norm.channelGain[r % C];
  const positionBias = crossbarForward({ ...layer, bias: new Float64Array(m) }, norm.offset, 1);
  for (let r = 0; r < positionBias.length / m; r++) for (let j = 0; j < m; j++) positionBias[r * m + j] += layer.bias[j];
  return { weights, positionBias };
}

/**
 * Computes a crossbar layer's accumulations `[rows × fanOut]` (units: input code × weight code)
 * from its input codes `[rows × fanIn]` (after im2col for conv layers). The reference uses the exact
 * integer product; the accelerator simulator substitutes its crossbar model.
 */
export type CrossbarMatmul = (layer: QuantizedCrossbar, layerIndex: number, codes: Uint8Array, rows: number) => Float64Array;

/** Hooks of {@link runQuantized}. */
export interface RunQuantizedHooks {
  /** Crossbar product (default: the exact integer product, {@link exactMatmul}). */
  matmul?: CrossbarMatmul;
  /** Sees every layer's output values `[batch × outputSize]` (for tracing and SINAD measurement). */
  onLayer?: (layerIndex: number, layer: QuantizedLayer, output: Float64Array, batch: number) => void;
  /** Images per internal batch (memory bound only; default 128). */
  batchSize?: number;
}

/** The exact integer crossbar product of the reference. */
export const exactMatmul: CrossbarMatmul = (layer, _index, codes, rows) =>
  integerMatmul(codes, rows, layer.fanIn, layer.weights, layer.fanOut);

/** Number of output values (classes) of a network. */
export function outputSize(net: QuantizedNetwork): number {
  return shapeSize(net.layers[net.layers.length - 1].outputShape);
}

/**
 * Runs a quantized network on 8-bit input codes (`count × inputSize`) with the arithmetic of the
 * module documentation, the crossbar products coming from `hooks.matmul`. Returns the logits
 * `[count × outputSize]`.
 */
export function runQuantized(net: QuantizedNetwork, images: Uint8Array, hooks: RunQuantizedHooks = {}): Float64Array {
  const inputSize = shapeSize(net.inputShape);
  ensure(images.length % inputSize === 0, `input has ${images.length} values, not a whole number of ${inputSize}-value images`);
  const count = images.length / inputSize;
  const classes = outputSize(net);
  const logits = new Float64Array(count * classes);
  const mm = hooks.matmul ?? exactMatmul;
  const batchSize = hooks.batchSize ?? 128;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const input = new Float64Array(n * inputSize);
    for (let i = 0; i < input.length; i++) input[i] = images[start * inputSize + i] * net.inputScale;
    const x = runGraph(net.layers, input, (li, layer, inputs) => {
      let y: Float64Array;
      switch (layer.kind) {
        case 'dense':
        case 'conv2d': {
          const codes = quantizeActivations(inputs[0], layer.inputScale);
          const rows = n * positionsPerImage(layer);
          const patches = layer.kind === 'conv2d' ? im2col(layer, codes, n) : codes;
          const acc = mm(layer, li, patches, rows);
          ensure(
            acc.length === rows * layer.fanOut,
            `crossbar product of layer '${layer.name}' has ${acc.length} values, expected ${rows}×${layer.fanOut}`,
          );
          y = rescale(layer, acc, rows);
          break;
        }
        case 'relu':
          // A copy, so arrays handed to onLayer are never changed afterwards.
          y = reluInPlace(Float64Array.from(inputs[0]));
          break;
        case 'maxPool':
        case 'avgPool':
          y = pool(layer, inputs[0], n);
          break;
        case 'flatten':
          y = inputs[0];
          break;
        case 'add':
          y = addArrays(inputs);
          break;
      }
      hooks.onLayer?.(li, layer, y, n);
      return y;
    });
    logits.set(x, start * classes);
  }
  return logits;
}

/**
 * `y[r][j] = acc[r][j] × (s_in × s_w[j]) + b[j]` in float64 (a new array); `b` is the layer's
 * per-position bias where it has one (row r is position r mod positions).
 */
export function rescale(layer: QuantizedCrossbar, acc: Float64Array, rows: number): Float64Array {
  const m = layer.fanOut;
  const mult = new Float64Array(m);
  for (let j = 0; j < m; j++) mult[j] = layer.inputScale * layer.weightScale[j];
  const out = new Float64Array(rows * m);
  const pb = layer.positionBias;
  if (pb) {
    const positions = pb.length / m;
    for (let r = 0; r < rows; r++) {
      const base = (r % positions) * m;
      for (let j = 0; j < m; j++) out[r * m + j] = acc[r * m + j] * mult[j] + pb[base + j];
    }
    return out;
  }
  for (let r = 0; r < rows; r++) for (let j = 0; j < m; j++) out[r * m + j] = acc[r * m + j] * mult[j] + layer.bias[j];
  return out;
}

/** The exact integer reference: logits `[count × outputSize]` for 8-bit input codes. */
export function runQuantizedReference(net: QuantizedNetwork, images: Uint8Array): Float64Array {
  return runQuantized(net, images);
}

/** Predicted classes (first arg-max of the logits) of the reference. */
export function predictQuantized(net: QuantizedNetwork, images: Uint8Array, hooks?: RunQuantizedHooks): Int32Array {
  const classes = outputSize(net);
  const logits = runQuantized(net, images, hooks);
  return argmaxRows(logits, logits.length / classes, classes);
}

/** Fraction of `labels` the quantized network predicts correctly (reference arithmetic by default). */
export function quantizedAccuracy(net: QuantizedNetwork, images: Uint8Array, labels: ArrayLike<number>, hooks?: RunQuantizedHooks): number {
  const predicted = predictQuantized(net, images, hooks);
  ensure(predicted.length === labels.length, `${predicted.length} images but ${labels.length} labels`);
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct / predicted.length;
}

/** One row per layer, for reports and metrics files. */
export interface QuantizedLayerSummary {
  name: string;
  kind: QuantizedLayer['kind'];
  inputShape: Shape;
  outputShape: Shape;
  fanIn?: number;
  fanOut?: number;
  inputScale?: number;
  inputScaleFrom?: QuantizedCrossbarFields['inputScaleFrom'];
  /** Largest |weight code| in the layer (255 unless a column is all zero). */
  maxWeightCode?: number;
}

/** Summarizes the layers of a quantized network. */
export function summarizeQuantized(net: QuantizedNetwork): QuantizedLayerSummary[] {
  return net.layers.map((l) => {
    const base = { name: l.name, kind: l.kind, inputShape: l.inputShape, outputShape: l.outputShape };
    if (l.kind !== 'dense' && l.kind !== 'conv2d') return base;
    let maxCode = 0;
    for (const w of l.weights) maxCode = Math.max(maxCode, Math.abs(w));
    return {
      ...base,
      fanIn: l.fanIn,
      fanOut: l.fanOut,
      inputScale: l.inputScale,
      inputScaleFrom: l.inputScaleFrom,
      maxWeightCode: maxCode,
    };
  });
}
