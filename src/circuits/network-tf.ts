/**
 * Batched tfjs forward pass of an instantiated passive network (same physics as the float64
 * `forwardNetwork` in `network.ts`, in float32): for evaluating the NNS+A on millions of partial
 * sums in the accelerator simulator.
 */
import * as tf from '@tensorflow/tfjs';
import type { NetworkInstance } from './network.ts';
import { vtcLookup } from './tf-ops.ts';
import type { VtcBank } from './vtc.ts';

/** Device-side tensors of an instance (conductances normalized, per-neuron VTC tables). */
export interface NetworkTensors {
  /** Signal rows' conductances, the bias rows folded into a numerator constant and the column total. */
  layers: Array<{ gU: tf.Tensor2D; gL: tf.Tensor2D; biasNumerator: tf.Tensor1D; total: tf.Tensor1D; activation: 'inverter' | 'linear'; vtcTable?: tf.Tensor2D }>;
  biasRows: number;
  vddVolts: number;
  grid: VtcBank['grid'];
}

/** Uploads an instance (dispose with {@link disposeNetworkTensors}). */
export function networkTensors(inst: NetworkInstance, bank: VtcBank): NetworkTensors {
  const table = tf.tensor2d(bank.table, [bank.corners.length, bank.grid.points]);
  const layers = inst.layers.map((l) => {
    // Conductance ratios are what matter: normalize to keep float32 well scaled.
    let max = 0;
    for (const g of l.upperSiemens) max = Math.max(max, g);
    for (const g of l.lowerSiemens) max = Math.max(max, g);
    const signal = l.pairs - inst.biasRows;
    const gU = Float32Array.from(l.upperSiemens, (g) => g / max);
    const gL = Float32Array.from(l.lowerSiemens, (g) => g / max);
    const biasNumerator = new Float32Array(l.columns);
    const total = new Float32Array(l.columns);
    for (let k = 0; k < l.pairs; k++) {
      for (let j = 0; j < l.columns; j++) {
        total[j] += gU[k * l.columns + j] + gL[k * l.columns + j];
        if (k >= signal) biasNumerator[j] += inst.vddVolts * gU[k * l.columns + j];
      }
    }
    return {
      gU: tf.tensor2d(gU.subarray(0, signal * l.columns), [signal, l.columns]),
      gL: tf.tensor2d(gL.subarray(0, signal * l.columns), [signal, l.columns]),
      biasNumerator: tf.tensor1d(biasNumerator),
      total: tf.tensor1d(total),
      activation: l.activation,
      vtcTable: l.activation === 'inverter' ? (tf.gather(table, tf.tensor1d(l.corners, 'int32')) as tf.Tensor2D) : undefined,
    };
  });
  table.dispose();
  return { layers, biasRows: inst.biasRows, vddVolts: inst.vddVolts, grid: bank.grid };
}

/** Frees the tensors. */
export function disposeNetworkTensors(t: NetworkTensors): void {
  for (const l of t.layers) {
    l.gU.dispose();
    l.gL.dispose();
    l.biasNumerator.dispose();
    l.total.dispose();
    l.vtcTable?.dispose();
  }
}

/** Network outputs [batch × outputs] for inputs [batch × inputPairs] (without bias), volts. */
export function forwardNetworkTf(t: NetworkTensors, upper: Float32Array, lower: Float32Array, batch: number, inputPairs: number): Float32Array {
  const out = tf.tidy(() => {
    let up: tf.Tensor2D = tf.tensor2d(upper, [batch, inputPairs]);
    let lo: tf.Tensor2D = tf.tensor2d(lower, [batch, inputPairs]);
    let v: tf.Tensor2D = up;
    for (const layer of t.layers) {
      v = tf.matMul(up, layer.gU).add(tf.matMul(lo, layer.gL)).add(layer.biasNumerator).div(layer.total) as tf.Tensor2D;
      if (layer.activation === 'inverter') v = vtcLookup(v, layer.vtcTable!, t.grid);
      up = v;
      lo = tf.sub(t.vddVolts, v) as tf.Tensor2D;
    }
    return v;
  });
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
}
