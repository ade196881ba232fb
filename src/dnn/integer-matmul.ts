/**
 * The exact integer crossbar product of 8-bit codes and 8-bit weight codes in a WebAssembly SIMD
 * kernel (`kernels/integer-matmul.wat`): int32 accumulation with `i32x4.dot_i16x8_s`, two input
 * rows and four columns per instruction, pairs of zero codes skipped. Every partial sum is an
 * integer, so the result is the same number as the float64 loop of `network.ts` whatever the
 * order (a test checks it); the kernel is that loop about ten times faster, which the reference
 * run, calibration captures, SINAD and the `ideal` dataflow all spend their time in.
 *
 * One kernel instance per thread. A layer's weights are laid out for the kernel once and kept
 * (keyed by its weight array); the codes and the output use the memory above them per call.
 */
import { growMemory, instantiateKernel } from '../core/wasm-kernel.ts';

interface KernelExports {
  memory: WebAssembly.Memory;
  matmul(codes: number, rows: number, fanIn: number, weights: number, pairs: number, blocks: number, live: number, out: number): void;
}

/** Largest fan-in whose worst-case sum 255 · 255 · fanIn stays below 2^31. */
export const KERNEL_MAX_FAN_IN = Math.floor((2 ** 31 - 1) / (255 * 255));

interface LoadedWeights {
  address: number;
  pairs: number;
  blocks: number;
}

let kernel: KernelExports | null = null;
let used = 0;
let loaded = new WeakMap<Int16Array, LoadedWeights>();

/** Laid-out weights beyond this many bytes are dropped and laid out again on use (a long-lived process running many networks). */
const WEIGHT_MEMORY_LIMIT_BYTES = 256 << 20;

const align = (n: number): number => Math.ceil(n / 16) * 16;

function alloc(bytes: number): number {
  const at = used;
  used = align(used + bytes);
  return at;
}

function instance(): KernelExports {
  kernel ??= instantiateKernel<KernelExports>(new URL('./kernels/integer-matmul.wasm', import.meta.url), 0);
  return kernel;
}

/** Lays out `weights` [fanIn × fanOut] in the kernel's blocks (see the `.wat` source), once per array. */
function load(k: KernelExports, weights: Int16Array, fanIn: number, fanOut: number): LoadedWeights {
  const hit = loaded.get(weights);
  if (hit) return hit;
  const pairs = Math.ceil(fanIn / 2);
  const blocks = Math.ceil(fanOut / 16);
  if (used + blocks * pairs * 64 > WEIGHT_MEMORY_LIMIT_BYTES) {
    loaded = new WeakMap();
    used = 0;
  }
  const address = alloc(blocks * pairs * 64);
  growMemory(k.memory, used);
  // Zero first: the padding (an odd fan-in's extra row, columns past the fan-out) may lie where an
  // earlier call staged its codes.
  const w = new Int16Array(k.memory.buffer, address, blocks * pairs * 32).fill(0);
  for (let b = 0; b < blocks; b++)
    for (let p = 0; p < pairs; p++)
      for (let c = 0; c < 16; c++) {
        const j = b * 16 + c;
        if (j >= fanOut) break;
        const at = (b * pairs + p) * 32 + 2 * c;
        w[at] = weights[2 * p * fanOut + j];
        if (2 * p + 1 < fanIn) w[at + 1] = weights[(2 * p + 1) * fanOut + j];
      }
  const entry = { address, pairs, blocks };
  loaded.set(weights, entry);
  return entry;
}

/**
 * `codes` [rows × fanIn] (0..255) times integer `weights` [fanIn × fanOut] (|w| ≤ 255), exactly;
 * null when the fan-in is too large for int32 accumulation ({@link KERNEL_MAX_FAN_IN}).
 */
export function integerMatmulKernel(
  codes: Uint8Array,
  rows: number,
  fanIn: number,
  weights: Int16Array,
  fanOut: number,
): Float64Array | null {
  if (fanIn > KERNEL_MAX_FAN_IN || fanIn === 0) return null;
  const k = instance();
  const w = load(k, weights, fanIn, fanOut);
  const out = new Float64Array(rows * fanOut);
  // Chunks of rows keep the scratch memory bounded (codes, live pairs, int32 output).
  const width = w.blocks * 16;
  const chunk = Math.max(1, Math.min(rows, Math.floor((16 << 20) / (fanIn + width * 4))));
  const codesAt = align(used);
  const liveAt = align(codesAt + chunk * fanIn + 16);
  const outAt = align(liveAt + w.pairs * 8);
  growMemory(k.memory, outAt + chunk * width * 4);
  const buffer = k.memory.buffer;
  const mem = new Uint8Array(buffer);
  const result = new Int32Array(buffer, outAt, chunk * width);
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start);
    mem.set(codes.subarray(start * fanIn, (start + n) * fanIn), codesAt);
    // The byte after the last row is read as the partner of an odd fan-in's last code (× 0).
    mem[codesAt + n * fanIn] = 0;
    k.matmul(codesAt, n, fanIn, w.address, w.pairs, w.blocks, liveAt, outAt);
    for (let r = 0; r < n; r++) {
      const o = (start + r) * fanOut;
      const s = r * width;
      for (let j = 0; j < fanOut; j++) out[o + j] = result[s + j];
    }
  }
  return out;
}
