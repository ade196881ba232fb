/**
 * Hardware-aware training of the NNS+A (DESIGN.md §2.4): a 9 → H → 2 passive network (8 bit-line
 * pairs and the held previous output in; H inverter neurons; the differential output pair P, N
 * out), trained in the conductance domain.
 *
 * Procedure: (1) float-conductance training from a centered initialization; (2) incremental
 * quantization — each stage rescales nothing, freezes a further fraction of the devices onto their
 * nearest level (closest first) and trains the rest to compensate, with programming variation and
 * the chosen corner mode switched on; (3) all devices on levels, then discrete coordinate-descent
 * refinement over level indices against a nominal chip plus variation chips. The loss is the mean
 * squared error of the differential output plus 0.1 × that of the common mode, volts².
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/rng.ts';
import { gMinSiemens } from '../../device/rram.ts';
import { bankToJson, MODEL_FORMAT_VERSION } from '../approximator-model.ts';
import { type CornerMode, type PassiveNetwork } from '../network.ts';
import { refineNetwork } from '../refine.ts';
import { centeredLayerInit, trainPassiveNetwork, type TrainPhase } from '../train-network.ts';
import { vtcFigures, type VtcBank } from '../vtc.ts';
import type { NnsaModel, NnsaTrainConfig } from './config.ts';
import { sampleNnsaBatch } from './dataset.ts';
import { NNSA_INPUT_PAIRS, OUTPUT_COMMON_MODE_VOLTS } from './signals.ts';

/** Relative weight of the common-mode error in the loss. */
const COMMON_MODE_WEIGHT = 0.1;

/** Progress callback: stage name, step within the whole run, total steps, current loss. */
export type TrainProgress = (stage: string, step: number, total: number, loss: number) => void;

/** Differential + common-mode MSE of output pairs [B, 2] against target pairs [B, 2] (tfjs). */
function pairLossTf(out: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const d = out.sub(target);
    const p = d.slice([0, 0], [-1, 1]);
    const n = d.slice([0, 1], [-1, 1]);
    return p.sub(n).square().mean().add(p.add(n).square().mean().mul(COMMON_MODE_WEIGHT)) as tf.Scalar;
  });
}

/** The same loss on float64 output pairs, for refinement. */
export function pairLoss(out: Float64Array, target: ArrayLike<number>): number {
  let s = 0;
  const B = out.length / 2;
  for (let b = 0; b < B; b++) {
    const dp = out[2 * b] - target[2 * b];
    const dn = out[2 * b + 1] - target[2 * b + 1];
    s += (dp - dn) ** 2 + COMMON_MODE_WEIGHT * (dp + dn) ** 2;
  }
  return s / B;
}

/** Corner mode for instantiation from the config's name. */
export function cornerModeFor(name: NnsaTrainConfig['trainingCorners'], rng: Rng, bank: VtcBank): CornerMode {
  if (name === 'nominal') return { kind: 'nominal' };
  if (name === 'per-neuron') return { kind: 'per-neuron' };
  return { kind: 'global', corner: rng.int(bank.corners.length) };
}

/** Trains an NNS+A; returns the model (without metrics). */
export function trainNnsa(cfg: NnsaTrainConfig, bank: VtcBank, onProgress?: TrainProgress): NnsaModel {
  const rng = new Rng(cfg.seed);
  const gMinRel = gMinSiemens(cfg.device) / cfg.device.gMaxSiemens;
  const nominalVm = vtcFigures(bank, bank.nominalIndex).switchingVolts;
  const shape = {
    inputPairs: NNSA_INPUT_PAIRS,
    biasRows: cfg.biasRows,
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
    globalCorners: cfg.trainingCorners === 'global',
    sampleBatch: (r, b) => sampleNnsaBatch(r, b, cfg.dacBits, cfg.sampleHoldNoiseVolts),
    loss: pairLossTf,
    initLayer: (layer, pairs, columns, r) =>
      centeredLayerInit({
        pairs,
        columns,
        biasRows: cfg.biasRows,
        meanInputVolts: layer === 0 ? OUTPUT_COMMON_MODE_VOLTS * 0.67 : cfg.vddVolts / 2,
        centerVolts: layer === 0 ? nominalVm : OUTPUT_COMMON_MODE_VOLTS,
        vddVolts: cfg.vddVolts,
        gMinRelative: gMinRel,
        signalMax: 0.5,
        rng: r,
      }),
    progressEvery: 50,
    onProgress: (step, loss) => onProgress?.('train', step, total, loss),
  });
  const network: PassiveNetwork = result.network;
  if (cfg.refine.sweeps > 0) {
    const data = sampleNnsaBatch(rng.fork('refine-data'), cfg.refine.batch, cfg.dacBits, 0);
    refineNetwork(network, bank, {
      upper: data.upper,
      lower: data.lower,
      batch: cfg.refine.batch,
      loss: (out) => pairLoss(out, data.target),
      chips: cfg.refine.chips,
      device: cfg.variationAware ? cfg.device : { ...cfg.device, programming: { ...cfg.device.programming, sigma: 0 } },
      cornerMode: cfg.trainingCorners,
      rng: rng.fork('refine-chips'),
      sweeps: cfg.refine.sweeps,
      pairMoves: true,
      onSweep: (sweep, loss) => onProgress?.('refine', sweep + 1, cfg.refine.sweeps, loss),
    });
  }
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
