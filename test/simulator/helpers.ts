/** Small random networks and inputs for simulator and dataflow tests. */
import { Rng } from '../../src/core/rng.ts';
import type { QuantizedNetwork } from '../../src/dnn/quantize.ts';
import type { NeuralPimPeripherals } from '../../src/dataflows/neural-pim-circuits.ts';

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
