/**
 * Hardware-aware training of passive-crossbar networks in the conductance domain (docs/reference.md §2.3).
 *
 * The trainable parameters are the devices' normalized conductances u ∈ [0, 1]
 * (g = G_min + u·(G_max − G_min)). Every forward pass rounds u to the cell's 2^bits levels with a
 * straight-through estimator, multiplies each device by a fresh programming-variation draw (one
 * simulated chip per step), and gives every inverter neuron a VTC corner drawn at random from the
 * PVT bank. Passivity (Σ_k|W_kj| < 1) holds by construction because the column is a
 * conductance-weighted average. Adam with a cosine-decayed learning rate; u is clipped to [0, 1]
 * after each step.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, type RngState } from '../core/rng.ts';
import { gMinSiemens, levelCount, type RramConfig } from '../device/rram.ts';
import { bankReplicaVolts, designedReplicaVolts, expandSignalRows, layerPairs, type NetworkShape, type PassiveNetwork } from './network.ts';
import { drawVtcShift, mismatchBank, type MismatchSpread } from './inverter-mismatch.ts';
import {
  DEFAULT_TRIM_VOLTS,
  FIXED_ROW_KINDS,
  fixedKindCount,
  fixedRowVolts,
  layerRowLayoutOfPairs,
  type FixedRowSettings,
} from './row-layout.ts';
import { passiveColumns, steQuantize, vtcLookup } from './tf-ops.ts';
import type { VtcBank } from './vtc.ts';

/** A batch of training inputs (volts) and targets, row-major. */
export interface TrainingBatch {
  /** Upper-line input voltages [batch × inputPairs]. */
  upper: Float32Array;
  /** Lower-line input voltages [batch × inputPairs]. */
  lower: Float32Array;
  /** Targets [batch × outputs], in whatever unit the loss expects. */
  target: Float32Array;
}

/**
 * One phase of training. Phases run in order; a phase may freeze a further fraction of the devices
 * onto their nearest level (incremental quantization: the devices closest to a level first, the
 * rest keep training to compensate), quantize the remaining ones with a straight-through estimator,
 * and switch programming variation and random corners on.
 */
export interface TrainPhase {
  steps: number;
  /** Peak learning rate of Adam in this phase (cosine decay to 5 % of it). */
  learningRate: number;
  /** Fraction of all devices frozen on a level by the end of this phase's start (0..1). */
  frozenFraction: number;
  /** Quantize the devices not yet frozen with a straight-through estimator. */
  ste: boolean;
  /** Apply programming variation at every step. */
  variation: boolean;
  /** Draw a random VTC corner per inverter neuron at every step. */
  randomCorners: boolean;
  /**
   * Before this phase, rescale every column's conductances by the factor that best fits the level
   * grid (a column's voltage is invariant to scaling all its conductances; G_min makes this
   * approximate, so training continues after it).
   */
  rescaleColumns?: boolean;
}

/** Options of {@link trainPassiveNetwork}. */
export interface TrainNetworkOptions {
  shape: NetworkShape;
  /** Cell model: levels, G range, and the variation applied during training. */
  device: RramConfig;
  bank: VtcBank;
  vddVolts: number;
  batchSize: number;
  phases: TrainPhase[];
  rng: Rng;
  /** With random corners: one corner per step shared by all neurons (a die) instead of one per neuron. */
  globalCorners?: boolean;
  /**
   * With global corners: each inverter (the replica included) also gets its own local-mismatch
   * VTC shift drawn from this spread at every step (`die-mismatch`; see `inverter-mismatch.ts`).
   */
  mismatch?: MismatchSpread;
  /**
   * Simulated dies per step (default 1): the batch is split into this many equal parts, each run on
   * its own variation draw and (with random corners) its own corner, so that one gradient step
   * weighs several dies against each other instead of following one die at a time.
   */
  diesPerStep?: number;
  /** Draws a batch of inputs and targets. */
  sampleBatch: (rng: Rng, batchSize: number) => TrainingBatch;
  /** Loss of the network outputs [B, J] against targets [B, J']. */
  loss: (outputs: tf.Tensor2D, target: tf.Tensor2D) => tf.Scalar;
  /** Called every `progressEvery` steps with the global step and current loss. */
  onProgress?: (step: number, loss: number) => void;
  progressEvery?: number;
  /** Start from these conductances instead of a random initialization. */
  init?: PassiveNetwork;
  /**
   * Checkpoints at phase boundaries: `save` receives the state after every phase (a run stopped
   * later resumes from it); `resume` continues after the phases it records, with the same result
   * as a run that was never stopped (the state holds everything later phases read).
   */
  checkpoint?: { resume?: TrainCheckpoint; save?: (c: TrainCheckpoint) => void };
  /**
   * Initial normalized conductances of layer `layer` ([pairs × columns] each, bias rows last);
   * default uniform in [0.1, 0.9].
   */
  initLayer?: (layer: number, pairs: number, columns: number, rng: Rng) => { upper: Float32Array; lower: Float32Array };
}

/** Trained conductance variables of one layer, with the frozen-device state. */
/** The training state at a phase boundary ({@link TrainNetworkOptions.checkpoint}), plain JSON. */
export interface TrainCheckpoint {
  /** Phases completed. */
  phasesDone: number;
  globalStep: number;
  finalLoss: number;
  /** Per layer: the trained values (units of the level range) and the frozen-device masks. */
  layers: Array<{ upper: number[]; lower: number[]; frozenUpper: number[]; frozenLower: number[] }>;
  /** The streams the phases draw from, where they stopped. */
  streams: { data: RngState; variation: RngState; corners: RngState; mismatch?: RngState };
}

interface LayerVars {
  upper: tf.Variable;
  lower: tf.Variable;
  /** 1 where a device is frozen on its level. */
  frozenUpper: Float32Array;
  frozenLower: Float32Array;
}

/**
 * Forward pass of a passive network in tfjs on given conductances (units of G_max). Every layer
 * takes its signal rows, then the fixed rows of `rows` in the layout's order (`row-layout.ts`:
 * bias on every layer; replica and trim rows on inverter layers).
 */
export function forwardTf(
  layers: Array<{ gU: tf.Tensor2D; gL: tf.Tensor2D; activation: 'inverter' | 'linear'; vtcTable?: tf.Tensor2D }>,
  grid: VtcBank['grid'],
  upper: tf.Tensor2D,
  lower: tf.Tensor2D,
  rows: FixedRowSettings,
): tf.Tensor2D {
  const vddVolts = rows.vddVolts;
  let up = upper;
  let lo = lower;
  let out: tf.Tensor2D = upper;
  for (const layer of layers) {
    const b = up.shape[0];
    const inv = layer.activation === 'inverter';
    const fixedU: tf.Tensor2D[] = [];
    const fixedL: tf.Tensor2D[] = [];
    for (const kind of FIXED_ROW_KINDS) {
      const n = fixedKindCount(kind, rows, inv);
      if (n === 0) continue;
      const [vu, vl] = fixedRowVolts(kind, rows);
      fixedU.push(tf.fill([b, n], vu));
      fixedL.push(tf.fill([b, n], vl));
    }
    const u = tf.concat([up, ...fixedU], 1) as tf.Tensor2D;
    const l = tf.concat([lo, ...fixedL], 1) as tf.Tensor2D;
    let v = passiveColumns(u, l, layer.gU, layer.gL);
    if (layer.activation === 'inverter') v = vtcLookup(v, layer.vtcTable!, grid);
    out = v;
    up = v;
    lo = tf.sub(vddVolts, v) as tf.Tensor2D;
  }
  return out;
}

/** Result of training. */
export interface TrainResult {
  network: PassiveNetwork;
  /** Loss at the last step. */
  finalLoss: number;
  /** Steps run. */
  steps: number;
}

/** Freezes the not-yet-frozen devices closest to a level until `fraction` of all are frozen. */
function freezeClosest(vars: LayerVars[], fraction: number, levels: number): void {
  const entries: Array<{ mask: Float32Array; values: Float32Array; i: number; err: number }> = [];
  let total = 0;
  let frozen = 0;
  for (const v of vars) {
    for (const [mask, variable] of [
      [v.frozenUpper, v.upper],
      [v.frozenLower, v.lower],
    ] as const) {
      const values = variable.dataSync() as Float32Array;
      total += mask.length;
      for (let i = 0; i < mask.length; i++) {
        if (mask[i]) frozen++;
        else {
          const x = values[i] * (levels - 1);
          entries.push({ mask, values, i, err: Math.abs(x - Math.round(x)) });
        }
      }
    }
  }
  const want = Math.min(total, Math.round(fraction * total)) - frozen;
  entries.sort((a, b) => a.err - b.err);
  for (const e of entries.slice(0, Math.max(0, want))) e.mask[e.i] = 1;
}

/**
 * Scales each column's conductances (upper and lower lines together) by the factor in
 * [0.25, 1/max g] that minimizes the squared rounding error relative to the column total.
 */
function rescaleColumns(v: LayerVars, levels: number, gMinRel: number): void {
  const [K, J] = v.upper.shape as [number, number];
  const uu = Float32Array.from(v.upper.dataSync());
  const ul = Float32Array.from(v.lower.dataSync());
  const g = (u: number): number => gMinRel + (1 - gMinRel) * Math.min(1, Math.max(0, u));
  const roundG = (x: number): number => {
    const u = Math.min(1, Math.max(0, (x - gMinRel) / (1 - gMinRel)));
    return gMinRel + ((1 - gMinRel) * Math.round(u * (levels - 1))) / (levels - 1);
  };
  for (let j = 0; j < J; j++) {
    const col: number[] = [];
    for (let k = 0; k < K; k++) col.push(g(uu[k * J + j]), g(ul[k * J + j]));
    const gMax = Math.max(...col);
    const total = col.reduce((a, b) => a + b, 0);
    let best = 1;
    let bestErr = Infinity;
    for (let s = 0.25; s <= 1 / gMax + 1e-9; s += 0.005) {
      let err = 0;
      for (const x of col) err += (roundG(s * x) - s * x) ** 2;
      err /= (s * total) ** 2;
      if (err < bestErr) [bestErr, best] = [err, s];
    }
    for (let k = 0; k < K; k++) {
      uu[k * J + j] = Math.min(1, Math.max(0, (best * g(uu[k * J + j]) - gMinRel) / (1 - gMinRel)));
      ul[k * J + j] = Math.min(1, Math.max(0, (best * g(ul[k * J + j]) - gMinRel) / (1 - gMinRel)));
    }
  }
  v.upper.assign(tf.tensor2d(uu, [K, J]));
  v.lower.assign(tf.tensor2d(ul, [K, J]));
}

/** Trains a passive network; returns the network with conductances rounded onto the levels. */
export function trainPassiveNetwork(o: TrainNetworkOptions): TrainResult {
  const levels = levelCount(o.device);
  const gMinRel = gMinSiemens(o.device) / o.device.gMaxSiemens;
  const pairs = layerPairs(o.shape);
  const signalRows = o.shape.inputRows?.length ?? o.shape.inputPairs;
  const biasRows = o.shape.biasRows ?? 1;
  const replicaRows = o.shape.replicaRows ?? 0;
  const trimRows = o.shape.trimRows ?? 0;
  const trimVolts = o.shape.trimVolts ?? DEFAULT_TRIM_VOLTS;
  const replicaVoltsOfCorner = bankReplicaVolts(o.bank, o.vddVolts, o.shape.replicaFeedback, o.device.gMaxSiemens);
  const initRng = o.rng.fork('init');
  const vars: LayerVars[] = o.shape.layers.map((l, i) => {
    const n = pairs[i] * l.columns;
    const fromInit = (line: 'upperLevels' | 'lowerLevels'): Float32Array =>
      Float32Array.from(o.init!.layers[i][line], (idx) => idx / (levels - 1));
    const rand = (): Float32Array => initRng.fillUniform(new Float32Array(n), 0.1, 0.9) as Float32Array;
    const custom = !o.init && o.initLayer ? o.initLayer(i, pairs[i], l.columns, initRng) : null;
    return {
      upper: tf.variable(tf.tensor2d(o.init ? fromInit('upperLevels') : (custom?.upper ?? rand()), [pairs[i], l.columns])),
      lower: tf.variable(tf.tensor2d(o.init ? fromInit('lowerLevels') : (custom?.lower ?? rand()), [pairs[i], l.columns])),
      frozenUpper: new Float32Array(n),
      frozenLower: new Float32Array(n),
    };
  });
  const bankTable = tf.tensor2d(o.bank.table, [o.bank.corners.length, o.bank.grid.points]);
  const nominalRow = bankTable.slice([o.bank.nominalIndex, 0], [1, -1]);
  const resume = o.checkpoint?.resume;
  const dataRng = resume ? Rng.restore(resume.streams.data) : o.rng.fork('data');
  const noiseRng = resume ? Rng.restore(resume.streams.variation) : o.rng.fork('variation');
  const cornerRng = resume ? Rng.restore(resume.streams.corners) : o.rng.fork('corners');
  // Local mismatch draws from a stream of its own, so the other corner modes' streams are unchanged.
  const mismatch = o.globalCorners ? o.mismatch : undefined;
  const mismatchRng = resume?.streams.mismatch ? Rng.restore(resume.streams.mismatch) : o.rng.fork('mismatch');
  const sigma = o.device.programming.sigma;
  const kind = o.device.programming.kind;
  let finalLoss = resume?.finalLoss ?? NaN;
  const every = o.progressEvery ?? 100;
  const diesPerStep = o.diesPerStep ?? 1;
  let globalStep = resume?.globalStep ?? 0;
  if (resume) {
    if (resume.layers.length !== vars.length) throw new Error(`checkpoint of ${resume.layers.length} layers for ${vars.length}`);
    vars.forEach((v, i) => {
      const c = resume.layers[i];
      v.upper.assign(tf.tensor2d(Float32Array.from(c.upper), v.upper.shape as [number, number]));
      v.lower.assign(tf.tensor2d(Float32Array.from(c.lower), v.lower.shape as [number, number]));
      v.frozenUpper.set(c.frozenUpper);
      v.frozenLower.set(c.frozenLower);
    });
  }

  for (const [phaseIndex, phase] of o.phases.entries()) {
    if (resume && phaseIndex < resume.phasesDone) continue;
    if (phase.rescaleColumns) vars.forEach((v) => rescaleColumns(v, levels, gMinRel));
    freezeClosest(vars, phase.frozenFraction, levels);
    // Frozen devices: constant level values; free devices: trainable (optionally STE-quantized).
    const frozen = vars.map((v) => {
      const make = (mask: Float32Array, variable: tf.Variable): { mask: tf.Tensor2D; value: tf.Tensor2D } => {
        const vals = variable.dataSync() as Float32Array;
        const q = Float32Array.from(vals, (u) => Math.round(Math.min(1, Math.max(0, u)) * (levels - 1)) / (levels - 1));
        return { mask: tf.tensor2d(mask, variable.shape as [number, number]), value: tf.tensor2d(q, variable.shape as [number, number]) };
      };
      return { upper: make(v.frozenUpper, v.upper), lower: make(v.frozenLower, v.lower) };
    });
    const optimizer = tf.train.adam(phase.learningRate);
    for (let step = 0; step < phase.steps; step++, globalStep++) {
      const lr = phase.learningRate * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * step) / phase.steps)));
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const batch = o.sampleBatch(dataRng, o.batchSize);
      // Per die: its corner, the replica inverter's corner (one more inverter of the die, see
      // network.ts), each neuron's corner and the variation seeds, drawn in this order.
      const dies = Array.from({ length: diesPerStep }, () => {
        const dieCorner = cornerRng.int(o.bank.corners.length);
        const replicaCorner = !phase.randomCorners
          ? o.bank.nominalIndex
          : o.globalCorners
            ? dieCorner
            : replicaRows > 0
              ? cornerRng.int(o.bank.corners.length)
              : 0;
        const cornerIdx = o.shape.layers.map((l) =>
          Int32Array.from({ length: l.columns }, () =>
            !phase.randomCorners ? o.bank.nominalIndex : o.globalCorners ? dieCorner : cornerRng.int(o.bank.corners.length),
          ),
        );
        const seeds = vars.map(() => [noiseRng.nextSeed(), noiseRng.nextSeed()]);
        // die-mismatch: every inverter's own VTC (its die's corner moved by its local mismatch).
        const local =
          phase.randomCorners && mismatch
            ? {
                tables: o.shape.layers.map((l) =>
                  l.activation === 'inverter'
                    ? mismatchBank(
                        o.bank,
                        new Int32Array(l.columns).fill(dieCorner),
                        Array.from({ length: l.columns }, () => drawVtcShift(mismatch, mismatchRng)),
                      ).table
                    : null,
                ),
                replicaVolts:
                  replicaRows > 0
                    ? designedReplicaVolts(
                        mismatchBank(o.bank, [dieCorner], [drawVtcShift(mismatch, mismatchRng)]),
                        0,
                        o.vddVolts,
                        o.shape.replicaFeedback,
                        o.device.gMaxSiemens,
                      )
                    : NaN,
              }
            : null;
        return { replicaCorner, cornerIdx, seeds, local };
      });
      const upperRows = Float32Array.from(expandSignalRows(o.shape.inputRows, batch.upper, o.batchSize));
      const lowerRows = Float32Array.from(expandSignalRows(o.shape.inputRows, batch.lower, o.batchSize));
      const lossValue = optimizer.minimize(() => {
        // Level-quantized conductances (frozen devices on their level, free ones trained), shared
        // by every die; each die then applies its own variation draw and corners.
        const designed = o.shape.layers.map((_, i) =>
          (['upper', 'lower'] as const).map((line) => {
            const u = vars[i][line];
            const fz = frozen[i][line];
            const free = phase.ste ? steQuantize(u.clipByValue(0, 1), levels) : u.clipByValue(0, 1);
            return fz.mask
              .mul(fz.value)
              .add(tf.sub(1, fz.mask).mul(free))
              .mul(1 - gMinRel)
              .add(gMinRel) as tf.Tensor2D;
          }),
        );
        const programmed = (g: tf.Tensor2D, seed: number): tf.Tensor2D => {
          if (!phase.variation || sigma <= 0) return g;
          const z = tf.randomNormal(g.shape, 0, 1, 'float32', seed);
          return (kind === 'lognormal' ? g.mul(z.mul(sigma).exp()) : g.add(z.mul(sigma * (1 - gMinRel))).relu()) as tf.Tensor2D;
        };
        const outputs = dies.map((die, d) => {
          const first = Math.floor((d * o.batchSize) / diesPerStep);
          const rows = Math.floor(((d + 1) * o.batchSize) / diesPerStep) - first;
          const layers = o.shape.layers.map((l, i) => ({
            gU: programmed(designed[i][0], die.seeds[i][0]),
            gL: programmed(designed[i][1], die.seeds[i][1]),
            activation: l.activation,
            vtcTable:
              l.activation === 'inverter'
                ? die.local
                  ? tf.tensor2d(die.local.tables[i]!, [l.columns, o.bank.grid.points])
                  : phase.randomCorners
                    ? (tf.gather(bankTable, tf.tensor1d(die.cornerIdx[i], 'int32')) as tf.Tensor2D)
                    : (tf.tile(nominalRow, [l.columns, 1]) as tf.Tensor2D)
                : undefined,
          }));
          return forwardTf(
            layers,
            o.bank.grid,
            tf.tensor2d(upperRows.subarray(first * signalRows, (first + rows) * signalRows), [rows, signalRows]),
            tf.tensor2d(lowerRows.subarray(first * signalRows, (first + rows) * signalRows), [rows, signalRows]),
            {
              vddVolts: o.vddVolts,
              biasRows,
              replicaRows,
              replicaVolts: die.local ? die.local.replicaVolts : replicaVoltsOfCorner[die.replicaCorner],
              trimRows,
              trimVolts,
            },
          );
        });
        const out = outputs.length === 1 ? outputs[0] : (tf.concat(outputs, 0) as tf.Tensor2D);
        return o.loss(out, tf.tensor2d(batch.target, [o.batchSize, batch.target.length / o.batchSize]));
      }, true);
      for (const v of vars) {
        v.upper.assign(v.upper.clipByValue(0, 1));
        v.lower.assign(v.lower.clipByValue(0, 1));
      }
      if (globalStep % every === 0) {
        finalLoss = lossValue!.dataSync()[0];
        o.onProgress?.(globalStep, finalLoss);
      }
      lossValue?.dispose();
    }
    optimizer.dispose();
    frozen.forEach((f) => [f.upper.mask, f.upper.value, f.lower.mask, f.lower.value].forEach((t) => t.dispose()));
    o.checkpoint?.save?.({
      phasesDone: phaseIndex + 1,
      globalStep,
      finalLoss,
      layers: vars.map((v) => ({
        upper: Array.from(v.upper.dataSync()),
        lower: Array.from(v.lower.dataSync()),
        frozenUpper: Array.from(v.frozenUpper),
        frozenLower: Array.from(v.frozenLower),
      })),
      streams: {
        data: dataRng.state(),
        variation: noiseRng.state(),
        corners: cornerRng.state(),
        ...(mismatch ? { mismatch: mismatchRng.state() } : {}),
      },
    });
  }

  const network: PassiveNetwork = {
    inputPairs: o.shape.inputPairs,
    ...(o.shape.inputRows ? { inputRows: o.shape.inputRows } : {}),
    biasRows,
    ...(replicaRows > 0 ? { replicaRows } : {}),
    ...(replicaRows > 0 && o.shape.replicaFeedback ? { replicaFeedback: o.shape.replicaFeedback } : {}),
    ...(trimRows > 0 ? { trimRows, trimVolts } : {}),
    vddVolts: o.vddVolts,
    device: o.device,
    layers: o.shape.layers.map((l, i) => ({
      pairs: pairs[i],
      columns: l.columns,
      activation: l.activation,
      upperLevels: Array.from(vars[i].upper.dataSync(), (u) => Math.round(Math.min(1, Math.max(0, u)) * (levels - 1))),
      lowerLevels: Array.from(vars[i].lower.dataSync(), (u) => Math.round(Math.min(1, Math.max(0, u)) * (levels - 1))),
    })),
  };
  vars.forEach((v) => {
    v.upper.dispose();
    v.lower.dispose();
  });
  bankTable.dispose();
  nominalRow.dispose();
  return { network, finalLoss, steps: globalStep };
}

/**
 * Initial conductances that put every column of a layer near a chosen operating voltage: signal
 * devices uniform in [0, `signalMax`] (normalized), then the bias rows (VDD, 0) sized so that, for
 * inputs at their mean voltage, the column sits at `centerVolts` (an inverter layer starts in its
 * high-gain region instead of saturated). Solves m·G_in + VDD·nb·g_bU = c·(G_in + nb·(g_bU + g_bL))
 * with the unused bias line at G_min; clips at G_max.
 */
export function centeredLayerInit(o: {
  pairs: number;
  columns: number;
  biasRows: number;
  /** Mean voltage of the signal inputs (both lines), volts. */
  meanInputVolts: number;
  centerVolts: number;
  vddVolts: number;
  /** G_min / G_max. */
  gMinRelative: number;
  /** Upper end of the uniform initial normalized conductance of signal devices. */
  signalMax: number;
  rng: Rng;
  /** Replica-reference pairs after the bias rows (default 0), both lines at `replicaLevel`. */
  replicaRows?: number;
  /** Normalized initial conductance of the replica devices. */
  replicaLevel?: number;
  /** Replica reference voltage, volts (the nominal V_M). */
  replicaVolts?: number;
  /** Trim pairs after the replica rows (default 0), both lines at `replicaLevel`, at `trimVolts`. */
  trimRows?: number;
  trimVolts?: [number, number];
}): { upper: Float32Array; lower: Float32Array } {
  const { pairs: K, columns: J, biasRows: nb, gMinRelative: gMin } = o;
  const layout = layerRowLayoutOfPairs(o, K, true);
  const [trimHi, trimLo] = o.trimVolts ?? [0, 0];
  const up = new Float32Array(K * J);
  const lo = new Float32Array(K * J);
  const g = (u: number): number => gMin + (1 - gMin) * u;
  const uOf = (x: number): number => Math.min(1, Math.max(0, (x - gMin) / (1 - gMin)));
  const c = o.centerVolts;
  const ns = layout.counts.signal;
  for (let j = 0; j < J; j++) {
    let gIn = 0;
    for (let k = 0; k < ns; k++) {
      up[k * J + j] = o.rng.uniform() * o.signalMax;
      lo[k * J + j] = o.rng.uniform() * o.signalMax;
      gIn += g(up[k * J + j]) + g(lo[k * J + j]);
    }
    let gRep = 0;
    let iRep = 0;
    for (let k = layout.start.replica; k < K; k++) {
      up[k * J + j] = lo[k * J + j] = o.replicaLevel ?? 0.5;
      const gk = g(o.replicaLevel ?? 0.5);
      gRep += 2 * gk;
      iRep += k < layout.start.trim ? 2 * gk * (o.replicaVolts ?? 0) : gk * (trimHi + trimLo);
    }
    // Mean of everything but the bias rows, then the bias that moves it to the center.
    const m = (o.meanInputVolts * gIn + iRep) / (gIn + gRep);
    const g0 = gIn + gRep;
    for (let k = layout.start.bias; k < layout.start.replica; k++) {
      if (c > m) up[k * J + j] = uOf(((c - m) * g0 + c * nb * gMin) / (nb * (o.vddVolts - c)));
      else lo[k * J + j] = uOf(((m - c) * g0 + (o.vddVolts - c) * nb * gMin) / (nb * c));
    }
  }
  return { upper: up, lower: lo };
}
