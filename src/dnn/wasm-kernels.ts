/**
 * The tfjs WebAssembly backend (4.22) has no `Conv2DBackpropFilter` kernel, so the gradient of a
 * convolution with respect to its filter cannot be taken there and conv nets cannot train. This
 * module registers that kernel for the wasm backend only:
 *
 *   dW[ky, kx, ci, co] = Σ_{n, oy, ox} x[n, oy·SH + ky − padTop, ox·SW + kx − padLeft, ci] · dy[n, oy, ox, co]
 *
 * computed as one matrix product `colsᵀ · dy`, where `colsᵀ` is the transposed im2col matrix of x
 * `[KH·KW·Cin × N·OH·OW]` built in JavaScript (a gather, cheap) and the product runs in the wasm
 * backend's own BatchMatMul kernel (XNNPACK, single-threaded, so deterministic). A plain
 * JavaScript triple loop took two thirds of a LeNet-5 training step; this takes a few percent.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '../core/errors.ts';

interface WasmLikeBackend {
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
  disposeData(dataId: unknown): boolean;
}

interface BackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * Transposed im2col of a channels-last batch: `[KH·KW·C × N·OH·OW]`, row `(ky·KW + kx)·C + ci`,
 * column `(n·OH + oy)·OW + ox`, zero where the window leaves the image.
 */
export function im2colTransposed(
  x: ArrayLike<number>,
  xShape: [number, number, number, number],
  kernel: [number, number],
  out: [number, number],
  strides: [number, number],
  pad: { top: number; left: number },
): Float32Array {
  const [N, H, W, C] = xShape;
  const [KH, KW] = kernel;
  const [OH, OW] = out;
  const [SH, SW] = strides;
  const M = N * OH * OW;
  const cols = new Float32Array(KH * KW * C * M);
  for (let ky = 0; ky < KH; ky++) {
    for (let kx = 0; kx < KW; kx++) {
      for (let n = 0; n < N; n++) {
        for (let oy = 0; oy < OH; oy++) {
          const iy = oy * SH + ky - pad.top;
          if (iy < 0 || iy >= H) continue;
          for (let ox = 0; ox < OW; ox++) {
            const ix = ox * SW + kx - pad.left;
            if (ix < 0 || ix >= W) continue;
            const m = (n * OH + oy) * OW + ox;
            const src = ((n * H + iy) * W + ix) * C;
            const row = (ky * KW + kx) * C;
            for (let ci = 0; ci < C; ci++) cols[(row + ci) * M + m] = x[src + ci];
          }
        }
      }
    }
  }
  return cols;
}

let registered = false;

/** Registers the missing training kernels on the wasm backend (idempotent; no-op elsewhere). */
export function registerWasmTrainingKernels(): void {
  if (registered || tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  registered = true;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = attrs as unknown as BackpropFilterAttrs;
      if (a.dataFormat === 'NCHW') fail('Conv2DBackpropFilter on wasm supports channels-last data only');
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        a.filterShape,
        a.strides,
        1,
        a.pad,
        a.dimRoundingMode,
        false,
        'channelsLast',
      );
      const b = backend as unknown as WasmLikeBackend;
      const [KH, KW, C, CO] = a.filterShape;
      const M = info.batchSize * info.outHeight * info.outWidth;
      const colsT = im2colTransposed(
        b.readSync(x.dataId),
        x.shape as [number, number, number, number],
        [KH, KW],
        [info.outHeight, info.outWidth],
        [info.strideHeight, info.strideWidth],
        { top: info.padInfo.top, left: info.padInfo.left },
      );
      const cols = b.makeOutput([1, KH * KW * C, M], 'float32', undefined, colsT);
      const dy2d: tf.TensorInfo = { dataId: dy.dataId, shape: [1, M, CO], dtype: 'float32' };
      const matMul = tf.getKernel('BatchMatMul', 'wasm');
      if (!matMul) fail('the wasm backend has no BatchMatMul kernel');
      const product = matMul.kernelFunc({
        inputs: { a: cols, b: dy2d },
        attrs: { transposeA: false, transposeB: false },
        backend,
      }) as tf.TensorInfo;
      b.disposeData(cols.dataId);
      // Same data, viewed as the filter shape (what the wasm Reshape kernel does).
      return { dataId: product.dataId, shape: a.filterShape, dtype: 'float32' };
    },
  });
}
