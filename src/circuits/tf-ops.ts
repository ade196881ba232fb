/**
 * Differentiable tfjs building blocks for hardware-aware training: the straight-through level
 * quantizer, the passive crossbar column, and tabulated-VTC interpolation with per-neuron corners.
 * Their float64 references are in `crossbar.ts` and `vtc.ts`; tests check that both agree.
 */
import * as tf from '@tensorflow/tfjs';
import type { VtcGrid } from './vtc.ts';

/**
 * Rounds `u` ∈ [0, 1] to the nearest of `levels` equally spaced values, passing the gradient
 * through unchanged (straight-through estimator).
 */
export function steQuantize(u: tf.Tensor, levels: number): tf.Tensor {
  const f = tf.customGrad(((x: tf.Tensor) => ({
    value: x
      .mul(levels - 1)
      .round()
      .div(levels - 1),
    gradFunc: (dy: tf.Tensor) => dy,
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(u);
}

/**
 * Passive column voltages: (upper·gU + lower·gL) / Σ_k(gU + gL). `upper`, `lower` are [B, K];
 * `gU`, `gL` are [K, J] in any common unit; returns [B, J].
 */
export function passiveColumns(upper: tf.Tensor2D, lower: tf.Tensor2D, gU: tf.Tensor2D, gL: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const num = tf.matMul(upper, gU).add(tf.matMul(lower, gL));
    const den = gU.add(gL).sum(0);
    return num.div(den) as tf.Tensor2D;
  });
}

/**
 * Piecewise-linear VTC lookup, differentiable in the input voltage. `vIn` is [B, n]; `table` is
 * [n, points]: row i is the VTC of neuron i on the uniform `grid`. Outside the grid the curve is
 * held constant (zero slope).
 */
export function vtcLookup(vIn: tf.Tensor2D, table: tf.Tensor2D, grid: VtcGrid): tf.Tensor2D {
  const [n, points] = table.shape;
  const f = tf.customGrad(((x: tf.Tensor, tbl: tf.Tensor, save: tf.GradSaveFunc) => {
    const u = x.sub(grid.startVolts).div(grid.stepVolts);
    const uc = u.clipByValue(0, points - 1 - 1e-4);
    const i = uc.floor();
    const t = uc.sub(i);
    const rowOffset = tf.range(0, n * points, points, 'int32').reshape([1, n]);
    const idx = i.toInt().add(rowOffset);
    const flat = tbl.reshape([-1]);
    const lo = tf.gather(flat, idx);
    const hi = tf.gather(flat, idx.add(tf.scalar(1, 'int32')));
    const slope = hi.sub(lo).div(grid.stepVolts);
    const inside = u
      .greaterEqual(0)
      .logicalAnd(u.lessEqual(points - 1))
      .cast('float32');
    const value = lo.add(t.mul(hi.sub(lo)));
    save([slope.mul(inside)]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [dy.mul(saved[0]), tf.zerosLike(tbl)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(vIn, table) as tf.Tensor2D;
}
