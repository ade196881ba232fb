/** `npim train adc`: design an NNADC (flash or two-step) on passive crossbars and inverters. */
import { Command } from 'commander';
import { deepMerge, isPlainObject, parseConfig, parseIntOption, parseSeedOption, parseNumberOption } from '../core/config.ts';
import { ensure } from '../core/errors.ts';
import { readJson } from '../io/files.ts';
import { COMPARATOR_TRIM_SIGMAS, defaultComparatorTrimVolts, NnadcTrainConfigSchema, type NnadcModel } from '../circuits/nnadc/config.ts';
import type { ColumnVerify } from '../circuits/nnadc/model.ts';
import { trainNnadcToDir, type NnadcEvalOptions } from '../app/nnadc.ts';
import { nnadcTrainingText } from '../report/adc-report.ts';
import { printResult, writingTo, type GlobalOptions } from './shared.ts';
import { CORNER_MODE_NAMES } from '../circuits/network.ts';
import { loadInverterMismatch } from '../data/vtc-bank.ts';

/** Corner modes of the Monte Carlo evaluation. */
export const ADC_CORNER_MODES = CORNER_MODE_NAMES;

/** Monte Carlo corner modes by default: TT, the physical die (corner + local mismatch), the per-neuron stress case. */
export const DEFAULT_ADC_MC_CORNERS = 'nominal,die-mismatch,per-neuron';

/** Help text of `--mismatch`. */
export const MISMATCH_HELP = 'inverter local-mismatch distribution for die-mismatch (default: the committed datasets/vtc/mismatch.json)';

/** Help text of `--corners`. */
export const ADC_CORNERS_HELP = `Monte Carlo corner modes (${ADC_CORNER_MODES.join(',')}: die-mismatch = one corner per die + each comparator's local mismatch; per-neuron = an independent corner per comparator, a stress case)`;

/** The Monte Carlo flags of `train adc` and `eval adc`, as command-line strings. */
export interface AdcEvalFlags {
  mc: string;
  sigma?: string;
  corners: string;
  evalSeed: string;
  writeVerify?: string;
  verifyAttempts?: string;
  mismatch?: string;
}

/**
 * Parses `--mc`, `--sigma`, `--corners`, `--eval-seed` and the write-verify options at once (so a
 * typo fails before any design or writing), reads the inverter mismatch distribution when a corner
 * mode needs it (`--mismatch`, default the committed one), and returns how to apply them to a model
 * (its device σ is the default `--sigma`).
 */
export async function parseAdcEvalOptions(o: AdcEvalFlags): Promise<(model: NnadcModel) => NnadcEvalOptions> {
  const draws = parseIntOption(o.mc, '--mc');
  ensure(draws >= 1 && draws <= 100000, '--mc must be between 1 and 100000');
  const sigmaFlag = o.sigma === undefined ? undefined : parseNumberOption(o.sigma, '--sigma');
  ensure(sigmaFlag === undefined || (sigmaFlag >= 0 && sigmaFlag <= 2), `--sigma must be between 0 and 2, got ${sigmaFlag}`);
  const cornerModes = o.corners.split(',').map((c) => c.trim());
  for (const c of cornerModes)
    ensure(
      (ADC_CORNER_MODES as readonly string[]).includes(c),
      `--corners: unknown corner mode '${c}' (use ${ADC_CORNER_MODES.join(', ')})`,
    );
  const seed = parseSeedOption(o.evalSeed, '--eval-seed');
  const verify = parseVerifyOptions(o);
  const mismatch = cornerModes.includes('die-mismatch') || o.mismatch ? await loadInverterMismatch(o.mismatch) : undefined;
  return (model) => {
    const sigma = sigmaFlag ?? model.device.programming.sigma;
    return {
      draws,
      device: { ...model.device, programming: { ...model.device.programming, sigma } },
      cornerModes: cornerModes as Array<(typeof ADC_CORNER_MODES)[number]>,
      seed,
      verify,
      ...(mismatch ? { mismatch } : {}),
    };
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

/** Adds the Monte Carlo options shared by `train adc` and `eval adc`. */
export function addAdcEvalOptions(cmd: Command): Command {
  return addVerifyOptions(
    cmd
      .option('--mc <draws>', 'Monte Carlo draws per corner mode', '100')
      .option('--sigma <sigma>', 'programming variation σ of the draws (default: the model device σ)')
      .option('--corners <modes>', ADC_CORNERS_HELP, DEFAULT_ADC_MC_CORNERS)
      .option('--mismatch <file>', MISMATCH_HELP)
      .option('--eval-seed <n>', 'evaluation seed', '1'),
  );
}

interface TrainAdcOptions extends AdcEvalFlags {
  bits?: string;
  arch?: string;
  range?: string;
  onNnsa?: string;
  seed?: string;
  config?: string;
  vtc?: string;
  comparatorTrim?: string;
  out: string;
}

/** Parses `--comparator-trim <mV>` to volts. */
function parseComparatorTrim(text: string): number {
  const mv = parseNumberOption(text, '--comparator-trim');
  ensure(mv >= 0 && mv <= 300, `--comparator-trim must be between 0 and 300 mV, got ${mv}`);
  return mv / 1000;
}

/** The training configuration's defaults, shown in the help. */
const ADC_DEFAULTS = NnadcTrainConfigSchema.parse({});

/** Registers `train adc`. */
export function registerTrainAdc(train: Command): void {
  addAdcEvalOptions(
    train
      .command('adc')
      .description('design an N-bit NNADC (flash or two-step) with variation-aware column search')
      .option('--bits <n>', `resolution N (4..10; default ${ADC_DEFAULTS.bits})`)
      .option('--arch <arch>', `flash | two-step (default ${ADC_DEFAULTS.arch})`)
      .option(
        '--range <fraction>',
        `full-scale range as a fraction of the NNS+A output range (1, 0.5, 0.25; default ${ADC_DEFAULTS.rangeFraction})`,
      )
      .option(
        '--on-nnsa <dir>',
        'place thresholds from the noisy outputs of this trained NNS+A (co-training; default: the ideal code boundaries)',
      )
      .option('--seed <n>', `seed (default ${ADC_DEFAULTS.seed})`)
      .option('--config <file>', 'JSON configuration (flags override it)')
      .option('--vtc <csv>', 'VTC bank CSV (default: the committed ngspice bank)')
      .option(
        '--comparator-trim <mV>',
        `give every comparator trim row pairs that correct a switching-voltage shift of this many mV either way (default ${COMPARATOR_TRIM_SIGMAS}σ of the local mismatch of --mismatch: 49 mV for the committed one; 0: none)`,
      )
      .requiredOption('--out <dir>', 'output model directory'),
  ).action(async (opts: TrainAdcOptions, cmd: Command) => {
    const global = cmd.optsWithGlobals() as GlobalOptions;
    const evalOptionsFor = await parseAdcEvalOptions(opts);
    const fromFile = opts.config ? await readJson(opts.config, 'config file') : {};
    const flags = {
      bits: opts.bits === undefined ? undefined : parseIntOption(opts.bits, '--bits'),
      arch: opts.arch,
      rangeFraction: opts.range === undefined ? undefined : parseNumberOption(opts.range, '--range'),
      seed: opts.seed === undefined ? undefined : parseSeedOption(opts.seed, '--seed'),
      comparatorTrimVolts: opts.comparatorTrim === undefined ? undefined : parseComparatorTrim(opts.comparatorTrim),
    };
    const merged = deepMerge(fromFile, flags);
    // Trim rows sized from the comparators' characterized local mismatch unless set (a malformed
    // configuration is left to the schema's message).
    if (isPlainObject(merged) && merged.comparatorTrimVolts === undefined)
      merged.comparatorTrimVolts = defaultComparatorTrimVolts((await loadInverterMismatch(opts.mismatch)).switchingShift.sigmaVolts);
    const cfg = parseConfig(NnadcTrainConfigSchema, merged, 'NNADC training configuration');
    const { model, evaluation, metrics, endToEndResult, trainSeconds } = await writingTo(opts.out, () =>
      trainNnadcToDir({
        config: cfg,
        vtc: opts.vtc,
        onNnsa: opts.onNnsa,
        out: opts.out,
        evalOptionsFor,
      }),
    );
    printResult(global, { ...metrics, trainSeconds }, () =>
      nnadcTrainingText(model, evaluation, endToEndResult, cfg.device.programming.sigma),
    );
  });
}
