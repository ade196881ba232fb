/**
 * The layer-list form of a feed-forward DNN that the quantizer and the accelerator simulator work
 * on, and its float64 reference forward pass.
 *
 * Layout conventions (the same as tfjs, channels-last):
 * - an activation tensor of one image is row-major `[H, W, C]` (or `[F]` after a flatten), a batch
 *   is images one after another;
 * - a dense or conv2d layer is a crossbar matrix `[fanIn rows × fanOut columns]`, row-major
 *   (element (r, c) at `r·fanOut + c`), one column per output neuron / output channel;
 * - a conv2d layer runs as an im2col product: for output position (oy, ox) the patch vector has
 *   `fanIn = KH·KW·Cin` entries, entry `r = (ky·KW + kx)·Cin + ci` being the input at
 *   `(oy·SH + ky − padTop, ox·SW + kx − padLeft, ci)`, zero outside the image. This is the order
 *   of the tfjs kernel `[KH, KW, Cin, Cout]` flattened, so the crossbar matrix is that kernel
 *   reshaped. Output rows of the product are positions in row-major (n, oy, ox) order, i.e. the
 *   product is already the `[OH, OW, Cout]` output tensor.
 * - 'same' padding splits the total padding as TensorFlow does: `total = max((O − 1)·S + K − I, 0)`,
 *   `top/left = ⌊total / 2⌋`, the rest at the bottom/right.
 * - pooling with padding ignores the padded cells (max over, and average over, the cells inside the
 *   image), as TensorFlow does.
 *
 * **Graphs.** The layer list is in topological order. A layer takes the output of the layer before it
 * (the network input for layer 0) unless it names its inputs in `inputs` (indices of earlier layers,
 * {@link NETWORK_INPUT} for the network input); an `add` layer (residual connection) sums two or more
 * same-shaped inputs element by element. The network's output is the last layer's. A chain has no
 * `inputs` anywhere, so networks written before graphs existed read the same.
 */
import { ensure } from '../core/errors.ts';
import { floatMatmulKernel } from './float-matmul.ts';
import { integerMatmulKernel } from './integer-matmul.ts';

/** Shape of one image's activation tensor: `[H, W, C]` or `[F]`. */
export type Shape = number[];

/** Zero padding on each side, in pixels. */
export interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

interface LayerBase {
  /** Name of the source layer (from the tfjs model), for messages and reports. */
  name: string;
  /** Per-image input and output shapes. */
  inputShape: Shape;
  outputShape: Shape;
  /** Indices of the layers whose outputs this layer takes ({@link NETWORK_INPUT}: the network input); absent: the previous layer. */
  inputs?: number[];
}

/** The `inputs` index that stands for the network input. */
export const NETWORK_INPUT = -1;

/** Element-wise sum of two or more same-shaped inputs (a residual connection), done digitally. */
export interface AddLayer extends LayerBase {
  kind: 'add';
  inputs: number[];
}

/** A fully connected layer `y = x·W + b` with `W` a `[fanIn × fanOut]` crossbar matrix. */
export interface DenseLayer<W> extends LayerBase {
  kind: 'dense';
  fanIn: number;
  fanOut: number;
  /** `[fanIn × fanOut]`, row-major. */
  weights: W;
  /** One bias per column. */
  bias: Float64Array;
}

/** A 2-D convolution run as an im2col product (see the module documentation for the row order). */
export interface Conv2dLayer<W> extends LayerBase {
  kind: 'conv2d';
  /** `[KH, KW]`. */
  kernelSize: [number, number];
  /** `[SH, SW]`. */
  strides: [number, number];
  padding: Padding;
  /** KH·KW·Cin. */
  fanIn: number;
  /** Cout. */
  fanOut: number;
  /** `[fanIn × fanOut]`, row-major. */
  weights: W;
  bias: Float64Array;
}

/** Max or average pooling over `poolSize` windows. */
export interface PoolLayer extends LayerBase {
  kind: 'maxPool' | 'avgPool';
  poolSize: [number, number];
  strides: [number, number];
  padding: Padding;
}

/** Reshape `[H, W, C]` to `[H·W·C]` (no data movement in channels-last order). */
export interface FlattenLayer extends LayerBase {
  kind: 'flatten';
}

/** `max(0, x)`. */
export interface ReluLayer extends LayerBase {
  kind: 'relu';
}

/** A layer whose weights are stored as `W` (float64 before quantization, codes after). */
export type Layer<W> = DenseLayer<W> | Conv2dLayer<W> | PoolLayer | FlattenLayer | ReluLayer | AddLayer;

/** A crossbar (matrix) layer. */
export type CrossbarLayer<W> = DenseLayer<W> | Conv2dLayer<W>;

/** A network with float64 weights (batch-norm folded, dropout removed). */
export interface FloatNetwork {
  /** Per-image input shape, e.g. `[28, 28, 1]`. */
  inputShape: Shape;
  /**
   * Real value of one input code: the network's input is `code × inputScale` for 8-bit input codes
   * (pixels 0..255). 1/255 for models trained on pixels scaled to [0, 1].
   */
  inputScale: number;
  /**
   * Input preprocessing beyond the scale (e.g. a mean image subtracted, per-channel standard
   * deviations): the network sees `code × inputScale × channelGain[c] + offset[i]` for element i of
   * channel c. Absent: `code × inputScale`.
   */
  inputNormalization?: InputNormalization;
  layers: Layer<Float64Array>[];
}

/** Per-channel gain and per-element offset applied to the scaled input codes (see {@link FloatNetwork}). */
export interface InputNormalization {
  /** One gain per input channel (last axis). */
  channelGain: Float64Array;
  /** One offset per input element (`shapeSize(inputShape)` values, channels-last). */
  offset: Float64Array;
}

/** The indices a layer takes its inputs from ({@link NETWORK_INPUT} for the network input). */
export function layerInputs(layers: ReadonlyArray<{ inputs?: number[] }>, index: number): number[] {
  return layers[index].inputs ?? [index - 1];
}

/**
 * Runs a layer graph on a batch: `step` gets each layer's input arrays and returns its output. An
 * output is dropped once its last consumer has run, so memory stays at the live activations.
 * Returns the last layer's output.
 */
export function runGraph<L extends { inputs?: number[] }>(
  layers: readonly L[],
  input: Float64Array,
  step: (index: number, layer: L, inputs: Float64Array[]) => Float64Array,
): Float64Array {
  const lastUse = new Map<number, number>();
  layers.forEach((_, i) => {
    for (const j of layerInputs(layers, i)) {
      ensure(j >= NETWORK_INPUT && j < i, `layer ${i} takes the output of layer ${j}, which does not come before it`);
      lastUse.set(j, i);
    }
  });
  const outputs = new Map<number, Float64Array>([[NETWORK_INPUT, input]]);
  let last = input;
  for (const [i, layer] of layers.entries()) {
    const ins = layerInputs(layers, i);
    last = step(
      i,
      layer,
      ins.map((j) => outputs.get(j)!),
    );
    for (const j of ins) if (lastUse.get(j) === i) outputs.delete(j);
    outputs.set(i, last);
  }
  return last;
}

/** Element-wise sum of same-length arrays (a new array; summed in input order). */
export function addArrays(inputs: Float64Array[]): Float64Array {
  const out = Float64Array.from(inputs[0]);
  for (let k = 1; k < inputs.length; k++) {
    const x = inputs[k];
    ensure(x.length === out.length, `add of arrays of ${out.length} and ${x.length} values`);
    for (let i = 0; i < out.length; i++) out[i] += x[i];
  }
  return out;
}

/**
 * The network's real input values for `count` images of 8-bit codes (`count × inputSize`): codes ×
 * inputScale, then the input normalization if any.
 */
export function networkInput(
  net: Pick<FloatNetwork, 'inputShape' | 'inputScale' | 'inputNormalization'>,
  codes: ArrayLike<number>,
  count: number,
): Float64Array {
  const size = shapeSize(net.inputShape);
  const x = new Float64Array(count * size);
  const norm = net.inputNormalization;
  if (!norm) {
    for (let i = 0; i < x.length; i++) x[i] = codes[i] * net.inputScale;
    return x;
  }
  const C = norm.channelGain.length;
  for (let n = 0; n < count; n++)
    for (let i = 0; i < size; i++) x[n * size + i] = codes[n * size + i] * net.inputScale * norm.channelGain[i % C] + norm.offset[i];
  return x;
}

/** Number of elements of a shape. */
export function shapeSize(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Output size and padding of one spatial axis, TensorFlow rules. */
export function windowAxis(
  input: number,
  window: number,
  stride: number,
  padding: 'valid' | 'same',
): { out: number; before: number; after: number } {
  if (padding === 'valid') {
    ensure(input >= window, `window of ${window} does not fit an input of ${input}`);
    return { out: Math.floor((input - window) / stride) + 1, before: 0, after: 0 };
  }
  const out = Math.ceil(input / stride);
  const total = Math.max((out - 1) * stride + window - input, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

/** Whether a layer is a crossbar (dense or conv2d) layer. */
export function isCrossbar<W>(layer: Layer<W>): layer is CrossbarLayer<W> {
  return layer.kind === 'dense' || layer.kind === 'conv2d';
}

/** Number of product rows (im2col positions) per image of a crossbar layer: 1 for dense. */
export function positionsPerImage<W>(layer: CrossbarLayer<W>): number {
  return layer.kind === 'dense' ? 1 : layer.outputShape[0] * layer.outputShape[1];
}

/**
 * im2col: the patch matrix `[batch·OH·OW × fanIn]` of a conv2d layer for a batch of input tensors
 * (see the module documentation for the row and column order). Works on codes (Uint8Array) and on
 * real values (Float64Array); padding is 0 in both.
 */
export function im2col<T extends Uint8Array | Float64Array>(layer: Conv2dLayer<unknown>, input: T, batch: number): T {
  const [H, W, C] = layer.inputShape;
  const [OH, OW] = layer.outputShape;
  const [KH, KW] = layer.kernelSize;
  const [SH, SW] = layer.strides;
  const { top, left } = layer.padding;
  const fanIn = layer.fanIn;
  const out = new (input.constructor as { new (n: number): T })(batch * OH * OW * fanIn);
  const imageSize = H * W * C;
  let row = 0;
  for (let n = 0; n < batch; n++) {
    const base = n * imageSize;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++, row++) {
        const rowBase = row * fanIn;
        for (let ky = 0; ky < KH; ky++) {
          const iy = oy * SH + ky - top;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < KW; kx++) {
            const ix = ox * SW + kx - left;
            if (ix < 0 || ix >= W) continue;
            const src = base + (iy * W + ix) * C;
            const dst = rowBase + (ky * KW + kx) * C;
            for (let c = 0; c < C; c++) out[dst + c] = input[src + c];
          }
        }
      }
    }
  }
  return out;
}

/**
 * `rows × fanOut` product of a `[rows × fanIn]` input matrix with a `[fanIn × fanOut]` weight
 * matrix, accumulated in float64 (in row order k = 0, 1, …). Zero inputs are skipped (common after
 * ReLU). Runs in a WebAssembly SIMD kernel (`float-matmul.ts`) equal to {@link matmulReference}.
 */
export function matmul(input: Float64Array, rows: number, fanIn: number, weights: Float64Array, fanOut: number): Float64Array {
  return floatMatmulKernel(input, rows, fanIn, weights, fanOut);
}

/** The plain JavaScript loop of {@link matmul}: its specification, which the kernel equals bit for bit. */
export function matmulReference(input: Float64Array, rows: number, fanIn: number, weights: Float64Array, fanOut: number): Float64Array {
  const out = new Float64Array(rows * fanOut);
  const acc = new Float64Array(fanOut);
  for (let r = 0; r < rows; r++) {
    const inBase = r * fanIn;
    acc.fill(0);
    for (let k = 0; k < fanIn; k++) {
      const x = input[inBase + k];
      if (x === 0) continue;
      const wBase = k * fanOut;
      for (let j = 0; j < fanOut; j++) acc[j] += x * weights[wBase + j];
    }
    out.set(acc, r * fanOut);
  }
  return out;
}

/**
 * Exact integer product of 8-bit codes `[rows × fanIn]` with integer weight codes
 * `[fanIn × fanOut]`. Every partial sum is an integer below 2^53 in magnitude (255 · 255 · fanIn),
 * so float64 accumulation is exact and the result does not depend on summation order.
 */
export function integerMatmul(codes: Uint8Array, rows: number, fanIn: number, weights: Int16Array, fanOut: number): Float64Array {
  const fast = integerMatmulKernel(codes, rows, fanIn, weights, fanOut);
  if (fast) return fast;
  // A float64 copy keeps the inner loop monomorphic (about twice as fast as reading Int16).
  return matmulCodes(codes, rows, fanIn, Float64Array.from(weights), fanOut);
}

/** The plain float64 loop of {@link integerMatmul} (its specification, and the path for fan-ins the kernel cannot take). */
export function integerMatmulReference(codes: Uint8Array, rows: number, fanIn: number, weights: Int16Array, fanOut: number): Float64Array {
  return matmulCodes(codes, rows, fanIn, Float64Array.from(weights), fanOut);
}

function matmulCodes(codes: Uint8Array, rows: number, fanIn: number, weights: Float64Array, fanOut: number): Float64Array {
  const out = new Float64Array(rows * fanOut);
  const acc = new Float64Array(fanOut);
  for (let r = 0; r < rows; r++) {
    const inBase = r * fanIn;
    acc.fill(0);
    for (let k = 0; k < fanIn; k++) {
      const x = codes[inBase + k];
      if (x === 0) continue;
      const wBase = k * fanOut;
      for (let j = 0; j < fanOut; j++) acc[j] += x * weights[wBase + j];
    }
    out.set(acc, r * fanOut);
  }
  return out;
}

/** Element-wise `max(0, x)` in place (−0 becomes +0). */
export function reluInPlace(values: Float64Array): Float64Array {
  for (let i = 0; i < values.length; i++) if (!(values[i] > 0)) values[i] = 0;
  return values;
}

/**
 * Max or average pooling of a batch of `[H, W, C]` tensors. Average pooling sums the window's
 * in-image cells in row-major (ky, kx) order in float64 and divides by their count.
 */
export function pool(layer: PoolLayer, input: Float64Array, batch: number): Float64Array {
  const [H, W, C] = layer.inputShape;
  const [OH, OW] = layer.outputShape;
  const [PH, PW] = layer.poolSize;
  const [SH, SW] = layer.strides;
  const { top, left } = layer.padding;
  const isMax = layer.kind === 'maxPool';
  const out = new Float64Array(batch * OH * OW * C);
  for (let n = 0; n < batch; n++) {
    const inBase = n * H * W * C;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const outBase = ((n * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) {
          let acc = isMax ? -Infinity : 0;
          let count = 0;
          for (let ky = 0; ky < PH; ky++) {
            const iy = oy * SH + ky - top;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < PW; kx++) {
              const ix = ox * SW + kx - left;
              if (ix < 0 || ix >= W) continue;
              const v = input[inBase + (iy * W + ix) * C + c];
              if (isMax) {
                if (v > acc) acc = v;
              } else acc += v;
              count++;
            }
          }
          out[outBase + c] = isMax ? acc : acc / count;
        }
      }
    }
  }
  return out;
}

/** Float64 forward pass of one crossbar layer: the product plus bias. */
export function crossbarForward(layer: CrossbarLayer<Float64Array>, input: Float64Array, batch: number): Float64Array {
  const rows = batch * positionsPerImage(layer);
  const patches = layer.kind === 'conv2d' ? im2col(layer, input, batch) : input;
  const out = matmul(patches, rows, layer.fanIn, layer.weights, layer.fanOut);
  for (let r = 0; r < rows; r++) for (let j = 0; j < layer.fanOut; j++) out[r * layer.fanOut + j] += layer.bias[j];
  return out;
}

/**
 * Float64 forward pass of a network on `batch` inputs given as real values (`code × inputScale`).
 * `onLayer` sees every layer's input before the layer runs (used for calibration).
 */
export function runFloatNetwork(
  net: FloatNetwork,
  input: Float64Array,
  batch: number,
  onLayer?: (index: number, layer: Layer<Float64Array>, layerInput: Float64Array) => void,
): Float64Array {
  ensure(
    input.length === batch * shapeSize(net.inputShape),
    `input has ${input.length} values, expected ${batch} × ${shapeSize(net.inputShape)}`,
  );
  return runGraph(net.layers, input, (i, layer, inputs) => {
    const x = inputs[0];
    onLayer?.(i, layer, x);
    switch (layer.kind) {
      case 'dense':
      case 'conv2d':
        return crossbarForward(layer, x, batch);
      case 'relu':
        return reluInPlace(Float64Array.from(x));
      case 'maxPool':
      case 'avgPool':
        return pool(layer, x, batch);
      case 'flatten':
        return x;
      case 'add':
        return addArrays(inputs);
    }
  });
}

/** Index of the largest value in each row of a `[rows × cols]` matrix (ties: lowest index). */
export function argmaxRows(values: ArrayLike<number>, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < cols; j++) if (values[r * cols + j] > values[r * cols + best]) best = j;
    out[r] = best;
  }
  return out;
}
