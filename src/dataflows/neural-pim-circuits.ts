/**
 * Neural-PIM analog accumulation on a tile (docs/reference.md §3 C, §4): in each of the T input cycles the
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
import { inputCyclesOf } from './closed-forms.ts';
import type { Rng } from '../core/rng.ts';
import { idealDevices, type RramConfig } from '../device/rram.ts';
import { bankFromJson } from '../circuits/approximator-model.ts';
import type { NnadcModel } from '../circuits/nnadc/config.ts';
import { adcThresholds, convertWithThresholds, instantiateAdc, type AdcThresholds, type ColumnVerify } from '../circuits/nnadc/model.ts';
import type { NnsaModel } from '../circuits/nnsa/config.ts';
import { instantiateNetwork, type CornerMode, type NetworkInstance } from '../circuits/network.ts';
import type { MismatchSpread } from '../circuits/inverter-mismatch.ts';
import { fail } from '../core/errors.ts';
import { trimNnsa, type NnsaTrim } from '../circuits/nnsa/trim.ts';
import { CALIBRATION_RAMP_POINTS } from '../circuits/nnsa/calibrate.ts';
import { leastSquaresLine } from '../core/line-fit.ts';
import { compileNetwork, forwardCompiled, recurrentPool, type CompiledNetwork } from '../circuits/network-fast.ts';
import {
  NNSA_INPUT_PAIRS,
  OUTPUT_FULL_SCALE_VOLTS,
  WEIGHT_BITS,
  dotProductScale,
  outputPair,
  pairValue,
  recursionStep,
} from '../circuits/nnsa/signals.ts';
import { SIGNAL_MAX_VOLTS } from '../core/defaults.ts';
import { growMemory, instantiateKernel } from '../core/wasm-kernel.ts';
import type { VtcBank } from '../circuits/vtc.ts';
import type { TileGeometry } from './functional.ts';
import type { KernelArea } from './bitlines.ts';
import type { PERIPHERAL_CALIBRATIONS } from '../chip/description.ts';

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
  /** The inverters' local mismatch (needed by the `die-mismatch` peripheral corners). */
  mismatch?: MismatchSpread;
}

/**
 * Inverter corners of a draw's peripherals: `nominal` (TT), `random-die` (one corner of the bank
 * per draw, shared by every circuit of the die) or `die-mismatch` (that corner plus each
 * inverter's and comparator's local mismatch, drawn per circuit).
 */
export type PeripheralCorners = 'nominal' | 'random-die' | 'die-mismatch';

/** One Monte Carlo draw's peripheral circuits. */
export interface PeripheralChips {
  nnsa: NetworkInstance[];
  /** The same instances compiled for the fast forward pass. */
  nnsaCompiled: CompiledNetwork[];
  /** Foreground calibration of each NNS+A/NNADC pair (see {@link PeripheralCalibration}). */
  calibration: PeripheralCalibration;
  nnsaBank: VtcBank | null;
  /** Per range: a pool of converter threshold tables. */
  adc: Map<number, AdcThresholds[]>;
}

/** Releases a draw's peripherals (nothing is held outside the JS heap today; kept for symmetry with tiles). */
export function disposePeripherals(chips: PeripheralChips): void {
  chips.nnsaCompiled.length = 0;
}

/**
 * Foreground calibration of the Neural-PIM peripherals, done once per chip: `offset` converts each
 * NNS+A/NNADC pair's output for all-zero bit lines and subtracts that code from every result;
 * `offset-gain` applies a ramp of known inputs (every bit pair at s, s from −range to +range, all
 * cycles), fits a least-squares line through the pair's signed readings and corrects every result
 * by its offset and gain (a digital correction to a fraction of an LSB: the ramp dithers the code
 * quantization); `offset-gain-signed` fits negative and positive readings separately (the sign
 * bit selects the correction). `none` uses the raw codes.
 */
export type PeripheralCalibration = (typeof PERIPHERAL_CALIBRATIONS)[number];

/** Pool sizes: NNS+A instances and converter instances per range. */
export const NNSA_POOL = 8;
export const NNADC_POOL = 4;

/** Instantiates the peripheral pools of a draw (`vary` false: nominal devices and corner). */
export function instantiatePeripherals(
  p: NeuralPimPeripherals,
  vary: boolean,
  sigma: number,
  rng: Rng,
  corners: PeripheralCorners = 'nominal',
  calibration: PeripheralCalibration = 'offset-gain',
  adcVerify?: ColumnVerify,
  nnsaTrim?: NnsaTrim,
): PeripheralChips {
  const nnsaBank = p.nnsa ? bankFromJson(p.nnsa.vtcBank) : null;
  const withSigma = (d: RramConfig): RramConfig => ({ ...d, programming: { ...d.programming, sigma } });
  // The designed NNS+A every trimmed unit is compared with.
  const nominalNnsa =
    p.nnsa && vary && nnsaTrim
      ? instantiateNetwork(p.nnsa.network, nnsaBank!, idealDevices(p.nnsa.network.device), null, { kind: 'nominal' })
      : null;
  const nnsa =
    p.nnsa && p.accumulator === 'nnsa'
      ? Array.from({ length: vary ? NNSA_POOL : 1 }, (_, u) => {
          const r = rng.fork(`nnsa${u}`);
          const device = vary ? withSigma(p.nnsa!.network.device) : idealDevices(p.nnsa!.network.device);
          const corner = dieCorner(corners, nnsaBank!.corners.length, rng, p.mismatch, vary);
          const inst = instantiateNetwork(p.nnsa!.network, nnsaBank!, device, vary ? r : null, corner);
          if (nominalNnsa && nnsaTrim) trimNnsa(inst, nominalNnsa, nnsaBank!, device, nnsaTrim, r.fork('trim'));
          return inst;
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
          const corner = dieCorner(corners, bank.corners.length, rng, p.mismatch, vary);
          return adcThresholds(instantiateAdc(m, bank, device, vary ? rng.fork(`adc${m.rangeFraction}.${u}`) : null, corner, adcVerify));
        }),
      );
    }
  }
  return { nnsa, nnsaCompiled: nnsa.map((inst) => compileNetwork(inst, nnsaBank!)), calibration, nnsaBank, adc };
}

/**
 * The corner mode of a draw's circuits: the die's corner from the draw's `die` stream (shared by
 * every circuit), with each inverter's local mismatch in `die-mismatch`. Circuits that are not
 * varied (σ = 0 or `varyPeripherals` off) are the design itself: nominal devices and the nominal
 * corner, as {@link instantiatePeripherals} promises. (A die corner on an unvaried chip would also
 * skip the trimming that only varied chips get, measuring an untrimmed corner as "σ = 0".)
 */
function dieCorner(
  corners: PeripheralCorners,
  bankCorners: number,
  rng: Rng,
  mismatch: MismatchSpread | undefined,
  vary: boolean,
): CornerMode {
  if (corners === 'nominal' || !vary) return { kind: 'nominal' };
  const corner = rng.fork('die').int(bankCorners);
  if (corners === 'random-die') return { kind: 'global', corner };
  return {
    kind: 'die-mismatch',
    corner,
    mismatch: mismatch ?? fail('die-mismatch peripheral corners need the inverter mismatch distribution'),
  };
}

/** Digital value of one converter LSB in accumulator units (input code × weight code). */
export function neuralPimLsb(rangeFraction: number, bits: number, arrayRows: number, dacBits: number): number {
  const T = inputCyclesOf(WEIGHT_BITS, dacBits);
  return (rangeFraction / (2 ** bits - 1)) * ((arrayRows * (2 ** dacBits - 1)) / dotProductScale(dacBits, T));
}

/**
 * Writes a tile's bit-line sums [T × n × C] (slice-major; see `tileBitLines`) into the array it
 * is given, which holds at least that many values, or at the place in a kernel memory it is given.
 */
export type BitLineSource = (into: Float32Array | KernelArea) => void;

/**
 * Runs the analog accumulation of a tile: returns the final normalized NNS+A outputs y [n × fanOut]
 * (before conversion). Bit-line sums are in units of one cell level × one DAC level; `bitLines`
 * writes them where the NNS+A kernel reads them. `sensingGain` is the bit-line sensing gain of the
 * layer (a power of two): the sample-and-hold presents gain × the nominal bit-line voltage, so
 * small partial sums use the NNS+A's input range.
 */
export function accumulateAnalog(
  bitLines: BitLineSource,
  g: TileGeometry,
  chips: PeripheralChips,
  arrayRows: number,
  sensingGain = 1,
): Float64Array {
  const C = g.fanOut * g.weightSlices * 2;
  const fullScale = (arrayRows * (2 ** g.dacBits - 1) * (2 ** g.cellBits - 1)) / sensingGain;
  const toVolts = SIGNAL_MAX_VOLTS / fullScale;
  const N = g.n * g.fanOut;
  const y = new Float64Array(N);
  if (chips.nnsa.length === 0) {
    const bl = new Float32Array(g.slices * N * g.weightSlices * 2);
    bitLines(bl);
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
  // Unit u evaluates weight columns j ≡ u (mod U) of every row; the kernel reads each cycle's bit
  // lines in place and keeps the held output pairs.
  const S = g.weightSlices * 2;
  const pool = recurrentPool(chips.nnsaCompiled);
  const [p0, n0] = outputPair(0);
  bitLines(pool.begin(N, g.fanOut, S, g.slices, p0, n0));
  for (let i = 0; i < g.slices; i++) pool.cycle(i, WEIGHT_BITS, toVolts);
  const { upper: prevP, lower: prevN } = pool.state();
  for (let m = 0; m < N; m++) y[m] = pairValue(prevP[m], prevN[m]);
  return y;
}

/** Per chip: the offset and gain corrections of {@link convertAndAdd} by layer setting. */
const correctionCache = new WeakMap<PeripheralChips, Map<string, ColumnCorrections>>();

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
  commonModeVolts = 0,
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
  const magnitudeCode = (mag: number, j: number): number =>
    p.converter === 'ideal' || !pool
      ? Math.min(top, Math.round((mag / rangeFraction) * top))
      : convertWithThresholds(pool[j % pool.length], mag);
  // Foreground calibration (see PeripheralCalibration), per weight column j with its NNS+A (unit
  // j mod U) and converter (instance j mod A). Readings are the signed codes (sign from the
  // differential pair, magnitude from the converter); the calibration corrects them with the
  // pair's own readings of all-zero bit lines and of a known mid-range input.
  const units = chips.nnsaCompiled.length;
  const reading = (v: number, j: number): number => (v < 0 ? -1 : 1) * magnitudeCode(Math.abs(v), j);
  // The corrections depend on the chip and the layer's settings only: computed once per draw and
  // setting (every tile and batch of a layer reuses them).
  const cacheKey = `${chips.calibration}:${p.converter}:${bits}:${rangeFraction}:${g.slices}:${g.dacBits}:${g.fanOut}:${commonModeVolts}`;
  let cache = correctionCache.get(chips);
  if (!cache) correctionCache.set(chips, (cache = new Map()));
  let correction = cache.get(cacheKey);
  if (!correction) {
    const offset = new Float64Array(g.fanOut);
    const gains = new Float64Array(g.fanOut).fill(1);
    // Corrections of negative readings (equal to the others but with `offset-gain-signed`).
    const offsetNeg = new Float64Array(g.fanOut);
    const gainsNeg = new Float64Array(g.fanOut).fill(1);
    if (chips.calibration === 'offset') {
      const zero = units > 0 ? calibrationOutputs(chips, g.slices, 0, commonModeVolts) : null;
      for (let j = 0; j < g.fanOut; j++) offset[j] = offsetNeg[j] = reading(zero ? zero[j % units] : 0, j);
    } else if (chips.calibration === 'offset-gain' || chips.calibration === 'offset-gain-signed') {
      // Least-squares line through the pair's readings of a ramp of known inputs: the ramp dithers
      // the code quantization, so offset and gain come out to a fraction of an LSB.
      const signed = chips.calibration === 'offset-gain-signed';
      const levels = Array.from(
        { length: CALIBRATION_RAMP_POINTS },
        (_, i) => rangeFraction * (-1 + (2 * i) / (CALIBRATION_RAMP_POINTS - 1)),
      );
      const ideal = levels.map((l) => (idealCalibrationOutput(g.slices, g.dacBits, l) / rangeFraction) * top);
      const outs = levels.map((l) => (units > 0 ? calibrationOutputs(chips, g.slices, l, commonModeVolts) : null));
      for (let j = 0; j < g.fanOut; j++) {
        const r = levels.map((_, i) => reading(outs[i] ? outs[i]![j % units] : (ideal[i] * rangeFraction) / top, j));
        const fit = (keep: (reading: number) => boolean, o: Float64Array, gn: Float64Array): void => {
          const x = ideal.filter((_, i) => keep(r[i]));
          const y = r.filter((v) => keep(v));
          if (x.length < 2) return;
          const { slope, intercept } = leastSquaresLine(x, y);
          if (slope > 0) {
            gn[j] = 1 / slope;
            o[j] = intercept;
          }
        };
        if (signed) {
          fit((v) => v >= 0, offset, gains);
          fit((v) => v < 0, offsetNeg, gainsNeg);
        } else {
          fit(() => true, offset, gains);
          offsetNeg[j] = offset[j];
          gainsNeg[j] = gains[j];
        }
      }
    }
    correction = { offset, gains, offsetNeg, gainsNeg };
    cache.set(cacheKey, correction);
  }
  const { offset, gains, offsetNeg, gainsNeg } = correction;
  if (p.converter === 'ideal' || !pool) {
    for (let m = 0; m < y.length; m++) {
      const j = m % g.fanOut;
      acc[m] += y[m] < 0 ? (reading(y[m], j) - offsetNeg[j]) * gainsNeg[j] * lsb : (reading(y[m], j) - offset[j]) * gains[j] * lsb;
    }
    return y.length;
  }
  // The converters' hot loop, in a kernel (same arithmetic as convertCorrectedReference).
  const converters = Array.from({ length: g.fanOut }, (_, j) => pool[j % pool.length]);
  convertCorrected(chips, y, converters, correction, lsb, acc);
  return y.length;
}

/** Per column of a layer: the offset and gain corrections of positive and negative readings. */
export interface ColumnCorrections {
  offset: Float64Array;
  gains: Float64Array;
  offsetNeg: Float64Array;
  gainsNeg: Float64Array;
}

/**
 * The specification of {@link convertCorrected}: sample m (column j = m mod columns) converted by
 * `converters[j]` as a sign and a magnitude code, corrected by the column's calibration, times
 * `lsb`, added to `acc[m]`.
 */
export function convertCorrectedReference(
  y: Float64Array,
  converters: AdcThresholds[],
  c: ColumnCorrections,
  lsb: number,
  acc: Float64Array,
): void {
  const F = converters.length;
  for (let m0 = 0; m0 < y.length; m0 += F) {
    for (let j = 0; j < F && m0 + j < y.length; j++) {
      const v = y[m0 + j];
      const code = convertWithThresholds(converters[j], Math.abs(v));
      acc[m0 + j] += v < 0 ? (-code - c.offsetNeg[j]) * c.gainsNeg[j] * lsb : (code - c.offset[j]) * c.gains[j] * lsb;
    }
  }
}

/** The exports of `kernels/nnadc-conversions.wasm`. */
interface ConversionKernel {
  memory: WebAssembly.Memory;
  convertAdd(records: number, columns: number, y: number, acc: number, samples: number, lsb: number): void;
}

/** A draw's converters in their kernel: the instance and where each search table is. */
interface LoadedConverters {
  kernel: ConversionKernel;
  tables: Map<AdcThresholds, number>;
  dynamicAt: number;
}

const conversionKernels = new WeakMap<PeripheralChips, LoadedConverters>();

/** Copies every converter's search tables of a draw into a kernel instance (once per draw). */
function loadConverters(chips: PeripheralChips): LoadedConverters {
  const cached = conversionKernels.get(chips);
  if (cached) return cached;
  const tables = new Map<AdcThresholds, number>();
  let used = 0;
  for (const pool of chips.adc.values())
    for (const t of pool) {
      tables.set(t, used);
      used += Math.ceil((t.search.table.length * 8) / 16) * 16;
    }
  const kernel = instantiateKernel<ConversionKernel>(new URL('./kernels/nnadc-conversions.wasm', import.meta.url), used);
  for (const [t, at] of tables) new Float64Array(kernel.memory.buffer, at, t.search.table.length).set(t.search.table);
  const loaded = { kernel, tables, dynamicAt: used };
  conversionKernels.set(chips, loaded);
  return loaded;
}

/**
 * Converts and corrects a tile's NNS+A outputs `y` into `acc` as {@link convertCorrectedReference}
 * does, in the draw's conversion kernel (`kernels/nnadc-conversions.wat`), bit for bit.
 */
export function convertCorrected(
  chips: PeripheralChips,
  y: Float64Array,
  converters: AdcThresholds[],
  c: ColumnCorrections,
  lsb: number,
  acc: Float64Array,
): void {
  const { kernel, tables, dynamicAt } = loadConverters(chips);
  const F = converters.length;
  const recordsAt = dynamicAt;
  const yAt = recordsAt + 64 * F;
  const accAt = yAt + 8 * y.length;
  growMemory(kernel.memory, accAt + 8 * y.length);
  const buffer = kernel.memory.buffer;
  const i32 = new Int32Array(buffer, recordsAt, 16 * F);
  const f64 = new Float64Array(buffer, recordsAt, 8 * F);
  converters.forEach((t, j) => {
    const table = tables.get(t) ?? fail('convertCorrected: a converter of another draw');
    i32.set([table, t.search.firstSpan, t.search.fineSpan, t.search.topCode, t.search.fineCodes, t.arch === 'flash' ? 1 : 0], 16 * j);
    f64.set([c.offset[j], c.gains[j], c.offsetNeg[j], c.gainsNeg[j]], 8 * j + 4);
  });
  new Float64Array(buffer, yAt, y.length).set(y);
  const accView = new Float64Array(buffer, accAt, y.length);
  accView.set(acc.subarray(0, y.length));
  kernel.convertAdd(recordsAt, F, yAt, accAt, y.length, lsb);
  acc.set(accView);
}

/** Ideal final output for the calibration input: every bit pair at s = `level` in every cycle. */
export function idealCalibrationOutput(cycles: number, dacBits: number, level: number): number {
  let y = 0;
  const s = new Float64Array(WEIGHT_BITS).fill(level);
  for (let i = 0; i < cycles; i++) y = recursionStep(y, s, dacBits);
  return y;
}

/**
 * The bit-line pair (v⁺, v⁻) of the calibration stimulus for signed value `level`: v⁺ − v⁻ =
 * 0.5 V·level at the common mode v⁺ + v⁻ = `commonModeVolts`, raised to |v⁺ − v⁻| where the
 * difference needs it and capped at the input range (v⁺ + v⁻ ≤ 0.5 V). A common mode of 0 drives
 * one line only (v⁺ = 0.5 V·level, v⁻ = 0 for a positive level).
 */
export function calibrationPair(level: number, commonModeVolts: number): [number, number] {
  const diff = SIGNAL_MAX_VOLTS * level;
  const sum = Math.min(SIGNAL_MAX_VOLTS, Math.max(commonModeVolts, Math.abs(diff)));
  return [Math.max(0, (sum + diff) / 2), Math.max(0, (sum - diff) / 2)];
}

/**
 * Final normalized output of every NNS+A instance for T cycles of the calibration input: every bit
 * pair at s = `level` ({@link calibrationPair} at `commonModeVolts`; level 0 with common mode 0 is
 * all-zero bit lines). Cached per chip.
 */
export function calibrationOutputs(chips: PeripheralChips, cycles: number, level: number, commonModeVolts = 0): Float64Array {
  const holder = chips as PeripheralChips & { calibrationCache?: Map<string, Float64Array> };
  holder.calibrationCache ??= new Map();
  const key = `${cycles}:${level}:${commonModeVolts}`;
  const hit = holder.calibrationCache.get(key);
  if (hit) return hit;
  const K = NNSA_INPUT_PAIRS;
  const [vPlus, vMinus] = calibrationPair(level, commonModeVolts);
  const out = Float64Array.from(chips.nnsaCompiled, (c) => {
    let [p, n] = outputPair(0);
    for (let i = 0; i < cycles; i++) {
      const upper = new Float64Array(K).fill(vPlus);
      const lower = new Float64Array(K).fill(vMinus);
      upper[WEIGHT_BITS] = p;
      lower[WEIGHT_BITS] = n;
      const o = forwardCompiled(c, upper, lower, 1);
      [p, n] = [o[0], o[1]];
    }
    return pairValue(p, n);
  });
  holder.calibrationCache.set(key, out);
  return out;
}

/** Differential full scale of the NNS+A output, volts (for reports). */
export const NNSA_FULL_SCALE_VOLTS = OUTPUT_FULL_SCALE_VOLTS;
