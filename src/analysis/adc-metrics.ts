/**
 * Static and dynamic metrics of an N-bit analog-to-digital converter, measured the IEEE 1241 way
 * (docs/reference.md §2.5), independent of how the converter is built: anything that maps an input
 * voltage to an integer code 0..2^N − 1, or a set of measured (input, code) pairs.
 *
 * Conventions (all in one place so that the numbers agree with each other):
 * - The input range [vLow, vHigh] is, by default (`rangeConvention: 'edges'`), the outer edges of
 *   the end codes: LSB Q = (vHigh − vLow)/2^N, ideal transitions T_id[k] = vLow + k·Q
 *   (k = 1..2^N − 1), ideal code centres vLow + (k + ½)·Q. This is the truncating quantizer
 *   code = clamp(floor((v − vLow)/Q), 0, 2^N − 1) of {@link idealQuantizer}.
 *   With `rangeConvention: 'centers'` vLow and vHigh are the centres of codes 0 and 2^N − 1, as
 *   produced by NNADC labels round(v / V_max · (2^N − 1)): Q = (vHigh − vLow)/(2^N − 1) and the
 *   converter is the same staircase shifted by Q/2, i.e. edges [vLow − Q/2, vHigh + Q/2]. Every
 *   figure is computed on the edge form, so "full scale" (FS, FSR) always means 2^N·Q.
 * - DNL and INL come from the code-density (histogram) test with a linear ramp that overdrives
 *   both ends. Code widths are normalised by the mean width of the inner codes 1..2^N − 2 (the end
 *   codes are open-ended and excluded, as IEEE 1241 prescribes), so DNL is gain-independent and
 *   sums to zero over the inner codes. Transition levels T[k] are the cumulative histogram
 *   (equal to "first input that reaches code k" for a monotonic converter, and the standard
 *   estimate otherwise). A missing code is an inner code that the ramp never produced (DNL = −1).
 * - INL is given at the transition levels: INL[k] = Σ_{j=1}^{k−1} DNL[j] for the default endpoint
 *   fit (INL[1] = INL[2^N − 1] = 0); the best-fit alternative measures the deviation of T[k] from
 *   the least-squares line through all T[k], in units of that line's slope. Endpoint is the
 *   default because it is the conservative figure (best fit roughly halves a bow) and it matches
 *   the endpoint gain and offset below.
 * - Offset and gain error use the endpoint definition of IEEE 1241: the line through T[1] and
 *   T[2^N − 1]. Gain G = (T_id[2^N−1] − T_id[1]) / (T[2^N−1] − T[1]); gain error = G − 1 (positive:
 *   the converter's slope is steeper than ideal, it reaches the top code early). Offset error is
 *   the code shift of that line at the bottom of the range, V_os = (T_id[1] − vLow) − G·(T[1] − vLow)
 *   (positive: codes are higher than ideal, transitions come early); for a range starting at 0 V
 *   this is exactly IEEE 1241's endpoint V_os. In LSB: V_os/Q and (G − 1)·2^N; in % FS: divided
 *   by 2^N·Q resp. (G − 1)·100.
 * - SINAD comes from a coherently sampled sine: M samples (power of two) of J cycles (J odd, hence
 *   coprime with M), amplitude given in dBFS (default −0.5 dBFS so that offset and gain errors do
 *   not clip). Codes are reconstructed as ideal code centres and a 3-parameter least-squares sine
 *   fit at the known frequency is removed; for coherent sampling the basis is exactly orthogonal,
 *   so the fit is a closed-form projection. SINAD = 10·log10(P_signal / P_residual) at the test
 *   amplitude. ENOB follows IEEE 1241: ENOB = log2(FSR / (NAD·√12)), with NAD the rms residual,
 *   which is (SINAD_FS − 1.76)/6.02 with SINAD_FS the SINAD referred to a full-scale sine
 *   (SINAD + 20·log10(A_FS / A)); at 0 dBFS the two SINADs coincide. The constants are the exact
 *   10·log10(1.5) and 20·log10(2) that 1.76 and 6.02 round. An ideal quantizer measures ENOB ≈ N.
 * - SNR, THD and SFDR come from an unwindowed FFT of the same record (coherent, so no leakage):
 *   the fundamental is bin J, harmonics 2..H are folded into the first Nyquist zone.
 *
 * Everything here is pure: no I/O, deterministic for a deterministic converter.
 */
import { z } from 'zod';
import { fail } from '../core/errors.ts';
import { leastSquaresLine } from '../core/line-fit.ts';
import { DNN_BITS, SIGNAL_MAX_VOLTS } from '../core/defaults.ts';

/** A converter as a scalar transfer function: input volts → integer code 0..2^N − 1. */
export type AdcTransfer = (vinVolts: number) => number;

/** A converter evaluated on many inputs at once (e.g. a network run as one batch). */
export type AdcBatchTransfer = (vinVolts: Float64Array) => ArrayLike<number>;

/** The device under test: a transfer function (scalar or batched) or measured (input, code) pairs. */
export type ConverterUnderTest =
  | { kind: 'transfer'; transfer: AdcTransfer }
  | { kind: 'batch'; convert: AdcBatchTransfer }
  | { kind: 'samples'; inputVolts: ArrayLike<number>; codes: ArrayLike<number> };

/** How [vLow, vHigh] relates to the codes; see the module comment. */
export type RangeConvention = 'edges' | 'centers';

/** Largest supported resolution (a 16-bit ramp at 64 samples per code is 4.4 M conversions). */
export const MAX_ADC_BITS = 16;
/** Default ramp density of the histogram test, samples per code (IEEE 1241 asks for "many"). */
export const DEFAULT_SAMPLES_PER_CODE = 64;
/** Default ramp overdrive beyond each end of the range, percent of full scale. */
export const DEFAULT_RAMP_OVERDRIVE_PERCENT = 5;
/** Default record length of the sine test. */
export const DEFAULT_SINE_SAMPLES = 4096;
/** Default number of sine cycles in the record (odd, so coprime with a power-of-two length). */
export const DEFAULT_SINE_CYCLES = 67;
/** Default sine amplitude, dB relative to full scale: just below FS so offset/gain do not clip. */
export const DEFAULT_SINE_AMPLITUDE_DBFS = -0.5;
/** Default highest harmonic counted in THD. */
export const DEFAULT_THD_HARMONICS = 10;

const TEN_LOG10_1_5 = 10 * Math.log10(1.5); // the "1.76 dB" of SINAD = 6.02·N + 1.76
const TWENTY_LOG10_2 = 20 * Math.log10(2); // the "6.02 dB per bit"

function intIn(lo: number, hi: number) {
  const msg = (iss: { input?: unknown }) => `must be an integer in ${lo}..${hi}, got ${String(iss.input)}`;
  return z.number({ error: msg }).int({ error: msg }).min(lo, { error: msg }).max(hi, { error: msg });
}

function finite() {
  return z.number({ error: (iss) => `must be a finite number, got ${String(iss.input)}` }).finite();
}

/** Options of {@link measureConverter}; every field has a default. */
export const AdcMeasureOptionsSchema = z
  .object({
    /** Resolution N, bits. */
    bits: intIn(1, MAX_ADC_BITS).default(DNN_BITS),
    /** Bottom of the input range, volts (an edge or a code centre, see `rangeConvention`). */
    vLowVolts: finite().default(0),
    /** Top of the input range, volts. */
    vHighVolts: finite().default(SIGNAL_MAX_VOLTS),
    /** Whether vLow/vHigh are the outer edges of the end codes or their centres. */
    rangeConvention: z.enum(['edges', 'centers'], { error: "must be 'edges' or 'centers'" }).default('edges'),
    /** Ramp density of the histogram test (transfer functions only). */
    samplesPerCode: intIn(1, 4096).default(DEFAULT_SAMPLES_PER_CODE),
    /** Ramp overdrive beyond each end of the range, percent of full scale. */
    rampOverdrivePercent: z
      .number({ error: (iss) => `must be a number in 0..50, got ${String(iss.input)}` })
      .min(0, { error: (iss) => `must be a number in 0..50, got ${String(iss.input)}` })
      .max(50, { error: (iss) => `must be a number in 0..50, got ${String(iss.input)}` })
      .default(DEFAULT_RAMP_OVERDRIVE_PERCENT),
    /** Sine record length M (power of two). */
    sineSamples: intIn(64, 1 << 22)
      .refine((m) => (m & (m - 1)) === 0, { error: (iss) => `must be a power of two, got ${String(iss.input)}` })
      .default(DEFAULT_SINE_SAMPLES),
    /** Sine cycles J in the record (odd, below M/2). */
    sineCycles: intIn(1, 1 << 21)
      .refine((j) => j % 2 === 1, { error: (iss) => `must be odd (coprime with the power-of-two record length), got ${String(iss.input)}` })
      .default(DEFAULT_SINE_CYCLES),
    /** Sine amplitude, dBFS (0 = full scale). */
    amplitudeDbfs: z
      .number({ error: (iss) => `must be a number in -60..0 dBFS, got ${String(iss.input)}` })
      .min(-60, { error: (iss) => `must be a number in -60..0 dBFS, got ${String(iss.input)}` })
      .max(0, { error: (iss) => `must be a number in -60..0 dBFS, got ${String(iss.input)}` })
      .default(DEFAULT_SINE_AMPLITUDE_DBFS),
    /** Reference line of INL. */
    inlFit: z.enum(['endpoint', 'best-fit'], { error: "must be 'endpoint' or 'best-fit'" }).default('endpoint'),
    /** Highest harmonic counted in THD. */
    thdHarmonics: intIn(2, 100).default(DEFAULT_THD_HARMONICS),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (!(o.vHighVolts > o.vLowVolts)) {
      ctx.addIssue({
        code: 'custom',
        path: ['vHighVolts'],
        message: `must be greater than vLowVolts (${o.vLowVolts}), got ${o.vHighVolts}`,
      });
    }
    if (o.sineCycles >= o.sineSamples / 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['sineCycles'],
        message: `must be below half the record length (${o.sineSamples / 2}), got ${o.sineCycles}`,
      });
    }
  });

/** Validated options of {@link measureConverter}. */
export type AdcMeasureOptions = z.output<typeof AdcMeasureOptionsSchema>;
/** Options as a caller may give them (every field optional). */
export type AdcMeasureInput = z.input<typeof AdcMeasureOptionsSchema>;

/**
 * Validates measurement options, failing with one line that names the field. `label` turns a
 * field name into what the user typed (e.g. `bits` → `--bits`).
 */
export function parseAdcMeasureOptions(input: unknown, label: (field: string) => string = (f) => f): AdcMeasureOptions {
  const r = AdcMeasureOptionsSchema.safeParse(input ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue.path.length ? label(issue.path.join('.')) : 'options';
    fail(issue.code === 'unrecognized_keys' ? `unknown ADC measurement option(s): ${issue.keys.join(', ')}` : `${field} ${issue.message}`);
  }
  return r.data;
}

/** The converter's ideal staircase in edge form: what every figure is measured against. */
export interface AdcScale {
  /** Resolution N, bits. */
  bits: number;
  /** Number of codes 2^N. */
  codes: number;
  /** Lower edge of code 0, volts. */
  vLowVolts: number;
  /** Upper edge of code 2^N − 1, volts. */
  vHighVolts: number;
  /** Ideal code width Q, volts. */
  lsbVolts: number;
}

/** The edge-form scale of an N-bit converter over [vLow, vHigh] under `convention`. */
export function adcScale(bits: number, vLowVolts: number, vHighVolts: number, convention: RangeConvention = 'edges'): AdcScale {
  const codes = 2 ** bits;
  if (convention === 'edges') return { bits, codes, vLowVolts, vHighVolts, lsbVolts: (vHighVolts - vLowVolts) / codes };
  if (codes < 2) fail('a centre-defined range needs at least 1 bit');
  const lsbVolts = (vHighVolts - vLowVolts) / (codes - 1);
  return { bits, codes, vLowVolts: vLowVolts - lsbVolts / 2, vHighVolts: vHighVolts + lsbVolts / 2, lsbVolts };
}

/**
 * The ideal N-bit quantizer over [vLow, vHigh]: code = clamp(floor((v − vLow)/Q), 0, 2^N − 1)
 * with Q = (vHigh − vLow)/2^N for `'edges'`; for `'centers'` it is code = clamp(round((v − vLow)/Q))
 * with Q = (vHigh − vLow)/(2^N − 1) (the NNADC label rule). Its metrics are the reference:
 * DNL = INL = 0, no offset or gain error, ENOB ≈ N.
 */
export function idealQuantizer(bits: number, vLowVolts: number, vHighVolts: number, convention: RangeConvention = 'edges'): AdcTransfer {
  const s = adcScale(bits, vLowVolts, vHighVolts, convention);
  const top = s.codes - 1;
  return (v) => {
    const c = Math.floor((v - s.vLowVolts) / s.lsbVolts);
    return c < 0 ? 0 : c > top ? top : c;
  };
}

/** Ideal transition level T_id[k] (lower edge of code k), volts. */
export function idealTransitionVolts(scale: AdcScale, code: number): number {
  return scale.vLowVolts + code * scale.lsbVolts;
}

/** Ideal centre of code k, volts (how codes are reconstructed as voltages). */
export function codeCenterVolts(scale: AdcScale, code: number): number {
  return scale.vLowVolts + (code + 0.5) * scale.lsbVolts;
}

/** Per-code results of the histogram test, for plotting; NaN (null in JSON) where undefined. */
export interface PerCodeArrays {
  /** Ramp samples that produced each code (all codes, end codes included). */
  hits: number[];
  /** Width of each inner code in ideal LSB (NaN for the open-ended codes 0 and 2^N − 1). */
  widthLsb: number[];
  /** DNL per code, LSB (NaN for the end codes). */
  dnlLsb: number[];
  /** INL at transition T[k] (lower edge of code k), LSB; NaN for code 0. */
  inlLsb: number[];
  /** Transition level T[k] (lower edge of code k), volts; NaN for code 0. */
  transitionVolts: number[];
}

/** Static (ramp) metrics. */
export interface LinearityMetrics {
  /** Ramp samples used (conversions or measured pairs). */
  rampSamples: number;
  /** Bottom of the ramp, volts. */
  rampStartVolts: number;
  /** Top of the ramp, volts. */
  rampEndVolts: number;
  /** Mean ramp samples per inner code. */
  meanHitsPerCode: number;
  /** Reference line of INL. */
  inlFit: 'endpoint' | 'best-fit';
  /** Smallest DNL over the inner codes, LSB. */
  dnlMinLsb: number;
  /** Code where the smallest DNL occurs (−1 if undefined). */
  dnlMinCode: number;
  /** Largest DNL over the inner codes, LSB. */
  dnlMaxLsb: number;
  /** Code where the largest DNL occurs. */
  dnlMaxCode: number;
  /** Smallest INL over transitions 1..2^N − 1, LSB. */
  inlMinLsb: number;
  /** Transition index k of the smallest INL. */
  inlMinCode: number;
  /** Largest INL, LSB. */
  inlMaxLsb: number;
  /** Transition index k of the largest INL. */
  inlMaxCode: number;
  /** Inner codes the ramp never produced (DNL = −1). */
  missingCodes: number[];
  /** End codes (0 or 2^N − 1) the ramp never produced: the ramp did not reach them. */
  unreachedEndCodes: number[];
  /** Endpoint offset error, LSB (positive: codes higher than ideal). */
  offsetErrorLsb: number;
  /** Endpoint offset error, percent of full scale. */
  offsetErrorPercentFs: number;
  /** Endpoint gain error, LSB at full scale ((G − 1)·2^N). */
  gainErrorLsb: number;
  /** Endpoint gain error, percent ((G − 1)·100). */
  gainErrorPercentFs: number;
  /** Per-code arrays. */
  perCode: PerCodeArrays;
}

/** Dynamic (coherent sine) metrics. */
export interface SineMetrics {
  /** Record length M. */
  samples: number;
  /** Cycles J. */
  cycles: number;
  /** Stimulus amplitude, dBFS. */
  amplitudeDbfs: number;
  /** Amplitude of the fitted sine (reconstructed output), volts. */
  fittedAmplitudeVolts: number;
  /** DC level of the fitted sine, volts. */
  fittedOffsetVolts: number;
  /** RMS of noise and distortion (residual of the fit), LSB. */
  nadRmsLsb: number;
  /** SINAD at the test amplitude, dB. */
  sinadDb: number;
  /** SINAD referred to a full-scale sine, dB (what ENOB is computed from). */
  sinadFullScaleDb: number;
  /** Effective number of bits, IEEE 1241: log2(FSR / (NAD·√12)). */
  enobBits: number;
  /** SNR (noise without harmonics 2..H), dB. */
  snrDb: number;
  /** THD (harmonics 2..H relative to the fundamental), dBc. */
  thdDb: number;
  /** Spurious-free dynamic range (fundamental over the largest other bin), dB. */
  sfdrDb: number;
  /** Highest harmonic counted in THD. */
  thdHarmonics: number;
}

/** A decimated trace of the ramp for plotting: the points where the output code changes. */
export interface RampTrace {
  inputVolts: number[];
  codes: number[];
}

/** Everything {@link measureConverter} measures. */
export interface ConverterMetrics {
  /** Edge-form scale the figures refer to. */
  scale: AdcScale;
  /** Range as given, and how it was read. */
  range: { vLowVolts: number; vHighVolts: number; convention: RangeConvention };
  /** What was measured: a transfer function (ramp generated here) or sampled pairs. */
  source: 'transfer function' | 'sampled pairs';
  linearity: LinearityMetrics;
  sine: SineMetrics;
  /** Code changes along the ramp (at most {@link MAX_TRACE_POINTS} points). */
  rampTrace: RampTrace;
  /** Conditions that make some figure unreliable. */
  warnings: string[];
}

/** Cap on the ramp trace kept for plotting. */
export const MAX_TRACE_POINTS = 5000;

/** Validates that `code` is an integer code of `scale`; `where` says which input produced it. */
function checkCode(code: number, scale: AdcScale, where: () => string): number {
  if (!Number.isInteger(code) || code < 0 || code >= scale.codes) {
    fail(`converter returned ${code} ${where()}; expected an integer code in 0..${scale.codes - 1}`);
  }
  return code;
}

/** Evaluates a converter on `inputs`, validating every code. */
function convertAll(dut: Exclude<ConverterUnderTest, { kind: 'samples' }>, inputs: Float64Array, scale: AdcScale): Int32Array {
  const out = new Int32Array(inputs.length);
  if (dut.kind === 'transfer') {
    for (let i = 0; i < inputs.length; i++) out[i] = checkCode(dut.transfer(inputs[i]), scale, () => `for input ${inputs[i]} V`);
  } else {
    const codes = dut.convert(inputs);
    if (codes.length !== inputs.length) fail(`batch converter returned ${codes.length} codes for ${inputs.length} inputs`);
    for (let i = 0; i < inputs.length; i++) out[i] = checkCode(codes[i], scale, () => `for input ${inputs[i]} V`);
  }
  return out;
}

/**
 * The ramp of the histogram test: `samplesPerCode` points per ideal LSB, at the midpoints of a grid
 * aligned with the ideal transitions (so an ideal quantizer puts exactly `samplesPerCode` samples
 * in every code and no sample on a transition), overdriving both ends by `overdrivePercent` of FS.
 */
export function rampInputs(scale: AdcScale, samplesPerCode: number, overdrivePercent: number): Float64Array {
  const stepVolts = scale.lsbVolts / samplesPerCode;
  const over = Math.ceil((overdrivePercent / 100) * scale.codes * samplesPerCode - 1e-9);
  const n = scale.codes * samplesPerCode + 2 * over;
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = scale.vLowVolts + (i - over + 0.5) * stepVolts;
  return v;
}

/**
 * Code-density analysis of a ramp given as inputs sorted ascending with their codes. Each distinct
 * input level stands for the interval to the midpoints of its neighbours (the first and last
 * extend symmetrically), shared equally by the samples at that level; for a uniform ramp this is
 * exactly the IEEE 1241 histogram times the step.
 */
function codeDensity(sortedInputs: Float64Array, codes: Int32Array, scale: AdcScale, inlFit: 'endpoint' | 'best-fit'): LinearityMetrics {
  const n = sortedInputs.length;
  const M = scale.codes;
  const Q = scale.lsbVolts;
  const hits = new Array<number>(M).fill(0);
  const width = new Float64Array(M);
  // Distinct levels and their Voronoi widths.
  const levelStarts: number[] = [];
  for (let i = 0; i < n; i++) if (i === 0 || sortedInputs[i] !== sortedInputs[i - 1]) levelStarts.push(i);
  const L = levelStarts.length;
  const level = (j: number) => sortedInputs[levelStarts[j]];
  const edgeLow = L > 1 ? level(0) - (level(1) - level(0)) / 2 : level(0);
  const edgeHigh = L > 1 ? level(L - 1) + (level(L - 1) - level(L - 2)) / 2 : level(0);
  for (let j = 0; j < L; j++) {
    const lo = j === 0 ? edgeLow : (level(j - 1) + level(j)) / 2;
    const hi = j === L - 1 ? edgeHigh : (level(j) + level(j + 1)) / 2;
    const end = j === L - 1 ? n : levelStarts[j + 1];
    const share = (hi - lo) / (end - levelStarts[j]);
    for (let i = levelStarts[j]; i < end; i++) {
      hits[codes[i]]++;
      width[codes[i]] += share;
    }
  }
  // Transition levels from the cumulative code density.
  const T = new Array<number>(M).fill(NaN);
  let cum = edgeLow;
  for (let k = 1; k < M; k++) {
    cum += width[k - 1];
    T[k] = cum;
  }
  const inner = M - 2;
  let innerWidth = 0;
  for (let k = 1; k <= inner; k++) innerWidth += width[k];
  const meanWidth = inner > 0 ? innerWidth / inner : NaN;
  let innerHits = 0;
  for (let k = 1; k <= inner; k++) innerHits += hits[k];

  const dnl = new Array<number>(M).fill(NaN);
  const widthLsb = new Array<number>(M).fill(NaN);
  const missingCodes: number[] = [];
  for (let k = 1; k <= inner; k++) {
    widthLsb[k] = width[k] / Q;
    dnl[k] = hits[k] === 0 ? -1 : meanWidth > 0 ? width[k] / meanWidth - 1 : NaN;
    if (hits[k] === 0) missingCodes.push(k);
  }
  const unreachedEndCodes = [0, M - 1].filter((k) => hits[k] === 0);

  // INL at the transitions.
  const inl = new Array<number>(M).fill(NaN);
  if (M > 2 && meanWidth > 0) {
    if (inlFit === 'endpoint') {
      for (let k = 1; k < M; k++) inl[k] = (T[k] - T[1] - (k - 1) * meanWidth) / meanWidth;
    } else {
      // Least-squares line T ≈ a + b·k over k = 1..M−1.
      const k1 = Array.from({ length: M - 1 }, (_, i) => i + 1);
      const { slope: b, intercept: a } = leastSquaresLine(k1, T.slice(1));
      for (let k = 1; k < M; k++) inl[k] = (T[k] - (a + b * k)) / b;
    }
  }

  // Endpoint gain and offset.
  const tIdFirst = idealTransitionVolts(scale, 1);
  const tIdLast = idealTransitionVolts(scale, M - 1);
  const span = T[M - 1] - T[1];
  const gain = M > 2 && span > 0 ? (tIdLast - tIdFirst) / span : M > 2 ? NaN : 1;
  const vos = tIdFirst - scale.vLowVolts - gain * (T[1] - scale.vLowVolts);
  const ext = (arr: number[], lo: number, hi: number) => {
    let min = NaN,
      max = NaN,
      minAt = -1,
      maxAt = -1;
    for (let k = lo; k <= hi; k++) {
      const x = arr[k];
      if (Number.isNaN(x)) continue;
      if (!(x >= min)) {
        min = x;
        minAt = k;
      }
      if (!(x <= max)) {
        max = x;
        maxAt = k;
      }
    }
    return { min, max, minAt, maxAt };
  };
  const d = ext(dnl, 1, inner);
  const l = ext(inl, 1, M - 1);
  return {
    rampSamples: n,
    rampStartVolts: edgeLow,
    rampEndVolts: edgeHigh,
    meanHitsPerCode: inner > 0 ? innerHits / inner : NaN,
    inlFit,
    dnlMinLsb: d.min,
    dnlMinCode: d.minAt,
    dnlMaxLsb: d.max,
    dnlMaxCode: d.maxAt,
    inlMinLsb: l.min,
    inlMinCode: l.minAt,
    inlMaxLsb: l.max,
    inlMaxCode: l.maxAt,
    missingCodes,
    unreachedEndCodes,
    offsetErrorLsb: vos / Q,
    offsetErrorPercentFs: (100 * vos) / (M * Q),
    gainErrorLsb: (gain - 1) * M,
    gainErrorPercentFs: (gain - 1) * 100,
    perCode: { hits, widthLsb, dnlLsb: dnl, inlLsb: inl, transitionVolts: T },
  };
}

/** The sine record's inputs: M samples of J cycles around mid-scale at `amplitudeDbfs`. */
export function sineInputs(scale: AdcScale, samples: number, cycles: number, amplitudeDbfs: number): Float64Array {
  const center = (scale.vLowVolts + scale.vHighVolts) / 2;
  const amp = ((scale.vHighVolts - scale.vLowVolts) / 2) * 10 ** (amplitudeDbfs / 20);
  const v = new Float64Array(samples);
  // Phase index (J·n mod M) is formed in integers so that long records stay exact.
  for (let n = 0; n < samples; n++) v[n] = center + amp * Math.sin((2 * Math.PI * ((cycles * n) % samples)) / samples);
  return v;
}

/** In-place iterative radix-2 FFT of (re, im); length a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    const half = len >> 1;
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < half; k++) {
        const a = i + k;
        const b = a + half;
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

/**
 * Dynamic metrics of a reconstructed output record `y` (volts) of a coherent sine with `cycles`
 * cycles in `y.length` samples.
 */
export function sineMetrics(y: Float64Array, cycles: number, scale: AdcScale, amplitudeDbfs: number, thdHarmonics: number): SineMetrics {
  const M = y.length;
  const J = cycles;
  let constant = true;
  for (let n = 1; n < M && constant; n++) constant = y[n] === y[0];
  if (constant) {
    // A converter stuck at one code: the fit would only see rounding residue, so nothing is defined.
    const nan = NaN;
    return {
      samples: M,
      cycles: J,
      amplitudeDbfs,
      fittedAmplitudeVolts: 0,
      fittedOffsetVolts: y[0],
      nadRmsLsb: 0,
      sinadDb: nan,
      sinadFullScaleDb: nan,
      enobBits: nan,
      snrDb: nan,
      thdDb: nan,
      sfdrDb: nan,
      thdHarmonics,
    };
  }
  // 3-parameter fit at the known frequency: for coherent sampling cos, sin and 1 are orthogonal
  // over the record, so the least-squares coefficients are plain projections.
  let sc = 0,
    ss = 0,
    s1 = 0;
  const cosT = new Float64Array(M);
  const sinT = new Float64Array(M);
  for (let n = 0; n < M; n++) {
    const th = (2 * Math.PI * ((J * n) % M)) / M;
    cosT[n] = Math.cos(th);
    sinT[n] = Math.sin(th);
    sc += y[n] * cosT[n];
    ss += y[n] * sinT[n];
    s1 += y[n];
  }
  const a = (2 * sc) / M;
  const b = (2 * ss) / M;
  const c = s1 / M;
  let res2 = 0;
  for (let n = 0; n < M; n++) {
    const r = y[n] - (a * cosT[n] + b * sinT[n] + c);
    res2 += r * r;
  }
  const nad = Math.sqrt(res2 / M);
  const pSig = (a * a + b * b) / 2;
  const fsr = scale.codes * scale.lsbVolts;
  const sinadDb = 10 * Math.log10(pSig / (nad * nad));
  const enobBits = Math.log2(fsr / (nad * Math.sqrt(12)));
  const sinadFullScaleDb = enobBits * TWENTY_LOG10_2 + TEN_LOG10_1_5;

  // Spectrum (coherent, unwindowed): one-sided powers of bins 1..M/2.
  const re = Float64Array.from(y);
  const im = new Float64Array(M);
  fft(re, im);
  const half = M / 2;
  const power = new Float64Array(half + 1);
  for (let k = 1; k <= half; k++) power[k] = (k === half ? 1 : 2) * (re[k] * re[k] + im[k] * im[k]);
  const pFund = power[J];
  let pAll = 0;
  let spur = 0;
  for (let k = 1; k <= half; k++) {
    if (k === J) continue;
    pAll += power[k];
    if (power[k] > spur) spur = power[k];
  }
  let pHarm = 0;
  const seen = new Set<number>();
  for (let h = 2; h <= thdHarmonics; h++) {
    let bin = (h * J) % M;
    if (bin > half) bin = M - bin;
    if (bin === 0 || bin === J || seen.has(bin)) continue; // folds onto DC/fundamental/another harmonic
    seen.add(bin);
    pHarm += power[bin];
  }
  return {
    samples: M,
    cycles: J,
    amplitudeDbfs,
    fittedAmplitudeVolts: Math.sqrt(a * a + b * b),
    fittedOffsetVolts: c,
    nadRmsLsb: nad / scale.lsbVolts,
    sinadDb,
    sinadFullScaleDb,
    enobBits,
    snrDb: 10 * Math.log10(pFund / (pAll - pHarm)),
    thdDb: 10 * Math.log10(pHarm / pFund),
    sfdrDb: 10 * Math.log10(pFund / spur),
    thdHarmonics,
  };
}

/**
 * A transfer function from measured (input, code) pairs sorted by input: the code of the nearest
 * sampled input (the midpoint between neighbouring samples is the estimated transition, the same
 * boundary the code-density analysis uses); inputs outside the sampled span take the code of the
 * end sample. Several samples at one input (repeated conversions) vote: their median code.
 */
export function sampledTransfer(sortedInputs: Float64Array, codes: Int32Array): AdcTransfer {
  const levels: number[] = [];
  const levelCodes: number[] = [];
  for (let i = 0; i < sortedInputs.length;) {
    let j = i;
    while (j < sortedInputs.length && sortedInputs[j] === sortedInputs[i]) j++;
    const group = Array.from(codes.subarray(i, j)).sort((x, y) => x - y);
    levels.push(sortedInputs[i]);
    levelCodes.push(group[(group.length - 1) >> 1]);
    i = j;
  }
  const L = levels.length;
  return (v) => {
    if (v <= levels[0]) return levelCodes[0];
    if (v >= levels[L - 1]) return levelCodes[L - 1];
    let lo = 0;
    let hi = L - 1; // levels[lo] < v < levels[hi]
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (levels[mid] <= v) lo = mid;
      else hi = mid;
    }
    return v - levels[lo] <= levels[hi] - v ? levelCodes[lo] : levelCodes[hi];
  };
}

/** Sorts (input, code) pairs by input (stable, so repeated inputs keep their order). */
export function sortSamples(
  inputVolts: ArrayLike<number>,
  codes: ArrayLike<number>,
  scale: AdcScale,
): { inputs: Float64Array; codes: Int32Array } {
  if (inputVolts.length !== codes.length) fail(`sampled pairs: ${inputVolts.length} inputs but ${codes.length} codes`);
  if (inputVolts.length < 2) fail(`sampled pairs: need at least 2 samples, got ${inputVolts.length}`);
  const idx = Array.from({ length: inputVolts.length }, (_, i) => i);
  for (const i of idx) {
    if (!Number.isFinite(inputVolts[i])) fail(`sampled pairs: input ${i} is ${inputVolts[i]}, expected a finite number`);
    checkCode(codes[i], scale, () => `in sample ${i}`);
  }
  idx.sort((p, q) => inputVolts[p] - inputVolts[q] || p - q);
  return { inputs: Float64Array.from(idx, (i) => inputVolts[i]), codes: Int32Array.from(idx, (i) => codes[i]) };
}

function traceOf(inputs: Float64Array, codes: Int32Array): RampTrace {
  const at: number[] = [0];
  for (let i = 1; i < inputs.length; i++) if (codes[i] !== codes[i - 1]) at.push(i);
  if (at[at.length - 1] !== inputs.length - 1) at.push(inputs.length - 1);
  // Keep the ends; thin the middle uniformly if the converter toggles too often (noise).
  const keep =
    at.length <= MAX_TRACE_POINTS
      ? at
      : Array.from({ length: MAX_TRACE_POINTS }, (_, i) => at[Math.round((i * (at.length - 1)) / (MAX_TRACE_POINTS - 1))]);
  return { inputVolts: keep.map((i) => inputs[i]), codes: keep.map((i) => codes[i]) };
}

/**
 * Measures a converter: the histogram test (DNL, INL, missing codes, transition levels, offset
 * and gain error) on a dense ramp, and the coherent-sine test (SINAD, ENOB, SNR, THD, SFDR).
 * For sampled pairs the pairs are the ramp, and the sine is converted through
 * {@link sampledTransfer}.
 */
export function measureConverter(dut: ConverterUnderTest, options: AdcMeasureInput = {}): ConverterMetrics {
  const o = parseAdcMeasureOptions(options);
  const scale = adcScale(o.bits, o.vLowVolts, o.vHighVolts, o.rangeConvention);
  const warnings: string[] = [];
  let rampIn: Float64Array;
  let rampCodes: Int32Array;
  let sineDut: Exclude<ConverterUnderTest, { kind: 'samples' }>;
  if (dut.kind === 'samples') {
    const s = sortSamples(dut.inputVolts, dut.codes, scale);
    rampIn = s.inputs;
    rampCodes = s.codes;
    sineDut = { kind: 'transfer', transfer: sampledTransfer(rampIn, rampCodes) };
  } else {
    rampIn = rampInputs(scale, o.samplesPerCode, o.rampOverdrivePercent);
    rampCodes = convertAll(dut, rampIn, scale);
    sineDut = dut;
  }
  const linearity = codeDensity(rampIn, rampCodes, scale, o.inlFit);
  if (scale.codes < 4) warnings.push(`${o.bits}-bit converter: DNL, INL and gain error need at least 2 bits (inner codes)`);
  for (const k of linearity.unreachedEndCodes) {
    warnings.push(
      `end code ${k} never occurs on the ramp (${fmtV(rampIn[0])}..${fmtV(rampIn[rampIn.length - 1])} V): the ramp does not overdrive that end, so T[${k === 0 ? 1 : k}], offset and gain error are not reliable`,
    );
  }
  if (linearity.meanHitsPerCode < 8)
    warnings.push(
      `only ${linearity.meanHitsPerCode.toFixed(1)} ramp samples per code: DNL resolution is about ±${(1 / Math.max(linearity.meanHitsPerCode, 1e-9)).toFixed(2)} LSB`,
    );

  const sineIn = sineInputs(scale, o.sineSamples, o.sineCycles, o.amplitudeDbfs);
  if (
    dut.kind === 'samples' &&
    (sineIn.reduce((m, x) => Math.min(m, x), Infinity) < rampIn[0] ||
      sineIn.reduce((m, x) => Math.max(m, x), -Infinity) > rampIn[rampIn.length - 1])
  ) {
    warnings.push(
      `the sine (${o.amplitudeDbfs} dBFS) extends beyond the sampled inputs ${fmtV(rampIn[0])}..${fmtV(rampIn[rampIn.length - 1])} V; the end samples' codes are held there`,
    );
  }
  const sineCodes = convertAll(sineDut, sineIn, scale);
  const y = new Float64Array(sineCodes.length);
  for (let i = 0; i < y.length; i++) y[i] = codeCenterVolts(scale, sineCodes[i]);
  const sine = sineMetrics(y, o.sineCycles, scale, o.amplitudeDbfs, o.thdHarmonics);
  if (!Number.isFinite(sine.sinadDb))
    warnings.push('the output code is constant over the sine test: SINAD, ENOB, SNR, THD and SFDR are undefined');

  return {
    scale,
    range: { vLowVolts: o.vLowVolts, vHighVolts: o.vHighVolts, convention: o.rangeConvention },
    source: dut.kind === 'samples' ? 'sampled pairs' : 'transfer function',
    linearity,
    sine,
    rampTrace: traceOf(rampIn, rampCodes),
    warnings,
  };
}

function fmtV(v: number): string {
  return Number(v.toPrecision(6)).toString();
}
