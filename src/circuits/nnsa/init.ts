/**
 * Structured ("mirrored thermometer") initialization of the NNS+A network, from the physics of the
 * passive substrate rather than at random.
 *
 * A passive column only forms positive combinations of its inputs, so no hidden neuron can see the
 * signed value v⁺ − v⁻ of a bit pair. The target differential output is linear,
 *   P − N = u⁺ − u⁻,   u^± = (15/16)·Σ_j 2^j v^±_j / 255 + (P_prev or N_prev) / 16   (D = 4),
 * so the hidden layer splits into two mirrored families: the "+" family sees the upper lines with
 * binary-weighted conductances (its column voltage is a function of u⁺ alone), the "−" family the
 * lower lines. Each family tiles its range u ∈ [0, 0.5] V with staggered thresholds (bias rows set
 * where each neuron switches): a sum of staggered, rail-limited inverter ramps is a straight line
 * whose slope is set by the ramp heights (VDD, ratiometric) and the spacing (conductance ratios),
 * not by the inverter gain. The output columns take the + family through its complement and the
 * − family directly (P), and the reverse (N), with a 0 V bias that centres P and N at 0.25 V.
 *
 * The passive output stage has no headroom to spare: P spans its 0.5 V only if the neurons'
 * conductance share is 0.5/1.2 of the column and every neuron swings rail to rail over the range.
 * Gradient training then refines this starting point (and quantization moves it onto levels).
 */
import type { Rng } from '../../core/rng.ts';
import { layerRowLayoutOfPairs } from '../row-layout.ts';
import { WEIGHT_BITS } from './signals.ts';

/** Options of {@link thermometerInit}. */
export interface ThermometerInitOptions {
  layer: number;
  pairs: number;
  columns: number;
  biasRows: number;
  /** Source input of each layer-0 signal row (`nnsaInputRows`). */
  inputRows: number[];
  replicaRows: number;
  /** Trim pairs after the replica rows (layer 0), both lines at `trimConductance`. */
  trimRows: number;
  trimVolts: [number, number];
  trimConductance: number;
  /** G_min / G_max. */
  gMinRelative: number;
  vddVolts: number;
  /** Nominal switching threshold V_M, volts. */
  switchingVolts: number;
  /** Nominal replica reference, volts (V_M for a diode-connected replica). */
  replicaVolts: number;
  /** Conductance of each of the most significant bit's row devices, in units of G_max. */
  topConductance: number;
  /** Conductance of each output device that carries a neuron, in units of G_max. */
  outputConductance: number;
  /** Replica devices' conductance, units of G_max. */
  replicaConductance: number;
  /** Range of u the thresholds tile, volts. */
  thresholdRangeVolts: [number, number];
  /** Small random perturbation (normalized) that breaks exact symmetry. */
  jitter: number;
  rng: Rng;
}

/** Normalized initial conductances [pairs × columns] of one layer (upper, lower lines). */
export function thermometerInit(o: ThermometerInitOptions): { upper: Float32Array; lower: Float32Array } {
  const { pairs: K, columns: J, biasRows: nb, gMinRelative: gMin, vddVolts: vdd, switchingVolts: vm } = o;
  const gu = new Float64Array(K * J).fill(gMin);
  const gl = new Float64Array(K * J).fill(gMin);
  const nPlus = Math.ceil(J / 2);
  // Layer 0 is the hidden inverter layer (signal | bias | replica | trim), layer 1 the passive output layer (hidden | bias).
  const layout = layerRowLayoutOfPairs(o, K, o.layer === 0);
  if (o.layer === 0) {
    const nr = layout.counts.replica;
    const nt = layout.counts.trim;
    const ni = layout.counts.signal;
    const gTrim = Math.max(gMin, o.trimConductance);
    // Coefficients of the D = 4 recursion target (signals.ts): 15/16·2^j/255 per bit, 1/16 for the
    // held output. They are the starting point for every D: with D = 1's own coefficients (the held
    // output at ½) nnsa-d1 trained to 37 mV max error instead of 26 mV.
    const keep = 1 / 16;
    const c7 = ((1 - keep) * 2 ** (WEIGHT_BITS - 1)) / 255;
    const msbRows = o.inputRows.filter((s) => s === WEIGHT_BITS - 1).length;
    const A = (o.topConductance * msbRows) / c7;
    const gRep = Math.max(gMin, o.replicaConductance);
    for (let j = 0; j < J; j++) {
      const fam = j < nPlus ? 0 : 1;
      const p = fam === 0 ? j : j - nPlus;
      const nf = fam === 0 ? nPlus : J - nPlus;
      const [lo, hi] = o.thresholdRangeVolts;
      const t = lo + ((p + 0.5) / nf) * (hi - lo);
      const line = fam === 0 ? gu : gl;
      for (let k = 0; k < ni; k++) {
        // A bit on several rows shares its conductance among them.
        const source = o.inputRows[k];
        const c = source < WEIGHT_BITS ? ((1 - keep) * 2 ** source) / 255 : keep;
        line[k * J + j] = Math.max(gMin, (A * c) / o.inputRows.filter((s) => s === source).length);
      }
      let gs = 0;
      for (let k = 0; k < ni; k++) gs += gu[k * J + j] + gl[k * J + j];
      // Leakage of the other family's lines (at G_min) at their mean voltage.
      const leak = gMin * ni * 0.17;
      for (let k = layout.start.replica; k < layout.start.trim; k++) gu[k * J + j] = gl[k * J + j] = gRep;
      for (let k = layout.start.trim; k < K; k++) gu[k * J + j] = gl[k * J + j] = gTrim;
      const gr = 2 * nr * gRep;
      const gt = nt * gTrim;
      const trimCurrent = gt * (o.trimVolts[0] + o.trimVolts[1] - 2 * vm);
      const bias = (vm * (gs + nb * gMin + gr) - A * t - leak - gr * o.replicaVolts - trimCurrent) / (nb * (vdd - vm));
      for (let k = layout.start.bias; k < layout.start.replica; k++) gu[k * J + j] = Math.min(1, Math.max(gMin, bias));
    }
  } else {
    const H = layout.counts.signal;
    const a = o.outputConductance;
    for (let i = 0; i < H; i++) {
      const fam = i < Math.ceil(H / 2) ? 0 : 1;
      // P (column 0): + family through the complement (lower line), − family directly.
      if (fam === 0) {
        gl[i * J + 0] = a;
        gu[i * J + 1] = a;
      } else {
        gu[i * J + 0] = a;
        gl[i * J + 1] = a;
      }
    }
    const center = 0.25;
    const num = H * (a + gMin) * (vdd / 2) + nb * gMin * vdd;
    const g0 = (num / center - H * (a + gMin) - nb * gMin) / nb;
    for (let k = layout.start.bias; k < K; k++) for (let j = 0; j < J; j++) gl[k * J + j] = Math.min(1, Math.max(gMin, g0));
  }
  const toU = (g: number): number => Math.min(1, Math.max(0, (g - gMin) / (1 - gMin) + o.jitter * o.rng.normal()));
  return { upper: Float32Array.from(gu, toU), lower: Float32Array.from(gl, toU) };
}
