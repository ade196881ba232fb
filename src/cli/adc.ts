/** `npim train adc`: design an NNADC (flash or two-step) on passive crossbars and inverters. */
import { Command } from 'commander';
import path from 'node:path';
import { deepMerge, parseConfig, parseIntOption, parseNumberOption } from '../core/config.ts';
import { ensure } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { readJson, writeJsonAtomic } from '../io/files.ts';
import { bankFromJson } from '../circuits/approximator-model.ts';
import { readApproximatorModel, writeApproximatorModel } from '../io/approximator-model.ts';
import { NnadcTrainConfigSchema, type NnadcModel } from '../circuits/nnadc/config.ts';
import type { ColumnVerify } from '../circuits/nnadc/model.ts';
import { endToEnd, evaluateNnadc, type NnadcEvaluation } from '../circuits/nnadc/evaluate.ts';
import { learnThresholdMap, trainNnadc } from '../circuits/nnadc/train.ts';
import { NnsaModelSchema } from '../circuits/nnsa/config.ts';
import { loadVtcBank } from '../data/vtc-bank.ts';
import { dnlInlPlot, transferPlot } from '../report/adc-report.ts';
import { writePlot } from '../app/plots.ts';
import { info, startProgress } from '../report/progress.ts';
import { printResult, type GlobalOptions } from './shared.ts';
import type { ConverterMetrics } from '../circuits/adc-metrics.ts';
import type { VtcBank } from '../circuits/vtc.ts';

/** Corner modes of the Monte Carlo evaluation. */
export const ADC_CORNER_MODES = ['nominal', 'global', 'per-neuron'] as const;

/** Text summary of an NNADC evaluation. */
export function nnadcEvaluationText(model: NnadcModel, e: NnadcEvaluation): string {
  const n = e.nominal;
  const lines = [
    `${model.bits}-bit ${model.arch} NNADC, range ${model.rangeFraction} × NNS+A output: ${e.devices.rram} RRAM devices, ${e.devices.inverters} inverters`,
    `nominal: ENOB ${n.enobBits.toFixed(3)} bit, DNL ${n.dnlMinLsb.toFixed(2)}..${n.dnlMaxLsb.toFixed(2)} LSB, INL ${n.inlMinLsb.toFixed(2)}..${n.inlMaxLsb.toFixed(2)} LSB, missing codes ${n.missingCodes}`,
  ];
  for (const m of e.monteCarlo) {
    lines.push(
      `Monte Carlo σ = ${m.sigma}, corners ${m.corners} (${m.draws} draws${m.writeVerify ? `, write-verified to ±${m.writeVerify.toleranceLsb} LSB: ${m.writeVerify.meanAttempts.toFixed(1)} attempts per column, ${m.writeVerify.meanColumnsOutOfTolerance.toFixed(1)} columns out of tolerance` : ''}): ENOB mean ${m.meanEnobBits.toFixed(2)}, 5th pct ${m.p5EnobBits.toFixed(2)}, worst ${m.worstEnobBits.toFixed(2)}; DNL ${m.dnlRangeLsb[0].toFixed(2)}..${m.dnlRangeLsb[1].toFixed(2)}, INL ${m.inlRangeLsb[0].toFixed(2)}..${m.inlRangeLsb[1].toFixed(2)} LSB; draws with missing codes ${m.drawsWithMissingCodes}`,
    );
  }
  lines.push(`ENOB vs σ (nominal corner): ${e.enobVsSigma.map((s) => `σ ${s.sigma}: ${s.meanEnobBits.toFixed(2)}`).join(', ')}`);
  return lines.join('\n');
}

/** Parses `--mc`, `--sigma`, `--corners`, `--eval-seed`. */
export function parseAdcEvalOptions(
  o: { mc: string; sigma?: string; corners: string; evalSeed: string; writeVerify?: string; verifyAttempts?: string },
  model: NnadcModel,
) {
  const draws = parseIntOption(o.mc, '--mc');
  ensure(draws >= 1 && draws <= 100000, '--mc must be between 1 and 100000');
  const sigma = o.sigma === undefined ? model.device.programming.sigma : parseNumberOption(o.sigma, '--sigma');
  ensure(sigma >= 0 && sigma <= 2, `--sigma must be between 0 and 2, got ${sigma}`);
  const cornerModes = o.corners.split(',').map((c) => c.trim());
  for (const c of cornerModes)
    ensure(
      (ADC_CORNER_MODES as readonly string[]).includes(c),
      `--corners: unknown corner mode '${c}' (use ${ADC_CORNER_MODES.join(', ')})`,
    );
  return {
    draws,
    device: { ...model.device, programming: { ...model.device.programming, sigma } },
    cornerModes: cornerModes as Array<(typeof ADC_CORNER_MODES)[number]>,
    seed: parseIntOption(o.evalSeed, '--eval-seed'),
    verify: parseVerifyOptions(o),
  };
}

/** Parses `--write-verify <lsb>` and `--verify-attempts <n>` (no verify without the first). */
export function parseVerifyOptions(o: { writeVerify?: string; verifyAttempts?: string }): ColumnVerify | undefined {
  if (o.writeVerify === undefined) return undefined;
  const toleranceLsb = parseNumberOption(o.writeVerify, '--write-verify');
  ensure(toleranceLsb > 0 && toleranceLsb <= 64, `--write-verify must be a tolerance in LSB between 0 and 64, got ${toleranceLsb}`);
  const maxAttempts = parseIntOption(o.verifyAttempts ?? String(DEFAULT_VERIFY_ATTEMPTS), '--verify-attempts');
  ensure(maxAttempts >= 1 && maxAttempts <= 10000, `--verify-attempts must be between 1 and 10000, got ${maxAttempts}`);
  return { toleranceLsb, maxAttempts };
}

/** Programming attempts per comparator column when write-verifying. */
export const DEFAULT_VERIFY_ATTEMPTS = 100;

/** The write-verify options of `train adc` and `eval adc`. */
export function addVerifyOptions(cmd: Command): Command {
  return cmd
    .option(
      '--write-verify <lsb>',
      'Monte Carlo draws: re-program each comparator column until its threshold is within this many LSB of the design (off by default)',
    )
    .option('--verify-attempts <n>', `programming attempts per column with --write-verify (default ${DEFAULT_VERIFY_ATTEMPTS})`);
}

/** Writes metrics.json and the plots of an evaluated NNADC into `dir`. */
export async function writeAdcReport(dir: string, metrics: unknown, nominal: ConverterMetrics): Promise<void> {
  await writeJsonAtomic(path.join(dir, 'metrics.json'), metrics);
  await writePlot(path.join(dir, 'transfer.svg'), transferPlot(nominal));
  await writePlot(path.join(dir, 'dnl-inl.svg'), dnlInlPlot(nominal));
}

/** Adds the Monte Carlo options shared by `train adc` and `eval adc`. */
export function addAdcEvalOptions(cmd: Command): Command {
  return addVerifyOptions(
    cmd
      .option('--mc <draws>', 'Monte Carlo draws per corner mode', '100')
      .option('--sigma <sigma>', 'programming variation σ of the draws (default: the model device σ)')
      .option('--corners <modes>', `corner modes (${ADC_CORNER_MODES.join(',')})`, 'nominal,global,per-neuron')
      .option('--eval-seed <n>', 'evaluation seed', '1'),
  );
}

interface TrainAdcOptions {
  bits?: string;
  arch?: string;
  range?: string;
  onNnsa?: string;
  seed?: string;
  config?: string;
  vtc?: string;
  out: string;
  mc: string;
  sigma?: string;
  corners: string;
  evalSeed: string;
  writeVerify?: string;
  verifyAttempts?: string;
}

/** Registers `train adc`. */
export function registerTrainAdc(train: Command): void {
  addAdcEvalOptions(
    train
      .command('adc')
      .description('design an N-bit NNADC (flash or two-step) with variation-aware column search')
      .option('--bits <n>', 'resolution N (4..10)')
      .option('--arch <arch>', 'flash | two-step')
      .option('--range <fraction>', 'full-scale range as a fraction of the NNS+A output range (1, 0.5, 0.25)')
      .option('--on-nnsa <dir>', 'place thresholds from the noisy outputs of this trained NNS+A (co-training)')
      .option('--seed <n>', 'seed')
      .option('--config <file>', 'JSON configuration (flags override it)')
      .option('--vtc <csv>', 'VTC bank CSV (default: the committed ngspice bank)')
      .requiredOption('--out <dir>', 'output model directory'),
  ).action(async (opts: TrainAdcOptions, cmd: Command) => {
    const global = cmd.optsWithGlobals() as GlobalOptions;
    const fromFile = opts.config ? await readJson(opts.config, 'config file') : {};
    const flags = {
      bits: opts.bits === undefined ? undefined : parseIntOption(opts.bits, '--bits'),
      arch: opts.arch,
      rangeFraction: opts.range === undefined ? undefined : parseNumberOption(opts.range, '--range'),
      seed: opts.seed === undefined ? undefined : parseIntOption(opts.seed, '--seed'),
    };
    const cfg = parseConfig(NnadcTrainConfigSchema, deepMerge(fromFile, flags), 'NNADC training configuration');
    const bank = await loadVtcBank(opts.vtc);
    const nnsa = opts.onNnsa ? await readApproximatorModel(opts.onNnsa, 'nnsa', NnsaModelSchema) : null;
    const started = Date.now();
    const rng = new Rng(cfg.seed);
    let map: ((t: number) => number) | undefined;
    let source: NnadcModel['thresholdSource'] = { kind: 'ideal' };
    let nnsaBank: VtcBank | null = null;
    if (nnsa) {
      nnsaBank = bankFromJson(nnsa.vtcBank);
      const samples = 200_000;
      map = learnThresholdMap(nnsa, nnsaBank, nnsa.network.device, cfg.rangeFraction, samples, 1, rng.fork('cotrain'));
      source = { kind: 'nnsa', nnsaModel: path.basename(path.resolve(opts.onNnsa!)), samples };
    }
    const bar = startProgress('train adc', 1);
    const model = trainNnadc(cfg, bank, map, source, (d, t) => bar.update(d / t, `column ${d}/${t}`));
    bar.stop();
    const trainSeconds = (Date.now() - started) / 1000;
    await writeApproximatorModel(opts.out, model);
    const eo = parseAdcEvalOptions(opts, model);
    const { evaluation, nominalMetrics } = evaluateNnadc(model, bank, eo);
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
    await writeAdcReport(opts.out, metrics, nominalMetrics);
    info(`designed in ${trainSeconds.toFixed(1)} s; wrote ${opts.out}/model.json, metrics.json, transfer.svg, dnl-inl.svg`);
    printResult(global, { ...metrics, trainSeconds }, () => {
      let t = nnadcEvaluationText(model, evaluation);
      if (endToEndResult) {
        for (const which of ['nominal', 'variation'] as const) {
          const pair = endToEndResult[which] as { cotrained: ReturnType<typeof endToEnd>; idealThresholds: ReturnType<typeof endToEnd> };
          const c = pair.cotrained;
          const p = pair.idealThresholds;
          t += `\nNNS+A → NNADC end to end, ${which === 'nominal' ? 'nominal devices' : `σ = ${cfg.device.programming.sigma}, ${c.chips} chips`}: co-trained RMS ${c.rmsCodeErrorLsb.toFixed(2)} LSB (exact ${(100 * c.exactFraction).toFixed(1)} %), ideal thresholds RMS ${p.rmsCodeErrorLsb.toFixed(2)} LSB (exact ${(100 * p.exactFraction).toFixed(1)} %)`;
        }
      }
      return t;
    });
  });
}
