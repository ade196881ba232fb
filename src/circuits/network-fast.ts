/**
 * A compiled float64 forward pass of an instantiated passive network, for evaluating the NNS+A on
 * millions of partial sums: the fixed rows (bias, replica, trim) are folded into one numerator
 * constant per column, the column totals are precomputed, and each neuron's VTC is a flat table of
 * values and per-step increments. Same physics as `forwardNetwork`; tests check they agree.
 *
 * `forwardCompiled` runs in a WebAssembly SIMD kernel (`kernels/compiled-network.wat`, two columns
 * per instruction) that performs the operations of the JavaScript `forwardCompiledReference` in
 * the same order, so its results are bit-identical; a test checks it.
 */
import { growMemory, instantiateKernel } from '../core/wasm-kernel.ts';
import { instanceBank, type NetworkInstance } from './network.ts';
import { fixedRowLineVolts, layerRowLayoutOfPairs } from './row-layout.ts';
import type { VtcBank } from './vtc.ts';

interface CompiledLayer {
  signal: number;
  columns: number;
  /** Signal-row conductances divided by the column total, [signal × columns]; parallel rows of one input summed. */
  wU: Float64Array;
  wL: Float64Array;
  /** Fixed rows' contribution divided by the column total, per column. */
  offset: Float64Array;
  inverter: boolean;
  /** Per neuron: VTC values and increments on the grid. */
  values: Float64Array[];
  steps: Float64Array[];
}

/** A compiled network. */
export interface CompiledNetwork {
  layers: CompiledLayer[];
  vddVolts: number;
  gridStart: number;
  gridInvStep: number;
  gridPoints: number;
  inputPairs: number;
  outputs: number;
}

/** Compiles an instance for {@link forwardCompiled}. */
export function compileNetwork(inst: NetworkInstance, sharedBank: VtcBank): CompiledNetwork {
  const bank = instanceBank(inst, sharedBank);
  const layers = inst.layers.map((l, li) => {
    const inv = l.activation === 'inverter';
    const layout = layerRowLayoutOfPairs(inst, l.pairs, inv);
    const signal = layout.counts.signal;
    const fixedVolts = fixedRowLineVolts(inst, layout);
    const J = l.columns;
    const total = new Float64Array(J);
    const offset = new Float64Array(J);
    for (let k = 0; k < l.pairs; k++) {
      const vu = fixedVolts.upper[k];
      const vl = fixedVolts.lower[k];
      const fixed = k >= signal;
      for (let j = 0; j < J; j++) {
        total[j] += l.upperSiemens[k * J + j] + l.lowerSiemens[k * J + j];
        if (fixed) offset[j] += vu * l.upperSiemens[k * J + j] + vl * l.lowerSiemens[k * J + j];
      }
    }
    // Parallel rows of one external input (layer 0) fold into one weight per input.
    const sources = li === 0 && inst.inputRows ? inst.inputRows : Array.from({ length: signal }, (_, k) => k);
    const inputs = li === 0 && inst.inputRows ? Math.max(...sources) + 1 : signal;
    const wU = new Float64Array(inputs * J);
    const wL = new Float64Array(inputs * J);
    for (let k = 0; k < signal; k++) {
      const s = sources[k];
      for (let j = 0; j < J; j++) {
        wU[s * J + j] += l.upperSiemens[k * J + j] / total[j];
        wL[s * J + j] += l.lowerSiemens[k * J + j] / total[j];
      }
    }
    for (let j = 0; j < J; j++) offset[j] /= total[j];
    const P = bank.grid.points;
    const values: Float64Array[] = [];
    const steps: Float64Array[] = [];
    if (inv) {
      for (let j = 0; j < J; j++) {
        const c = l.corners[j];
        const v = Float64Array.from(bank.table.subarray(c * P, (c + 1) * P));
        values.push(v);
        steps.push(Float64Array.from(v, (x, i) => (i + 1 < P ? v[i + 1] - x : 0)));
      }
    }
    return { signal: inputs, columns: J, wU, wL, offset, inverter: inv, values, steps };
  });
  return {
    layers,
    vddVolts: inst.vddVolts,
    gridStart: bank.grid.startVolts,
    gridInvStep: 1 / bank.grid.stepVolts,
    gridPoints: bank.grid.points,
    inputPairs: layers[0].signal,
    outputs: layers[layers.length - 1].columns,
  };
}

/** The JavaScript forward pass that {@link forwardCompiled} reproduces bit for bit (kept as its specification). */
export function forwardCompiledReference(
  net: CompiledNetwork,
  upper: ArrayLike<number>,
  lower: ArrayLike<number>,
  batch: number,
): Float64Array {
  const out = new Float64Array(batch * net.outputs);
  const maxWidth = Math.max(net.inputPairs, ...net.layers.map((l) => l.columns));
  let a = new Float64Array(maxWidth);
  let b = new Float64Array(maxWidth);
  let na = new Float64Array(maxWidth);
  let nbuf = new Float64Array(maxWidth);
  const vdd = net.vddVolts;
  const top = net.gridPoints - 1 - 1e-4;
  for (let s = 0; s < batch; s++) {
    for (let k = 0; k < net.inputPairs; k++) {
      a[k] = upper[s * net.inputPairs + k];
      b[k] = lower[s * net.inputPairs + k];
    }
    for (const l of net.layers) {
      const J = l.columns;
      for (let j = 0; j < J; j++) na[j] = l.offset[j];
      for (let k = 0; k < l.signal; k++) {
        const u = a[k];
        const w = b[k];
        const o = k * J;
        for (let j = 0; j < J; j++) na[j] += l.wU[o + j] * u + l.wL[o + j] * w;
      }
      if (l.inverter) {
        for (let j = 0; j < J; j++) {
          let x = (na[j] - net.gridStart) * net.gridInvStep;
          if (x < 0) x = 0;
          else if (x > top) x = top;
          const i = x | 0;
          na[j] = l.values[j][i] + (x - i) * l.steps[j][i];
        }
      }
      for (let j = 0; j < J; j++) nbuf[j] = vdd - na[j];
      [a, na] = [na, a];
      [b, nbuf] = [nbuf, b];
    }
    for (let j = 0; j < net.outputs; j++) out[s * net.outputs + j] = a[j];
  }
  return out;
}

/** The exports of `kernels/compiled-network.wasm`. */
interface NetworkKernel {
  memory: WebAssembly.Memory;
  forward(net: number, upper: number, lower: number, out: number, batch: number): void;
  recurrentCycle(
    nets: number,
    units: number,
    bitLines: number,
    samples: number,
    columns: number,
    stride: number,
    bits: number,
    toVolts: number,
    stateUpper: number,
    stateLower: number,
    inputUpper: number,
    inputLower: number,
  ): void;
}

const KERNEL_URL = new URL('./kernels/compiled-network.wasm', import.meta.url);

/** Rounds a byte address up to 16. */
const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** A network's place in a kernel memory: its bytes from `base` to `end`, and how to write them. */
interface PlacedNetwork {
  base: number;
  end: number;
  write(buffer: ArrayBuffer): void;
}

/** Lays out a compiled network at byte `base` of a kernel memory (layout: see the `.wat` source). */
function placeNetwork(net: CompiledNetwork, base: number): PlacedNetwork {
  const even = (n: number): number => n + (n % 2);
  let used = base + 128 + 32 * net.layers.length;
  const alloc = (doubles: number): number => {
    const at = align16(used);
    used = at + doubles * 8;
    return at;
  };
  const maxColumns = even(Math.max(...net.layers.map((l) => l.columns)));
  const scratch = [alloc(maxColumns), alloc(maxColumns), alloc(maxColumns), alloc(maxColumns)];
  const plan = net.layers.map((l) => {
    const C = even(l.columns);
    return {
      C,
      wU: alloc(l.signal * C),
      wL: alloc(l.signal * C),
      offset: alloc(C),
      values: l.inverter ? alloc(C * net.gridPoints) : 0,
      steps: l.inverter ? alloc(C * net.gridPoints) : 0,
    };
  });
  const write = (buffer: ArrayBuffer): void => {
    const i32 = new Int32Array(buffer, base);
    const f64 = new Float64Array(buffer);
    const b8 = base / 8;
    i32[0] = net.layers.length;
    f64[b8 + 1] = net.vddVolts;
    f64[b8 + 2] = net.gridStart;
    f64[b8 + 3] = net.gridInvStep;
    f64[b8 + 4] = net.gridPoints - 1 - 1e-4;
    i32[10] = net.gridPoints;
    i32[11] = net.inputPairs;
    i32[12] = net.outputs;
    scratch.forEach((addr, i) => (i32[14 + i] = addr));
    net.layers.forEach((l, li) => {
      const p = plan[li];
      i32.set([l.signal, p.C, p.wU, p.wL, p.offset, l.inverter ? 1 : 0, p.values, p.steps], (128 + 32 * li) / 4);
      // Padding columns (odd column counts) keep zero weights and a zero VTC.
      for (let k = 0; k < l.signal; k++) {
        f64.set(l.wU.subarray(k * l.columns, (k + 1) * l.columns), p.wU / 8 + k * p.C);
        f64.set(l.wL.subarray(k * l.columns, (k + 1) * l.columns), p.wL / 8 + k * p.C);
      }
      f64.set(l.offset, p.offset / 8);
      if (l.inverter) {
        l.values.forEach((v, j) => f64.set(v, p.values / 8 + j * net.gridPoints));
        l.steps.forEach((v, j) => f64.set(v, p.steps / 8 + j * net.gridPoints));
      }
    });
  };
  return { base, end: used, write };
}

/** A network loaded into its kernel instance (at address 0), and where the batch area starts. */
interface LoadedNetwork {
  kernel: NetworkKernel;
  batchArea: number;
}

const loaded = new WeakMap<CompiledNetwork, LoadedNetwork>();

/** Copies a compiled network into a kernel instance of its own. */
function loadNetwork(net: CompiledNetwork): LoadedNetwork {
  const placed = placeNetwork(net, 0);
  const batchArea = align16(placed.end);
  const kernel = instantiateKernel<NetworkKernel>(KERNEL_URL, batchArea);
  placed.write(kernel.memory.buffer);
  return { kernel, batchArea };
}

/** A batch's input areas in a network's kernel memory (see {@link compiledBatch}). */
export interface CompiledBatch {
  /** Upper and lower input lines [batch × inputPairs], volts: fill them, then call `run`. */
  upper: Float64Array;
  lower: Float64Array;
  /** Runs the network on the inputs; the outputs [batch × outputs] are a view valid until the network's next batch. */
  run(): Float64Array;
}

/**
 * The input areas of a batch of `batch` samples in the kernel memory of `net`, to be filled in
 * place (no copy of the inputs or outputs through JavaScript arrays).
 */
export function compiledBatch(net: CompiledNetwork, batch: number): CompiledBatch {
  let entry = loaded.get(net);
  if (!entry) {
    entry = loadNetwork(net);
    loaded.set(net, entry);
  }
  const { kernel, batchArea } = entry;
  const n = batch * net.inputPairs;
  const upperAt = batchArea;
  const lowerAt = upperAt + n * 8;
  const outAt = lowerAt + n * 8;
  growMemory(kernel.memory, outAt + batch * net.outputs * 8);
  const buffer = kernel.memory.buffer;
  return {
    upper: new Float64Array(buffer, upperAt, n),
    lower: new Float64Array(buffer, lowerAt, n),
    run: () => {
      kernel.forward(0, upperAt, lowerAt, outAt, batch);
      return new Float64Array(buffer, outAt, batch * net.outputs);
    },
  };
}

/** Outputs [batch × outputs] of a compiled network for inputs [batch × inputPairs], volts. */
export function forwardCompiled(net: CompiledNetwork, upper: ArrayLike<number>, lower: ArrayLike<number>, batch: number): Float64Array {
  const b = compiledBatch(net, batch);
  const n = b.upper.length;
  b.upper.set(upper.length === n ? upper : Array.prototype.slice.call(upper, 0, n));
  b.lower.set(lower.length === n ? lower : Array.prototype.slice.call(lower, 0, n));
  return b.run().slice();
}

/**
 * A pool of compiled networks run as recurrences over many columns at once (the NNS+A: each
 * cycle's input pairs are `bits` bit-line pairs and the network's own previous output pair).
 * Sample m belongs to column m mod `columns`, and column j to unit j mod (pool size).
 */
export interface RecurrentPool {
  /**
   * Starts `samples` recurrences of `columns` columns, every state at (`upper`, `lower`), and
   * returns where in the kernel's memory to write each cycle's float32 sums, [cycles × samples ×
   * stride] from byte `at` (per sample `stride` values, pairs (upper, lower) first). The memory
   * after them is free for the writer (which may grow it) until `cycle`.
   */
  begin(
    samples: number,
    columns: number,
    stride: number,
    cycles: number,
    upper: number,
    lower: number,
  ): { memory: WebAssembly.Memory; at: number };
  /** Runs cycle `i` on its sums: the first `bits` pairs (negative sums read as 0) scaled to volts by `toVolts`, then the state pair. */
  cycle(i: number, bits: number, toVolts: number): void;
  /** The state pairs [samples] (views valid until the pool's next `begin`). */
  state(): { upper: Float64Array; lower: Float64Array };
}

const pools = new WeakMap<CompiledNetwork[], RecurrentPool>();

/**
 * The recurrent pool of `nets` (cached per array), in one kernel instance: the same per-sample
 * arithmetic as {@link forwardCompiledReference}, with the inputs gathered in the kernel
 * (`(v > 0 ? v : 0) · toVolts` of each float32 sum, as JavaScript computes it).
 */
export function recurrentPool(nets: CompiledNetwork[]): RecurrentPool {
  const cached = pools.get(nets);
  if (cached) return cached;
  const placed: PlacedNetwork[] = [];
  let end = 0;
  for (const net of nets) {
    const p = placeNetwork(net, align16(end));
    placed.push(p);
    end = p.end;
  }
  const inputs = nets[0]?.inputPairs ?? 0;
  if (nets.some((n) => n.inputPairs !== inputs)) throw new Error('recurrent pool: networks with different input counts');
  const netsAt = align16(end);
  const inAAt = align16(netsAt + 4 * nets.length);
  const inBAt = align16(inAAt + 8 * inputs);
  const stateUAt = align16(inBAt + 8 * inputs);
  const kernel = instantiateKernel<NetworkKernel>(KERNEL_URL, stateUAt);
  for (const p of placed) p.write(kernel.memory.buffer);
  new Int32Array(kernel.memory.buffer, netsAt, nets.length).set(placed.map((p) => p.base));
  let shape = { samples: 0, columns: 1, stride: 0, cycles: 0, stateLAt: stateUAt, bitLinesAt: stateUAt };
  const pool: RecurrentPool = {
    begin(samples, columns, stride, cycles, upper, lower) {
      const stateLAt = stateUAt + 8 * samples;
      const bitLinesAt = align16(stateLAt + 8 * samples);
      shape = { samples, columns, stride, cycles, stateLAt, bitLinesAt };
      growMemory(kernel.memory, bitLinesAt + 4 * cycles * samples * stride);
      const s = pool.state();
      s.upper.fill(upper);
      s.lower.fill(lower);
      return { memory: kernel.memory, at: bitLinesAt };
    },
    cycle(i, bits, toVolts) {
      const { samples, columns, stride, cycles, stateLAt, bitLinesAt } = shape;
      if (i < 0 || i >= cycles || stride < 2 * bits || bits + 1 !== inputs)
        throw new Error(`recurrent pool: cycle ${i} of ${cycles}, ${bits} pairs in ${stride} sums for networks of ${inputs} inputs`);
      const at = bitLinesAt + 4 * i * samples * stride;
      kernel.recurrentCycle(netsAt, nets.length, at, samples, columns, stride, bits, toVolts, stateUAt, stateLAt, inAAt, inBAt);
    },
    state: () => ({
      upper: new Float64Array(kernel.memory.buffer, stateUAt, shape.samples),
      lower: new Float64Array(kernel.memory.buffer, shape.stateLAt, shape.samples),
    }),
  };
  pools.set(nets, pool);
  return pool;
}
