/** `npim train sa` and `npim eval sa`: the neural analog shift-and-add. */
import { Command } from 'commander';
import { parseConfig, parseIntOption, parseSeedOption, parseNumberOption, deepMerge } from '../core/config.ts';
import { ensure } from '../core/errors.ts';
import { readJson } from '../io/files.ts';
import { readApproximatorModel } from '../io/approximator-model.ts';
import { NnsaModelSchema, NnsaTrainConfigSchema, type NnsaModel } from '../circuits/nnsa/config.ts';
import { nnsaEvaluationText } from '../report/nnsa-report.ts';
import { loadInverterMismatch, loadVtcBank } from '../data/vtc-bank.ts';
import { CORNER_MODE_NAMES } from '../circuits/network.ts';
import { mismatchSpreadOf } from '../circuits/inverter-mismatch.ts';
import { clearNnsaCheckpoint, evaluateNnsaToOut, trainNnsaToDir } from '../app/nnsa.ts';
import type { EvaluateNnsaOptions } from '../circuits/nnsa/evaluate.ts';
import { info } from '../io/progress.ts';
import { printResult, startBackend, writingTo, type GlobalOptions } from './shared.ts';

interface EvalOptions {
  mc: string;
  sigma?: string;
  points: string;
  nominalPoints: string;
  corners: string;
  seed: string;
  trim?: string;
  mismatch?: string;
}

const CORNER_MODES = CORNER_MODE_NAMES;

interface TrainOptions {
  dacBits?: string;
  hidden?: string;
  biasRows?: string;
  replicaRows?: string;
  replicaFeedback?: string;
  bitRows?: string;
  trainingCorners?: string;
  stepsScale?: string;
  config?: string;
  vtc?: string;
  trainSeed?: string;
  resume?: boolean;
  out: string;
}

/** `--replica-feedback out,rail` → the divider's device counts (validated by the config schema). */
function parseReplicaFeedback(text: string): { outputDevices: number; railDevices: number } {
  const parts = text.split(',');
  ensure(parts.length === 2, `--replica-feedback must be two device counts "out,rail" (e.g. 1,2), got '${text}'`);
  const [outputDevices, railDevices] = parts.map((v) => parseIntOption(v.trim(), '--replica-feedback'));
  return { outputDevices, railDevices };
}

/**
 * Parses the evaluation options at once (so a typo fails before any training or writing), reads the
 * inverter mismatch distribution when a corner mode needs it, and returns how to apply them to a
 * model (its device σ is the default `--sigma`).
 */
async function parseEvalOptions(o: EvalOptions): Promise<(model: NnsaModel) => EvaluateNnsaOptions> {
  const draws = parseIntOption(o.mc, '--mc');
  ensure(draws >= 0 && draws <= 100000, '--mc must be between 0 and 100000');
  const points = parseIntOption(o.points, '--points');
  ensure(points >= 16 && points <= 1_000_000, '--points must be between 16 and 1000000');
  const nominalPoints = parseIntOption(o.nominalPoints, '--nominal-points');
  ensure(nominalPoints >= 16 && nominalPoints <= 1_000_000, '--nominal-points must be between 16 and 1000000');
  const sigmaFlag = o.sigma === undefined ? undefined : parseNumberOption(o.sigma, '--sigma');
  ensure(sigmaFlag === undefined || (sigmaFlag >= 0 && sigmaFlag <= 2), `--sigma must be between 0 and 2, got ${sigmaFlag}`);
  const cornerModes = o.corners.split(',').map((c) => c.trim());
  for (const c of cornerModes)
    ensure((CORNER_MODES as readonly string[]).includes(c), `--corners: unknown corner mode '${c}' (use ${CORNER_MODES.join(', ')})`);
  const seed = parseSeedOption(o.seed, '--seed');
  const trim = o.trim === undefined ? undefined : { toleranceVolts: parseTrim(o.trim) / 1000, maxAttempts: 100 };
  const mismatch = cornerModes.includes('die-mismatch') || o.mismatch ? await loadInverterMismatch(o.mismatch) : undefined;
  return (model) => {
    const sigma = sigmaFlag ?? model.network.device.programming.sigma;
    return {
      dacBits: model.dacBits,
      points,
      nominalPoints,
      draws,
      device: { ...model.network.device, programming: { ...model.network.device.programming, sigma } },
      cornerModes: cornerModes as Array<(typeof CORNER_MODES)[number]>,
      seed,
      trim,
      ...(mismatch ? { mismatch } : {}),
    };
  };
}

function parseTrim(value: string): number {
  const mV = parseNumberOption(value, '--trim');
  ensure(mV > 0 && mV <= 100, `--trim must be a tolerance in mV between 0 and 100, got ${mV}`);
  return mV;
}

/** Monte Carlo corner modes by default: TT, the physical die (corner + local mismatch), the per-neuron stress case. */
const DEFAULT_MC_CORNERS = 'nominal,die-mismatch,per-neuron';

/** The training configuration's defaults, shown in the help. */
const SA_DEFAULTS = NnsaTrainConfigSchema.parse({});

function addEvalOptions(cmd: Command): Command {
  return cmd
    .option('--mc <draws>', 'Monte Carlo draws per corner mode', '100')
    .option('--sigma <sigma>', 'programming variation σ for the draws (default: the model device σ)')
    .option('--points <n>', 'evaluation points per Monte Carlo draw', '4096')
    .option('--nominal-points <n>', 'evaluation points of the nominal circuit', '65536')
    .option(
      '--corners <modes>',
      `corner modes for Monte Carlo (${CORNER_MODES.join(',')}: die-mismatch = one corner per die + each inverter's local mismatch; per-neuron = an independent corner per inverter, a stress case)`,
      DEFAULT_MC_CORNERS,
    )
    .option(
      '--mismatch <file>',
      'inverter local-mismatch distribution for die-mismatch (default: the committed datasets/vtc/mismatch.json)',
    )
    .option('--seed <n>', 'evaluation seed', '1')
    .option(
      '--trim <mV>',
      'also run the Monte Carlo with the hidden neurons write-verify trimmed to this tolerance (as the simulator does, 0.2 mV; default: off)',
    );
}

/** Registers `train sa` and `eval sa`. */
export function registerSa(train: Command, evaluate: Command): void {
  addEvalOptions(
    train
      .command('sa')
      .description('train the neural analog shift-and-add (NNS+A) on passive crossbars and inverters')
      .option('--dac-bits <bits>', `DAC resolution D (1, 2 or 4; default ${SA_DEFAULTS.dacBits})`)
      .option('--hidden <n>', `hidden inverter neurons (default ${SA_DEFAULTS.hiddenNeurons})`)
      .option('--bias-rows <n>', `parallel bias row pairs per layer (default ${SA_DEFAULTS.biasRows})`)
      .option('--replica-rows <n>', `hidden-layer row pairs tied to the replica inverter (0 = none; default ${SA_DEFAULTS.replicaRows})`)
      .option(
        '--replica-feedback <out,rail>',
        'resistive feedback of the replica inverter: devices from its output and from each rail to its input (e.g. 1,2: gain ≈ 4; default: diode-connected)',
      )
      .option('--bit-rows <list>', 'parallel row pairs of each weight bit, bit 0 first (e.g. 1,1,1,1,1,1,2,4)')
      .option(
        '--training-corners <mode>',
        `inverter corners during training (${CORNER_MODES.join(', ')}; die-mismatch draws each inverter's local mismatch from --mismatch; default ${SA_DEFAULTS.trainingCorners})`,
      )
      .option('--steps-scale <x>', 'scale all training step counts (e.g. 0.1 for a quick run)')
      .option('--config <file>', 'JSON training configuration (flags override it)')
      .option('--vtc <csv>', 'VTC bank CSV (default: the committed ngspice bank)')
      .option('--train-seed <n>', `training seed (default ${SA_DEFAULTS.seed})`)
      .option(
        '--resume',
        'continue an interrupted run from the checkpoint it left in --out (same configuration; same model as an uninterrupted run)',
      )
      .requiredOption('--out <dir>', 'output model directory'),
  ).action(async (opts: EvalOptions & TrainOptions, cmd: Command) => {
    const global = cmd.optsWithGlobals() as GlobalOptions;
    const evalOptionsFor = await parseEvalOptions(opts);
    const fromFile = opts.config ? await readJson(opts.config, 'config file') : {};
    const flags: Record<string, unknown> = {
      dacBits: opts.dacBits === undefined ? undefined : parseIntOption(opts.dacBits, '--dac-bits'),
      hiddenNeurons: opts.hidden === undefined ? undefined : parseIntOption(opts.hidden, '--hidden'),
      biasRows: opts.biasRows === undefined ? undefined : parseIntOption(opts.biasRows, '--bias-rows'),
      replicaRows: opts.replicaRows === undefined ? undefined : parseIntOption(opts.replicaRows, '--replica-rows'),
      replicaFeedback: opts.replicaFeedback === undefined ? undefined : parseReplicaFeedback(opts.replicaFeedback),
      bitRows: opts.bitRows === undefined ? undefined : opts.bitRows.split(',').map((v) => parseIntOption(v.trim(), '--bit-rows')),
      trainingCorners: opts.trainingCorners,
      seed: opts.trainSeed === undefined ? undefined : parseSeedOption(opts.trainSeed, '--train-seed'),
    };
    let cfg = parseConfig(NnsaTrainConfigSchema, deepMerge(fromFile, flags), 'NNS+A training configuration');
    if (cfg.trainingCorners === 'die-mismatch' && !cfg.trainingMismatch)
      cfg = { ...cfg, trainingMismatch: mismatchSpreadOf(await loadInverterMismatch(opts.mismatch)) };
    if (opts.stepsScale !== undefined) {
      const x = parseNumberOption(opts.stepsScale, '--steps-scale');
      ensure(x > 0 && x <= 100, '--steps-scale must be in (0, 100]');
      cfg = { ...cfg, floatSteps: Math.round(cfg.floatSteps * x), stageSteps: Math.max(1, Math.round(cfg.stageSteps * x)) };
    }
    const bank = await loadVtcBank(opts.vtc);
    const backend = await startBackend(global);
    const { metrics, trainSeconds } = await writingTo(opts.out, () =>
      trainNnsaToDir(cfg, bank, opts.out, evalOptionsFor, { resume: opts.resume }),
    );
    // Only once the model and its metrics are in place: until then an interrupted run resumes.
    clearNnsaCheckpoint(opts.out);
    info(`trained in ${trainSeconds.toFixed(1)} s on ${backend.name}; wrote ${opts.out}/model.json, metrics.json, error-vs-output.svg`);
    printResult(global, { ...metrics, trainSeconds }, () => nnsaEvaluationText(metrics.evaluation));
  });

  addEvalOptions(
    evaluate
      .command('sa')
      .description('evaluate a trained NNS+A (nominal, Monte Carlo, multi-cycle)')
      .argument('<dir>', 'model directory')
      .option(
        '--out <dir>',
        'write metrics.json and error-vs-output.svg here (default: print only; the model directory is never rewritten)',
      ),
  ).action(async (dir: string, opts: EvalOptions & { out?: string }, cmd: Command) => {
    const global = cmd.optsWithGlobals() as GlobalOptions;
    const evalOptionsFor = await parseEvalOptions(opts);
    const model = await readApproximatorModel(dir, 'nnsa', NnsaModelSchema);
    const metrics = await writingTo(opts.out, () => evaluateNnsaToOut(model, evalOptionsFor, opts.out));
    if (opts.out) info(`wrote metrics.json and error-vs-output.svg to ${opts.out}`);
    printResult(global, metrics, () => nnsaEvaluationText(metrics.evaluation));
  });
}
