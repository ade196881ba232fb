/**
 * The float64 product of `network.ts`'s `matmul` in a WebAssembly SIMD kernel
 * (`kernels/float-matmul.wat`), about three times faster than the JavaScript loop on the float
 * forward pass that calibrates the activation scales (the largest part of a simulation's start-up).
 * Same arithmetic in the same order (each sum from +0 over k = 0, 1, …, zero inputs skipped,
 * multiply then add, never fused), so its results equal the loop's bit for bit
 * (test/dnn/float-matmul.test.ts). Rows go through the kernel's memory in blocks, so a large
 * im2col matrix needs no copy of its full size.
 */
import { growMemory, instantiateKernel } from '../core/wasm-kernel.ts';

interface KernelExports {
  memory: WebAssembly.Memory;
  matmul(input: number, rows: number, fanIn: number, weights: number, fanOut: number, out: number): void;
}

/** Bytes of input and output rows moved through the kernel's memory at a time. */
const BLOCK_BYTES = 4 << 20;

let kernel: KernelExports | null = null;

/**
 * `rows × fanOut` product of a `[rows × fanIn]` input with `[fanIn × fanOut]` weights, as
 * `network.ts`'s `matmul` computes it.
 */
export function floatMatmulKernel(input: Float64Array, rows: number, fanIn: number, weights: Float64Array, fanOut: number): Float64Array {
  const out = new Float64Array(rows * fanOut);
  if (rows === 0 || fanOut === 0) return out;
  const blockRows = Math.max(1, Math.floor(BLOCK_BYTES / (8 * (fanIn + fanOut))));
  const weightBytes = weights.length * 8;
  const inAddr = Math.ceil(weightBytes / 16) * 16;
  const outAddr = inAddr + Math.ceil((blockRows * fanIn * 8) / 16) * 16;
  const bytes = outAddr + blockRows * fanOut * 8;
  kernel ??= instantiateKernel<KernelExports>(new URL('./kernels/float-matmul.wasm', import.meta.url), bytes);
  growMemory(kernel.memory, bytes);
  const heap = new Float64Array(kernel.memory.buffer);
  heap.set(weights, 0);
  for (let start = 0; start < rows; start += blockRows) {
    const n = Math.min(blockRows, rows - start);
    heap.set(input.subarray(start * fanIn, (start + n) * fanIn), inAddr / 8);
    kernel.matmul(inAddr, n, fanIn, 0, fanOut, outAddr);
    out.set(heap.subarray(outAddr / 8, outAddr / 8 + n * fanOut), start * fanOut);
  }
  return out;
}
