/** NNS+A workflows that write a model directory: training (`npim train sa`) and evaluation (`npim eval sa`). */
import path from 'node:path';
import { writeJsonAtomic } from '../io/files.ts';
import { writeApproximatorModel } from '../io/approximator-model.ts';
import { bankFromJson } from '../circuits/approximator-model.ts';
import type { NnsaModel, NnsaTrainConfig } from '../circuits/nnsa/config.ts';
import { evaluateNnsa, type EvaluateNnsaOptions, type NnsaEvaluation } from '../circuits/nnsa/evaluate.ts';
import { trainNnsa } from '../circuits/nnsa/train.ts';
import { networkDeviceCount } from '../circuits/network.ts';
import type { VtcBank } from '../circuits/vtc.ts';
import { nnsaErrorPlot } from '../report/nnsa-report.ts';
import { startProgress, type Progress } from '../io/progress.ts';
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
export async function evaluateNnsaModel(
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
  return metrics;
}

/** Trains an NNS+A, writes model.json into `out`, then evaluates it there ({@link evaluateNnsaModel}). */
export async function trainNnsaToDir(
  cfg: NnsaTrainConfig,
  bank: VtcBank,
  out: string,
  evalOptionsFor: (model: NnsaModel) => EvaluateNnsaOptions,
): Promise<{ metrics: NnsaMetrics; trainSeconds: number }> {
  const started = Date.now();
  // One bar per stage (gradient training, then refinement sweeps), each with its own count and ETA.
  let bar: Progress | null = null;
  let barStage = '';
  const model = trainNnsa(cfg, bank, (stage, step, total, loss) => {
    if (stage !== barStage) {
      bar?.stop();
      bar = startProgress(`train sa: ${stage === 'train' ? 'training steps' : 'refinement sweeps'}`, Math.max(1, total));
      barStage = stage;
    }
    bar!.update(step, `loss ${loss.toExponential(2)}`);
  });
  (bar as Progress | null)?.stop();
  const trainSeconds = (Date.now() - started) / 1000;
  await writeApproximatorModel(out, model);
  const metrics = await evaluateNnsaModel(model, evalOptionsFor, out);
  return { metrics, trainSeconds };
}
