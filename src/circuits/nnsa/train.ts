/**
 * Hardware-aware training of the NNS+A (docs/reference.md §2.4): a 9 → H → 2 passive network (8 bit-line
 * pairs and the held previous output in; H inverter neurons; the differential output pair P, N
 * out), trained in the conductance domain.
 *
 * Procedure: (1) float-conductance training from a physics-based "mirrored thermometer"
 * initialization (`init.ts`; or the older random centered one); (2) incremental quantization —
 * the first stage rescales every column onto the level grid, each stage freezes a further fraction
 * of the devices onto their nearest level (closest first) and trains the rest to compensate, with
 * programming variation and the chosen corner mode switched on; (3) all devices on levels, then
 * discrete coordinate-descent refinement over level indices (single, in-column pair and
 * cross-column moves) against a nominal chip plus variation-and-corner chips. The loss is the mean
 * squared error of the differential output plus 0.1 × that of the common mode, volts², plus a
 * high-order tail term (`tailLoss`, in training and refinement) that pulls the maximum error down.
 * The upper weight bits sit on several parallel rows (`bitRows`) so that their binary ratios are
 * not stuck on the coarse 3-bit grid. A fraction of the training samples is drawn output-uniform
 * (`dataset.ts`) so that the rarely sampled large outputs are learned too.
 *
 * Circuit options beyond the plain topology (all in `network.ts`, all modelled in the float64
 * forward pass): replica-inverter reference rows that make the hidden thresholds track the die's
 * V_M, and trim rows at divider taps near VDD/2 that set the thresholds finer than 3-bit devices to
 * VDD or ground can.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '../../core/errors.ts';
import { Rng } from '../../core/rng.ts';
import { gMinSiemens } from '../../device/rram.ts';
import { bankToJson, MODEL_FORMAT_VERSION } from '../approximator-model.ts';
import { balanceParallelRows, designedReplicaVolts, dieCornerMode, type CornerMode, type PassiveNetwork } from '../network.ts';
import type { MismatchSpread } from '../inverter-mismatch.ts';
import { refineNetwork } from '../refine.ts';
import { centeredLayerInit, trainPassiveNetwork, type TrainNetworkOptions, type TrainPhase } from '../train-network.ts';
import { vtcFigures, type VtcBank } from '../vtc.ts';
import type { NnsaModel, NnsaTrainConfig } from './config.ts';
import { sampleNnsaBatch } from './dataset.ts';
import { thermometerInit } from './init.ts';
import { NNSA_INPUT_PAIRS, OUTPUT_COMMON_MODE_VOLTS, nnsaInputRows } from './signals.ts';

/** Relative weight of the common-mode error in the loss. */
const COMMON_MODE_WEIGHT = 0.1;

/** Progress callback: stage name, step within the whole run, total steps, current loss. */
export type TrainProgress = (stage: string, step: number, total: number, loss: number) => void;

/** Tail term of the loss: weight × (mean e^power)^(2/power); weight 0 switches it off. */
export interface TailLoss {
  weight: number;
  power: number;
}

/**
 * Scale of the tail term's error (volts): e/TAIL_SCALE is O(1) near the target error, which keeps
 * e^power (power up to 16) inside float32 range.
 */
const TAIL_SCALE_VOLTS = 0.01;

/**
 * Differential + common-mode MSE of output pairs [B, 2] against target pairs [B, 2] (tfjs), plus
 * the optional tail term on the differential error.
 */
function pairLossTf(out: tf.Tensor2D, target: tf.Tensor2D, tail: TailLoss = { weight: 0, power: 8 }): tf.Scalar {
  return tf.tidy(() => {
    const d = out.sub(target);
    const p = d.slice([0, 0], [-1, 1]);
    const n = d.slice([0, 1], [-1, 1]);
    const diff = p.sub(n);
    let loss = diff.square().mean().add(p.add(n).square().mean().mul(COMMON_MODE_WEIGHT));
    if (tail.weight > 0) {
      const m = diff.div(TAIL_SCALE_VOLTS).abs().pow(tail.power).mean().add(1e-12);
      loss = loss.add(m.pow(2 / tail.power).mul(tail.weight * TAIL_SCALE_VOLTS ** 2));
    }
    return loss as tf.Scalar;
  });
}

/** The same loss on float64 output pairs, for refinement (called for every trial move). */
export function pairLoss(out: Float64Array, target: ArrayLike<number>, tail: TailLoss = { weight: 0, power: 8 }): number {
  let s = 0;
  let t = 0;
  const B = out.length / 2;
  const log2 = Math.log2(tail.power);
  const squarings = Number.isInteger(log2) ? log2 - 1 : -1;
  if (tail.weight > 0 && squarings === 3) {
    // The default power 16, unrolled: x² squared three times (same arithmetic as the loop below).
    for (let b = 0; b < B; b++) {
      const dp = out[2 * b] - target[2 * b];
      const dn = out[2 * b + 1] - target[2 * b + 1];
      const d = dp - dn;
      s += d ** 2 + COMMON_MODE_WEIGHT * (dp + dn) ** 2;
      const x = d / TAIL_SCALE_VOLTS;
      let xp = x * x;
      xp *= xp;
      xp *= xp;
      xp *= xp;
      t += xp;
    }
  } else {
    for (let b = 0; b < B; b++) {
      const dp = out[2 * b] - target[2 * b];
      const dn = out[2 * b + 1] - target[2 * b + 1];
      s += (dp - dn) ** 2 + COMMON_MODE_WEIGHT * (dp + dn) ** 2;
      if (tail.weight > 0) {
        // |x|^power by repeated squaring when power is a power of two (Math.pow dominates otherwise).
        const x = (dp - dn) / TAIL_SCALE_VOLTS;
        let xp = x * x;
        if (squarings >= 0) for (let i = 0; i < squarings; i++) xp *= xp;
        else xp = Math.abs(x) ** tail.power;
        t += xp;
      }
    }
  }
  let loss = s / B;
  if (tail.weight > 0) loss += tail.weight * TAIL_SCALE_VOLTS ** 2 * (t / B) ** (2 / tail.power);
  return loss;
}

/** Corner mode for instantiation from the config's name. */
export function cornerModeFor(name: NnsaTrainConfig['trainingCorners'], rng: Rng, bank: VtcBank, mismatch?: MismatchSpread): CornerMode {
  return dieCornerMode(name, rng, bank, mismatch);
}

/** Trains an NNS+A; returns the model (without metrics). `checkpoint`: save and resume at phase boundaries. */
export function trainNnsa(
  cfg: NnsaTrainConfig,
  bank: VtcBank,
  onProgress?: TrainProgress,
  checkpoint?: TrainNetworkOptions['checkpoint'],
): NnsaModel {
  const rng = new Rng(cfg.seed);
  if (cfg.trainingCorners === 'die-mismatch' && !cfg.trainingMismatch)
    fail('die-mismatch training corners need trainingMismatch (the inverter mismatch distribution)');
  const gMinRel = gMinSiemens(cfg.device) / cfg.device.gMaxSiemens;
  const nominalVm = vtcFigures(bank, bank.nominalIndex).switchingVolts;
  const nominalReplicaVolts = designedReplicaVolts(bank, bank.nominalIndex, cfg.vddVolts, cfg.replicaFeedback, cfg.device.gMaxSiemens);
  const inputRows = nnsaInputRows(cfg.bitRows);
  const shape = {
    inputPairs: NNSA_INPUT_PAIRS,
    // One row per bit is the plain layout; store the mapping only when some bit has several.
    ...(inputRows.length > NNSA_INPUT_PAIRS ? { inputRows } : {}),
    biasRows: cfg.biasRows,
    replicaRows: cfg.replicaRows,
    ...(cfg.replicaFeedback ? { replicaFeedback: cfg.replicaFeedback } : {}),
    trimRows: cfg.trimRows,
    trimVolts: cfg.trimVolts,
    layers: [
      { columns: cfg.hiddenNeurons, activation: 'inverter' as const },
      { columns: 2, activation: 'linear' as const },
    ],
  };
  const noisy = (stage: boolean): Pick<TrainPhase, 'variation' | 'randomCorners'> => ({
    variation: stage && cfg.variationAware,
    randomCorners: stage && cfg.trainingCorners !== 'nominal',
  });
  const phases: TrainPhase[] = [
    { steps: cfg.floatSteps, learningRate: cfg.learningRate, frozenFraction: 0, ste: false, ...noisy(false) },
    ...cfg.freezeSchedule.map((f, i) => ({
      steps: cfg.stageSteps,
      learningRate: cfg.learningRate / 2,
      frozenFraction: f,
      ste: false,
      rescaleColumns: i === 0,
      ...noisy(true),
    })),
    { steps: 0, learningRate: 0, frozenFraction: 1, ste: false, ...noisy(false) },
  ];
  const total = phases.reduce((a, p) => a + p.steps, 0);
  const result = trainPassiveNetwork({
    shape,
    device: cfg.device,
    bank,
    vddVolts: cfg.vddVolts,
    batchSize: cfg.batchSize,
    phases,
    rng: rng.fork('train'),
    globalCorners: cfg.trainingCorners === 'global' || cfg.trainingCorners === 'die-mismatch',
    ...(cfg.trainingCorners === 'die-mismatch' ? { mismatch: cfg.trainingMismatch } : {}),
    diesPerStep: cfg.diesPerStep,
    sampleBatch: (r, b) => sampleNnsaBatch(r, b, cfg.dacBits, cfg.sampleHoldNoiseVolts, cfg.stressFraction),
    loss: (out, target) => pairLossTf(out, target, cfg.tailLoss),
    initLayer: (layer, pairs, columns, r) =>
      cfg.init === 'thermometer'
        ? thermometerInit({
            layer,
            pairs,
            columns,
            biasRows: cfg.biasRows,
            inputRows,
            replicaRows: layer === 0 ? cfg.replicaRows : 0,
            trimRows: layer === 0 ? cfg.trimRows : 0,
            trimVolts: cfg.trimVolts,
            trimConductance: gMinRel + (1 - gMinRel) * cfg.trimInitLevel,
            gMinRelative: gMinRel,
            vddVolts: cfg.vddVolts,
            switchingVolts: nominalVm,
            replicaVolts: nominalReplicaVolts,
            topConductance: cfg.thermometer.topConductance,
            outputConductance: cfg.thermometer.outputConductance,
            replicaConductance: gMinRel + (1 - gMinRel) * cfg.replicaInitLevel,
            thresholdRangeVolts: cfg.thermometer.thresholdRangeVolts,
            jitter: cfg.thermometer.jitter,
            rng: r,
          })
        : centeredLayerInit({
            pairs,
            columns,
            biasRows: cfg.biasRows,
            meanInputVolts: layer === 0 ? OUTPUT_COMMON_MODE_VOLTS * 0.67 : cfg.vddVolts / 2,
            centerVolts: layer === 0 ? nominalVm : OUTPUT_COMMON_MODE_VOLTS,
            vddVolts: cfg.vddVolts,
            gMinRelative: gMinRel,
            signalMax: 0.5,
            rng: r,
            ...(layer === 0
              ? {
                  replicaRows: cfg.replicaRows,
                  replicaLevel: cfg.replicaInitLevel,
                  replicaVolts: nominalReplicaVolts,
                  trimRows: cfg.trimRows,
                  trimVolts: cfg.trimVolts,
                }
              : {}),
          }),
    progressEvery: 50,
    onProgress: (step, loss) => onProgress?.('train', step, total, loss),
    // Refinement after the phases draws from its own forks of the seed, so resuming at a phase
    // boundary reaches the model of an uninterrupted run.
    checkpoint,
  });
  const network: PassiveNetwork = result.network;
  if (cfg.refine.sweeps > 0) {
    const data = sampleNnsaBatch(rng.fork('refine-data'), cfg.refine.batch, cfg.dacBits, 0, cfg.stressFraction);
    refineNetwork(network, bank, {
      upper: data.upper,
      lower: data.lower,
      batch: cfg.refine.batch,
      loss: (out) => pairLoss(out, data.target, { power: cfg.tailLoss.power, weight: cfg.refine.tailWeight }),
      chips: cfg.refine.chips,
      device: cfg.variationAware ? cfg.device : { ...cfg.device, programming: { ...cfg.device.programming, sigma: 0 } },
      cornerMode: cfg.trainingCorners,
      ...(cfg.trainingCorners === 'die-mismatch' ? { mismatch: cfg.trainingMismatch } : {}),
      rng: rng.fork('refine-chips'),
      sweeps: cfg.refine.sweeps,
      pairMoves: cfg.refine.pairMoves,
      crossColumnMoves: cfg.refine.crossColumnMoves,
      chipCorners: cfg.refine.chipCorners.map((name) => {
        const i = bank.corners.indexOf(name);
        if (i < 0) fail(`refine.chipCorners: corner '${name}' is not in the VTC bank (corners: ${bank.corners.join(', ')})`);
        return i;
      }),
      nominalWeight: cfg.refine.nominalWeight,
      onSweep: (sweep, loss) => onProgress?.('refine', sweep + 1, cfg.refine.sweeps, loss),
    });
  }
  // After refinement only: balancing changes no nominal output but does change the refinement's
  // variation chips and so its path; applied last it is a pure gain in spread.
  if (cfg.balanceRows) balanceParallelRows(network);
  return {
    kind: 'nnsa',
    formatVersion: MODEL_FORMAT_VERSION,
    dacBits: cfg.dacBits,
    network,
    vtcBank: bankToJson(bank),
    seed: cfg.seed,
    config: cfg,
  };
}
