/** Small random networks and inputs for simulator and dataflow tests. */
import { Rng } from '../../src/core/rng.ts';
import type { QuantizedNetwork } from '../../src/dnn/quantize.ts';
import type { NeuralPimPeripherals } from '../../src/dataflows/neural-pim-circuits.ts';
import { windowAxis, type FloatNetwork, type Layer } from '../../src/dnn/network.ts';
import { simulate, type SimulationResult } from '../../src/simulator/simulate.ts';
import type { SimulationConfig } from '../../src/chip/simulation-config.ts';

/** A random 8-bit network: dense 300 → 20 (3 tiles of 128 rows), ReLU, dense 20 → 10. */
export function randomNet(seed: number): QuantizedNetwork {
  const rng = new Rng(seed);
  const dense = (name: string, fanIn: number, fanOut: number, inputShape: number[]) => ({
    kind: 'dense' as const,
    name,
    fanIn,
    fanOut,
    inputShape,
    outputShape: [fanOut],
    weights: Int16Array.from({ length: fanIn * fanOut }, () => rng.int(511) - 255),
    bias: Float64Array.from({ length: fanOut }, () => rng.normal() * 0.1),
    weightScale: Float64Array.from({ length: fanOut }, () => 0.001 + 0.001 * rng.uniform()),
    inputScale: 1 / 255,
    inputScaleFrom: 'network input' as const,
  });
  const l1 = dense('fc1', 300, 20, [300]);
  const l2 = { ...dense('fc2', 20, 10, [20]), inputScale: 0.05, inputScaleFrom: 'calibration' as const };
  return {
    inputShape: [300],
    inputScale: 1 / 255,
    layers: [l1, { kind: 'relu', name: 'relu1', inputShape: [20], outputShape: [20] }, l2] as QuantizedNetwork['layers'],
    weightBits: 8,
    activationBits: 8,
    calibration: { images: 0, percentile: 99.99 },
  };
}

/** Random 8-bit input codes for `n` inputs of `size` values. */
export function images(seed: number, n: number, size: number): Uint8Array {
  const rng = new Rng(seed);
  // Sparse like ReLU activations: a third zeros.
  return Uint8Array.from({ length: n * size }, () => (rng.uniform() < 0.33 ? 0 : rng.int(256)));
}

/** Neural-PIM peripherals that are exact: the ideal recursion and a converter of one LSB per digital unit. */
export const idealPeripherals: NeuralPimPeripherals = {
  nnsa: null,
  adcs: [],
  accumulator: 'ideal',
  converter: 'exact',
  idealBits: 8,
  ranges: [0.25, 0.5, 1],
};

/**
 * A residual CNN on [6, 6, 3] inputs, ImageNet-style normalized, with seeded weights: two residual
 * adds, a strided 1×1 shortcut, a layer spanning two 128-row arrays, a global average pool.
 */
export function residualNet(seed: number): FloatNetwork {
  const rng = new Rng(seed);
  const conv = (name: string, inputShape: number[], cout: number, k: number, stride: number, inputs?: number[]): Layer<Float64Array> => {
    const [H, W, C] = inputShape;
    const y = windowAxis(H, k, stride, 'same');
    const x = windowAxis(W, k, stride, 'same');
    const fanIn = k * k * C;
    return {
      kind: 'conv2d',
      name,
      inputShape,
      outputShape: [y.out, x.out, cout],
      kernelSize: [k, k],
      strides: [stride, stride],
      padding: { top: y.before, bottom: y.after, left: x.before, right: x.after },
      fanIn,
      fanOut: cout,
      weights: Float64Array.from({ length: fanIn * cout }, () => rng.normal() / Math.sqrt(fanIn)),
      bias: Float64Array.from({ length: cout }, () => rng.normal() * 0.1),
      ...(inputs ? { inputs } : {}),
    };
  };
  const relu = (name: string, shape: number[], inputs?: number[]): Layer<Float64Array> => ({
    kind: 'relu',
    name,
    inputShape: shape,
    outputShape: shape,
    ...(inputs ? { inputs } : {}),
  });
  const add = (name: string, shape: number[], inputs: number[]): Layer<Float64Array> => ({
    kind: 'add',
    name,
    inputShape: shape,
    outputShape: shape,
    inputs,
  });
  const s1 = [6, 6, 8];
  const s2 = [3, 3, 16];
  const layers: Layer<Float64Array>[] = [
    conv('stem', [6, 6, 3], 8, 3, 1), // 0
    relu('stem_relu', s1), // 1
    conv('b1_conv1', s1, 8, 3, 1), // 2
    relu('b1_relu', s1), // 3
    conv('b1_conv2', s1, 8, 3, 1), // 4: fan-in 72
    add('b1_add', s1, [4, 1]), // 5
    relu('b1_out', s1), // 6
    conv('b2_conv1', s1, 16, 3, 2), // 7
    relu('b2_relu', s2), // 8
    conv('b2_conv2', s2, 16, 3, 1), // 9: fan-in 144 spans two 128-row arrays
    conv('b2_short', s1, 16, 1, 2, [6]), // 10
    add('b2_add', s2, [9, 10]), // 11
    relu('b2_out', s2), // 12
    {
      kind: 'avgPool',
      name: 'gap',
      inputShape: s2,
      outputShape: [1, 1, 16],
      poolSize: [3, 3],
      strides: [3, 3],
      padding: { top: 0, bottom: 0, left: 0, right: 0 },
    },
    { kind: 'flatten', name: 'flat', inputShape: [1, 1, 16], outputShape: [16] },
    {
      kind: 'dense',
      name: 'fc',
      inputShape: [16],
      outputShape: [5],
      fanIn: 16,
      fanOut: 5,
      weights: Float64Array.from({ length: 80 }, () => rng.normal() / 4),
      bias: Float64Array.from({ length: 5 }, () => rng.normal() * 0.1),
    },
  ];
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  return {
    inputShape: [6, 6, 3],
    inputScale: 1 / 255,
    inputNormalization: {
      channelGain: Float64Array.from(std, (s) => 1 / s),
      offset: Float64Array.from({ length: 108 }, (_, i) => -mean[i % 3] / std[i % 3]),
    },
    layers,
  };
}

/** Random pixel codes for `n` [6, 6, 3] images. */
export function pixels(seed: number, n: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n * 108 }, () => rng.int(256));
}

/** Runs {@link simulate} (one draw) and returns its result with the draw's logits. */
export async function simulateWithLogits(
  cfg: SimulationConfig,
  net: QuantizedNetwork,
  images: Uint8Array,
  labels: Uint8Array,
  peripherals: NeuralPimPeripherals | null,
): Promise<{ r: SimulationResult; logits: Float64Array }> {
  let logits: Float64Array | null = null;
  const r = await simulate(cfg, net, { images, labels }, peripherals, undefined, (_d, l) => (logits = l));
  return { r, logits: logits! };
}
