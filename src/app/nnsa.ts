/** NNS+A workflows that write a model directory: training (`npim train sa`) and evaluation (`npim eval sa`). */
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fail } from '../core/errors.ts';
import { readJson, writeJsonAtomic } from '../io/files.ts';
import { writeCheckpointFile } from '../io/result-dir.ts';
import type { TrainCheckpoint } from '../circuits/train-network.ts';
import { writeApproximatorModel } from '../io/approximator-model.ts';
import { bankFromJson, bankToJson } from '../circuits/approximator-model.ts';
import type { NnsaModel, NnsaTrainConfig } from '../circuits/nnsa/config.ts';
import { evaluateNnsa, type EvaluateNnsaOptions, type NnsaEvaluation } from '../circuits/nnsa/evaluate.ts';
import { trainNnsa } from '../circuits/nnsa/train.ts';
import { networkDeviceCount } from '../circuits/network.ts';
import type { VtcBank } from '../circuits/vtc.ts';
import { nnsaErrorPlot, nnsaMonteCarloPlot } from '../report/nnsa-report.ts';
import { info, startProgress, type Progress } from '../io/progress.ts';
import { writePlot } from './plots.ts';

/** Metrics file content: the evaluation plus what produced it (deterministic for a seed). */
export function nnsaMetricsJson(model: NnsaModel, evaluation: NnsaEvaluation, evalOptions: EvaluateNnsaOptions) {
  const devices = networkDeviceCount(model.network);
  return {
    kind: 'nnsa',
    dacBits: model.dacBits,
    hiddenNeurons: model.config.hiddenNeurons,
    biasRows: model.network.biasRows,
    ...(model.network.replicaFeedback ? { replicaFeedback: model.network.replicaFeedback } : {}),
    bitRows: model.network.inputRows ? model.config.bitRows : [1, 1, 1, 1, 1, 1, 1, 1],
    devices: { rram: devices.rram, inverters: devices.inverters },
    levelBits: model.network.device.levelBits,
    trainingSeed: model.seed,
    evaluation: { seed: evalOptions.seed, draws: evalOptions.draws, sigma: evalOptions.device.programming.sigma, ...evaluation },
  };
}

/** The content of an NNS+A `metrics.json`. */
export type NnsaMetrics = ReturnType<typeof nnsaMetricsJson>;

/**
 * Evaluates `model`; with `out`, writes metrics.json and error-vs-output.svg there. The evaluation
 * options may depend on the model (its device σ is the default variation).
 */
export async function evaluateNnsaToOut(
  model: NnsaModel,
  evalOptionsFor: (model: NnsaModel) => EvaluateNnsaOptions,
  out?: string,
): Promise<NnsaMetrics> {
  const bank = bankFromJson(model.vtcBank);
  const eo = evalOptionsFor(model);
  const bar = startProgress('eval sa: Monte Carlo draws', Math.max(1, eo.cornerModes.length * eo.draws * (eo.trim ? 2 : 1)));
  const evaluation = evaluateNnsa(model.network, bank, eo, (done) => bar.update(done));
  bar.stop();
  const metrics = nnsaMetricsJson(model, evaluation, eo);
  if (out === undefined) return metrics;
  await writeJsonAtomic(path.join(out, 'metrics.json'), metrics);
  await writePlot(
    path.join(out, 'error-vs-output.svg'),
    nnsaErrorPlot(evaluation, `NNS+A (D = ${model.dacBits}) error at nominal devices`),
  );
  if (evaluation.monteCarlo.length > 0) {
    await writePlot(
      path.join(out, 'monte-carlo.svg'),
      nnsaMonteCarloPlot(
        evaluation,
        `NNS+A (D = ${model.dacBits}): max |error| over Monte Carlo draws, σ = ${eo.device.programming.sigma}`,
      ),
    );
  }
  return metrics;
}

/** The training checkpoint in a `train sa` output directory (hidden; removed when the run completes). */
export const NNSA_CHECKPOINT_FILE = '.npim-checkpoint-train-sa.json';

/** What identifies a training run: its configuration and VTC bank (a checkpoint of another run is refused). */
function trainingIdentity(cfg: NnsaTrainConfig, bank: VtcBank): string {
  return createHash('sha256')
    .update(JSON.stringify({ cfg, bank: bankToJson(bank) }))
    .digest('hex');
}

/**
 * Trains an NNS+A, writes model.json into `out`, then evaluates it there ({@link evaluateNnsaToOut}).
 * After every training phase the state is checkpointed in `out` ({@link NNSA_CHECKPOINT_FILE});
 * with `resume`, training continues from that checkpoint and reaches the model of an uninterrupted
 * run with the same configuration and seed.
 */
export async function trainNnsaToDir(
  cfg: NnsaTrainConfig,
  bank: VtcBank,
  out: string,
  evalOptionsFor: (model: NnsaModel) => EvaluateNnsaOptions,
  o: { resume?: boolean } = {},
): Promise<{ metrics: NnsaMetrics; trainSeconds: number }> {
  const started = Date.now();
  const file = path.join(out, NNSA_CHECKPOINT_FILE);
  const identity = trainingIdentity(cfg, bank);
  let resume: TrainCheckpoint | undefined;
  if (o.resume) {
    if (!existsSync(file)) info(`--resume: no checkpoint in ${out}; training from the start`);
    else {
      const saved = (await readJson(file, 'training checkpoint')) as { identity?: string; checkpoint?: TrainCheckpoint };
      if (saved.identity !== identity || !saved.checkpoint)
        fail(`--resume: the checkpoint in ${out} is of another training configuration or VTC bank; run without --resume to start over`);
      resume = saved.checkpoint;
      info(`resuming after training phase ${resume.phasesDone} (step ${resume.globalStep})`);
    }
  }
  const checkpoint = { resume, save: (c: TrainCheckpoint) => writeCheckpointFile(file, JSON.stringify({ identity, checkpoint: c })) };
  // One bar per stage (gradient training, then refinement sweeps), each with its own count and ETA.
  let bar: Progress | null = null;
  let barStage = '';
  const model = trainNnsa(
    cfg,
    bank,
    (stage, step, total, loss) => {
      if (stage !== barStage) {
        bar?.stop();
        bar = startProgress(`train sa: ${stage === 'train' ? 'training steps' : 'refinement sweeps'}`, Math.max(1, total));
        barStage = stage;
      }
      bar!.update(step, `loss ${loss.toExponential(2)}`);
    },
    checkpoint,
  );
  (bar as Progress | null)?.stop();
  const trainSeconds = (Date.now() - started) / 1000;
  await writeApproximatorModel(out, model);
  const metrics = await evaluateNnsaToOut(model, evalOptionsFor, out);
  return { metrics, trainSeconds };
}

/** Removes the training checkpoint of a completed `train sa` run from `out`. */
export function clearNnsaCheckpoint(out: string): void {
  rmSync(path.join(out, NNSA_CHECKPOINT_FILE), { force: true });
}
