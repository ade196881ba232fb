/**
 * Neural-PIM analog accumulation on a tile (DESIGN.md §3 C, §4): in each of the T input cycles the
 * NNS+A of a weight column takes its 8 signed bit-line pairs (v⁺_s, v⁻_s) = 0.5 V·BL/(R·(2^D − 1))
 * (R = rows of an array, the bit-line full scale) and the held previous output, and after T cycles
 * one NNADC conversion digitizes the analog dot product: sign from the differential pair, magnitude
 * from the trained converter of the range chosen for the layer. The digital partial sum is
 * code × Δ, Δ = V_max/(2^N − 1) · R·(2^D − 1) / c with c the recursion's known constant.
 *
 * Every PE has many NNS+A and NNADC circuits, each with its own device variation. The simulator
 * keeps a pool of independently varied instances per Monte Carlo draw and assigns weight column j
 * to instance j mod pool size, so spatial diversity of the peripherals is represented without
 * instantiating thousands of circuits.
 */
import type { Rng } from '../core/rng.ts';
import { idealDevices, type RramConfig } from '../device/rram.ts';
import { bankFromJson } from '../circuits/approximator-model.ts';
import type { NnadcModel } from '../circuits/nnadc/config.ts';
import { adcThresholds, convertWithThresholds, instantiateAdc, type AdcThresholds } from '../circuits/nnadc/model.ts';
import type { NnsaModel } from '../circuits/nnsa/config.ts';
import { instantiateNetwork, type NetworkInstance } from '../circuits/network.ts';
import { disposeNetworkTensors, forwardNetworkTf, networkTensors, type NetworkTensors } from '../circuits/network-tf.ts';
import { NNSA_INPUT_PAIRS, OUTPUT_FULL_SCALE_VOLTS, WEIGHT_BITS, dotProductScale, outputPair, pairValue, recursionStep } from '../circuits/nnsa/signals.ts';
import { SIGNAL_MAX_VOLTS } from '../core/defaults.ts';
import type { VtcBank } from '../circuits/vtc.ts';
import type { TileGeometry } from '../dataflow/functional.ts';

/** Peripheral models and how they are used. */
export interface NeuralPimPeripherals {
  nnsa: NnsaModel | null;
  /** Converters by range fraction (ascending), or empty for ideal/exact conversion. */
  adcs: NnadcModel[];
  accumulator: 'nnsa' | 'ideal';
  converter: 'nnadc' | 'ideal' | 'exact';
  /** Resolution of the ideal converter. */
  idealBits: number;
  /** Range fractions available (from the NNADC models, or 1, 1/2, 1/4 for ideal converters). */
  ranges: number[];
}

/** One Monte Carlo draw's peripheral circuits. */
export interface PeripheralChips {
  nnsa: NetworkInstance[];
  /** The same instances uploaded for the batched tfjs forward pass. */
  nnsaTensors: NetworkTensors[];
  nnsaBank: VtcBank | null;
  /** Per range: a pool of converter threshold tables. */
  adc: Map<number, AdcThresholds[]>;
}

/** Frees the tensors of a draw's peripherals. */
export function disposePeripherals(chips: PeripheralChips): void {
  chips.nnsaTensors.forEach(disposeNetworkTensors);
}

/** Pool sizes: NNS+A instances and converter instances per range. */
export const NNSA_POOL = 8;
export const NNADC_POOL = 4;

/** Instantiates the peripheral pools of a draw (`vary` false: nominal devices and corner). */
export function instantiatePeripherals(p: NeuralPimPeripherals, vary: boolean, sigma: number, rng: Rng): PeripheralChips {
  const nnsaBank = p.nnsa ? bankFromJson(p.nnsa.vtcBank) : null;
  const withSigma = (d: RramConfig): RramConfig => ({ ...d, programming: { ...d.programming, sigma } });
  const nnsa =
    p.nnsa && p.accumulator === 'nnsa'
      ? Array.from({ length: vary ? NNSA_POOL : 1 }, (_, u) => {
          const r = rng.fork(`nnsa${u}`);
          const device = vary ? withSigma(p.nnsa!.network.device) : idealDevices(p.nnsa!.network.device);
          return instantiateNetwork(p.nnsa!.network, nnsaBank!, device, vary ? r : null, vary ? { kind: 'global', corner: rng.fork('die').int(nnsaBank!.corners.length) } : { kind: 'nominal' });
        })
      : [];
  const adc = new Map<number, AdcThresholds[]>();
  if (p.converter === 'nnadc') {
    for (const m of p.adcs) {
      const bank = bankFromJson(m.vtcBank);
      adc.set(
        m.rangeFraction,
        Array.from({ length: vary ? NNADC_POOL : 1 }, (_, u) => {
          const device = vary ? withSigma(m.device) : idealDevices(m.device);
          const corner = vary ? { kind: 'global' as const, corner: rng.fork('die').int(bank.corners.length) } : { kind: 'nominal' as const };
          return adcThresholds(instantiateAdc(m, bank, device, vary ? rng.fork(`adc${m.rangeFraction}.${u}`) : null, corner));
        }),
      );
    }
  }
  return { nnsa, nnsaTensors: nnsa.map((inst) => networkTensors(inst, nnsaBank!)), nnsaBank, adc };
}

/** Digital value of one converter LSB in accumulator units (input code × weight code). */
export function neuralPimLsb(rangeFraction: number, bits: number, arrayRows: number, dacBits: number): number {
  const T = Math.ceil(WEIGHT_BITS / dacBits);
  return (rangeFraction / (2 ** bits - 1)) * ((arrayRows * (2 ** dacBits - 1)) / dotProductScale(dacBits, T));
}

/**
 * Runs the analog accumulation of a tile: returns the final normalized NNS+A outputs y [n × fanOut]
 * (before conversion). Bit-line sums are in units of one cell level × one DAC level. `sensingGain`
 * is the bit-line sensing gain of the layer (a power of two): the sample-and-hold presents
 * gain × the nominal bit-line voltage, so small partial sums use the NNS+A's input range.
 */
export function accumulateAnalog(bl: Float32Array, g: TileGeometry, chips: PeripheralChips, arrayRows: number, sensingGain = 1): Float64Array {
  const C = g.fanOut * g.weightSlices * 2;
  const fullScale = (arrayRows * (2 ** g.dacBits - 1) * (2 ** g.cellBits - 1)) / sensingGain;
  const toVolts = SIGNAL_MAX_VOLTS / fullScale;
  const N = g.n * g.fanOut;
  const y = new Float64Array(N);
  if (chips.nnsa.length === 0) {
    // Ideal recursion on the exact signed bit-line values.
    const s = new Float64Array(WEIGHT_BITS);
    for (let i = 0; i < g.slices; i++) {
      for (let r = 0; r < g.n; r++) {
        for (let j = 0; j < g.fanOut; j++) {
          const o = (i * g.n + r) * C + j * g.weightSlices * 2;
          for (let b = 0; b < WEIGHT_BITS; b++) s[b] = (bl[o + 2 * b] - bl[o + 2 * b + 1]) / fullScale;
          y[r * g.fanOut + j] = recursionStep(y[r * g.fanOut + j], s, g.dacBits);
        }
      }
    }
    return y;
  }
  const U = chips.nnsa.length;
  const K = NNSA_INPUT_PAIRS;
  const prevP = new Float64Array(N).fill(outputPair(0)[0]);
  const prevN = new Float64Array(N).fill(outputPair(0)[1]);
  for (let i = 0; i < g.slices; i++) {
    for (let u = 0; u < U; u++) {
      const members: number[] = [];
      for (let r = 0; r < g.n; r++) for (let j = u; j < g.fanOut; j += U) members.push(r * g.fanOut + j);
      if (members.length === 0) continue;
      const upper = new Float32Array(members.length * K);
      const lower = new Float32Array(members.length * K);
      members.forEach((m, b) => {
        const r = Math.floor(m / g.fanOut);
        const j = m - r * g.fanOut;
        const o = (i * g.n + r) * C + j * g.weightSlices * 2;
        for (let s = 0; s < WEIGHT_BITS; s++) {
          upper[b * K + s] = Math.max(0, bl[o + 2 * s]) * toVolts;
          lower[b * K + s] = Math.max(0, bl[o + 2 * s + 1]) * toVolts;
        }
        upper[b * K + WEIGHT_BITS] = prevP[m];
        lower[b * K + WEIGHT_BITS] = prevN[m];
      });
      const o = forwardNetworkTf(chips.nnsaTensors[u], upper, lower, members.length, K);
      members.forEach((m, b) => {
        prevP[m] = o[2 * b];
        prevN[m] = o[2 * b + 1];
      });
    }
  }
  for (let m = 0; m < N; m++) y[m] = pairValue(prevP[m], prevN[m]);
  return y;
}

/**
 * Converts the final NNS+A outputs of a tile and adds the digital partial sums to `acc`. Returns
 * the conversions performed (one per weight column per row).
 */
export function convertAndAdd(
  y: Float64Array,
  g: TileGeometry,
  p: NeuralPimPeripherals,
  chips: PeripheralChips,
  rangeFraction: number,
  arrayRows: number,
  acc: Float64Array,
  sensingGain = 1,
): number {
  const bits = p.converter === 'nnadc' ? (p.adcs.find((m) => m.rangeFraction === rangeFraction)?.bits ?? 8) : p.idealBits;
  const lsb = neuralPimLsb(rangeFraction, bits, arrayRows, g.dacBits) / sensingGain;
  const top = 2 ** bits - 1;
  if (p.converter === 'exact') {
    // An ideal converter whose LSB is one accumulator unit: enough resolution to be exact.
    const scale = neuralPimLsb(1, 1, arrayRows, g.dacBits) / sensingGain; // value of y = 1
    for (let m = 0; m < y.length; m++) acc[m] += Math.round(y[m] * scale);
    return y.length;
  }
  const pool = chips.adc.get(rangeFraction);
  for (let m = 0; m < y.length; m++) {
    const mag = Math.abs(y[m]);
    let code: number;
    if (p.converter === 'ideal' || !pool) code = Math.min(top, Math.round((mag / rangeFraction) * top));
    else code = convertWithThresholds(pool[(m % g.fanOut) % pool.length], mag);
    acc[m] += (y[m] < 0 ? -code : code) * lsb;
  }
  return y.length;
}

/** Differential full scale of the NNS+A output, volts (for reports). */
export const NNSA_FULL_SCALE_VOLTS = OUTPUT_FULL_SCALE_VOLTS;
