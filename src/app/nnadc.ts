/** NNADC workflows that write a model directory: design (`npim train adc`) and the evaluation report files. */
import path from 'node:path';
import { Rng } from '../core/rng.ts';
import { writeJsonAtomic } from '../io/files.ts';
import { bankFromJson } from '../circuits/approximator-model.ts';
import { readApproximatorModel, writeApproximatorModel } from '../io/approximator-model.ts';
import type { NnadcModel, NnadcTrainConfig } from '../circuits/nnadc/config.ts';
import { endToEnd, evaluateNnadc, type NnadcEvaluation } from '../circuits/nnadc/evaluate.ts';
import { learnThresholdMap, trainNnadc } from '../circuits/nnadc/train.ts';
import { NnsaModelSchema } from '../circuits/nnsa/config.ts';
import type { ConverterMetrics } from '../analysis/adc-metrics.ts';
import type { VtcBank } from '../circuits/vtc.ts';
import { loadVtcBank } from '../data/vtc-bank.ts';
import { dnlInlPlot, nnadcMonteCarloPlot, transferPlot } from '../report/adc-report.ts';
import { info, startProgress } from '../io/progress.ts';
import { writePlot } from './plots.ts';

/**
 * Writes metrics.json and the plots of an evaluated NNADC into `dir`: the nominal transfer and
 * linearity, and with a Monte Carlo evaluation its spread (monte-carlo.svg).
 */
export async function writeAdcReport(
  dir: string,
  metrics: unknown,
  nominal: ConverterMetrics,
  monteCarlo?: { model: NnadcModel; evaluation: NnadcEvaluation },
): Promise<void> {
  await writeJsonAtomic(path.join(dir, 'metrics.json'), metrics);
  await writePlot(path.join(dir, 'transfer.svg'), transferPlot(nominal));
  await writePlot(path.join(dir, 'dnl-inl.svg'), dnlInlPlot(nominal));
  if (monteCarlo && monteCarlo.evaluation.monteCarlo.length > 0) {
    await writePlot(path.join(dir, 'monte-carlo.svg'), nnadcMonteCarloPlot(monteCarlo.model, monteCarlo.evaluation));
  }
}

/** Options of the Monte Carlo evaluation of an NNADC. */
export type NnadcEvalOptions = Parameters<typeof evaluateNnadc>[2];

/** What {@link trainNnadcToDir} designs and where. */
export interface TrainNnadcJob {
  /** Validated training configuration. */
  config: NnadcTrainConfig;
  /** VTC bank CSV (default: the committed ngspice bank). */
  vtc?: string;
  /** Trained NNS+A model directory whose noisy outputs place the thresholds (co-training). */
  onNnsa?: string;
  /** Output model directory. */
  out: string;
  /** Evaluation options for the designed model (they may depend on it, e.g. its device σ). */
  evalOptionsFor: (model: NnadcModel) => NnadcEvalOptions;
}

/** What {@link trainNnadcToDir} produced (model.json, metrics.json and the plots are written). */
export interface TrainNnadcResult {
  model: NnadcModel;
  evaluation: NnadcEvaluation;
  /** The content of metrics.json. */
  metrics: Record<string, unknown>;
  /** End-to-end figures of NNS+A → NNADC, when designed on an NNS+A. */
  endToEndResult: Record<string, unknown> | undefined;
  trainSeconds: number;
}

/** Designs an NNADC, evaluates it, and writes model.json, metrics.json, transfer.svg and dnl-inl.svg to `job.out`. */
export async function trainNnadcToDir(job: TrainNnadcJob): Promise<TrainNnadcResult> {
  const cfg = job.config;
  const bank = await loadVtcBank(job.vtc);
  const nnsa = job.onNnsa ? await readApproximatorModel(job.onNnsa, 'nnsa', NnsaModelSchema) : null;
  const started = Date.now();
  const rng = new Rng(cfg.seed);
  let map: ((t: number) => number) | undefined;
  let source: NnadcModel['thresholdSource'] = { kind: 'ideal' };
  let nnsaBank: VtcBank | null = null;
  if (nnsa) {
    nnsaBank = bankFromJson(nnsa.vtcBank);
    const samples = 200_000;
    map = learnThresholdMap(nnsa, nnsaBank, nnsa.network.device, cfg.rangeFraction, samples, 1, rng.fork('cotrain'));
    source = { kind: 'nnsa', nnsaModel: path.basename(path.resolve(job.onNnsa!)), samples };
  }
  const bar = startProgress('train adc: comparator columns', 1, { counts: false });
  const model = trainNnadc(cfg, bank, map, source, (d, t) => bar.update(d / t, `column ${d}/${t}`));
  bar.stop();
  const trainSeconds = (Date.now() - started) / 1000;
  await writeApproximatorModel(job.out, model);
  const eo = job.evalOptionsFor(model);
  const mcBar = startProgress('train adc: Monte Carlo draws', 1, { counts: false });
  const { evaluation, nominalMetrics } = evaluateNnadc(model, bank, eo, (done, total) => mcBar.update(done / total));
  mcBar.stop();
  let endToEndResult: Record<string, unknown> | undefined;
  if (nnsa && nnsaBank) {
    const plain = trainNnadc(cfg, bank);
    const nn = { network: nnsa.network, dacBits: nnsa.dacBits, bank: nnsaBank };
    const e2e = (m: NnadcModel, chips: number) => endToEnd(m, bank, nn, cfg.device, chips, 4096, rng.fork('e2e'));
    endToEndResult = {
      nnsaModel: source.nnsaModel,
      nominal: { cotrained: e2e(model, 1), idealThresholds: e2e(plain, 1) },
      variation: { sigma: cfg.device.programming.sigma, cotrained: e2e(model, 16), idealThresholds: e2e(plain, 16) },
    };
  }
  const metrics = {
    kind: 'nnadc',
    bits: model.bits,
    arch: model.arch,
    rangeFraction: model.rangeFraction,
    trainingSeed: cfg.seed,
    thresholdSource: source,
    evaluation: { seed: eo.seed, ...evaluation },
    endToEnd: endToEndResult,
  };
  await writeAdcReport(job.out, metrics, nominalMetrics, { model, evaluation });
  info(`designed in ${trainSeconds.toFixed(1)} s; wrote ${job.out}/model.json, metrics.json, transfer.svg, dnl-inl.svg`);
  return { model, evaluation, metrics, endToEndResult, trainSeconds };
}
