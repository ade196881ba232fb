/**
 * `npim eval adc <path>`: IEEE 1241-style metrics (DNL, INL, missing codes, offset and gain error,
 * SINAD, ENOB, SNR, THD, SFDR) of a converter given as a CSV of measured (input, code) pairs or as
 * a trained NNADC model directory. The measurement itself lives in `analysis/adc-metrics.ts`.
 */
import { Command, Option } from 'commander';
import { statSync, existsSync } from 'node:fs';
import { deepMerge, parseIntOption, parseNumberOption } from '../core/config.ts';
import { fail } from '../core/errors.ts';
import {
  DEFAULT_SAMPLES_PER_CODE,
  DEFAULT_SINE_AMPLITUDE_DBFS,
  DEFAULT_SINE_CYCLES,
  DEFAULT_SINE_SAMPLES,
  MAX_ADC_BITS,
  measureConverter,
  parseAdcMeasureOptions,
  type AdcMeasureOptions,
  type ConverterUnderTest,
} from '../analysis/adc-metrics.ts';
import { loadAdcModelTransfer } from '../app/adc-model-transfer.ts';
import { loadAdcCsv } from '../data/adc-csv.ts';
import { readJson } from '../io/files.ts';
import { writeAdcReport } from '../app/nnadc.ts';
import { metricsText, nnadcEvaluationText } from '../report/adc-report.ts';
import { info, startProgress } from '../io/progress.ts';
import { printResult, writingTo, type GlobalOptions } from './shared.ts';
import { ADC_CORNERS_HELP, addVerifyOptions, DEFAULT_ADC_MC_CORNERS, MISMATCH_HELP, parseAdcEvalOptions } from './adc.ts';
import { evaluateNnadc, type NnadcEvaluation } from '../circuits/nnadc/evaluate.ts';
import type { NnadcModel } from '../circuits/nnadc/config.ts';
import { bankFromJson } from '../circuits/approximator-model.ts';

interface AdcFlags {
  bits?: string;
  vmin?: string;
  vmax?: string;
  rangeConvention?: string;
  samplesPerCode?: string;
  sineSamples?: string;
  sineCycles?: string;
  amplitude?: string;
  inlFit?: string;
  config?: string;
  out?: string;
  mc?: string;
  sigma?: string;
  corners: string;
  mismatch?: string;
  evalSeed: string;
  writeVerify?: string;
  verifyAttempts?: string;
}

/** Option field → the flag that sets it, so validation errors name what the user typed. */
const FLAG_OF: Record<string, string> = {
  bits: '--bits',
  vLowVolts: '--vmin',
  vHighVolts: '--vmax',
  rangeConvention: '--range-convention',
  samplesPerCode: '--samples-per-code',
  sineSamples: '--sine-samples',
  sineCycles: '--sine-cycles',
  amplitudeDbfs: '--amplitude',
  inlFit: '--inl-fit',
};

/** Registers `eval adc` on the `eval` group. */
export function registerEvalAdc(evalGroup: Command): void {
  addVerifyOptions(
    evalGroup
      .command('adc')
      .description('measure a converter IEEE 1241-style: DNL/INL (ramp histogram), missing codes, offset/gain, SINAD/ENOB (coherent sine)')
      .argument(
        '<path>',
        "CSV of measured conversions (header 'input,code'; the sine test reads the code of the nearest sampled input) or a trained NNADC model directory",
      )
      .option('--bits <n>', `resolution N, 1..${MAX_ADC_BITS} (default 8, or the model's)`)
      .option('--vmin <volts>', "bottom of the input range (default 0 V, or the model's)")
      .option('--vmax <volts>', "top of the input range (default 0.5 V, or the model's)")
      .addOption(
        new Option(
          '--range-convention <kind>',
          "'edges': vmin/vmax bound codes 0 and 2^N−1 (LSB = range/2^N); 'centers': they are those codes' centres (LSB = range/(2^N−1), NNADC labels)",
        ).choices(['edges', 'centers']),
      )
      .option(
        '--samples-per-code <n>',
        `ramp density of the histogram test (default ${DEFAULT_SAMPLES_PER_CODE}; models only, a CSV is its own ramp)`,
      )
      .option('--sine-samples <n>', `sine record length, a power of two (default ${DEFAULT_SINE_SAMPLES})`)
      .option('--sine-cycles <n>', `sine cycles in the record, odd (default ${DEFAULT_SINE_CYCLES})`)
      .option('--amplitude <dbfs>', `sine amplitude, dBFS (default ${DEFAULT_SINE_AMPLITUDE_DBFS}); ENOB is referred to full scale`)
      .addOption(new Option('--inl-fit <kind>', 'INL reference line (default endpoint)').choices(['endpoint', 'best-fit']))
      .option('--config <file>', 'JSON file with the same options (bits, vLowVolts, vHighVolts, ...); flags override it')
      .option('--out <dir>', 'write metrics.json, transfer.svg and dnl-inl.svg here')
      .option('--mc <draws>', 'model directories: Monte Carlo draws per corner mode (mean, 5th percentile and worst ENOB)')
      .option('--sigma <sigma>', 'programming variation σ of the Monte Carlo draws (default: the model device σ)')
      .option('--corners <modes>', ADC_CORNERS_HELP, DEFAULT_ADC_MC_CORNERS)
      .option('--mismatch <file>', MISMATCH_HELP)
      .option('--eval-seed <n>', 'Monte Carlo seed', '1'),
  ).action(async (target: string, flags: AdcFlags, cmd: Command) => {
    const global = cmd.optsWithGlobals() as GlobalOptions;
    // Every option is checked before any work, whether or not this run uses it.
    const monteCarloOptionsFor = await parseAdcEvalOptions({
      mc: flags.mc ?? '1',
      sigma: flags.sigma,
      corners: flags.corners,
      mismatch: flags.mismatch,
      evalSeed: flags.evalSeed,
      writeVerify: flags.writeVerify,
      verifyAttempts: flags.verifyAttempts,
    });
    const fromFlags = {
      bits: flags.bits === undefined ? undefined : parseIntOption(flags.bits, '--bits'),
      vLowVolts: flags.vmin === undefined ? undefined : parseNumberOption(flags.vmin, '--vmin'),
      vHighVolts: flags.vmax === undefined ? undefined : parseNumberOption(flags.vmax, '--vmax'),
      rangeConvention: flags.rangeConvention,
      samplesPerCode: flags.samplesPerCode === undefined ? undefined : parseIntOption(flags.samplesPerCode, '--samples-per-code'),
      sineSamples: flags.sineSamples === undefined ? undefined : parseIntOption(flags.sineSamples, '--sine-samples'),
      sineCycles: flags.sineCycles === undefined ? undefined : parseIntOption(flags.sineCycles, '--sine-cycles'),
      amplitudeDbfs: flags.amplitude === undefined ? undefined : parseNumberOption(flags.amplitude, '--amplitude'),
      inlFit: flags.inlFit,
    };
    const fromFile = flags.config ? await readJson(flags.config, 'config file') : {};
    const label = (field: string) => (FLAG_OF[field] ? `${field} (${FLAG_OF[field]})` : field);
    const requested = deepMerge(fromFile, fromFlags) as Record<string, unknown>;

    let dut: ConverterUnderTest;
    let options: AdcMeasureOptions;
    let what: string;
    let monteCarlo: NnadcEvaluation | undefined;
    let nnadc: NnadcModel | undefined;
    if (existsSync(target) && statSync(target).isDirectory()) {
      const model = await loadAdcModelTransfer(target);
      nnadc = model.model;
      if (flags.mc !== undefined) {
        const bar = startProgress('eval adc: Monte Carlo draws', 1, { counts: false });
        const onDraw = (done: number, total: number) => bar.update(done / total);
        monteCarlo = evaluateNnadc(model.model, bankFromJson(model.model.vtcBank), monteCarloOptionsFor(model.model), onDraw).evaluation;
        bar.stop();
      }
      // The model's own scale is the default; a different resolution cannot be measured.
      options = parseAdcMeasureOptions(
        deepMerge(
          { bits: model.bits, vLowVolts: model.vLowVolts, vHighVolts: model.vHighVolts, rangeConvention: model.rangeConvention },
          requested,
        ),
        label,
      );
      if (options.bits !== model.bits) fail(`--bits ${options.bits} does not match the model's resolution (${model.bits} bits)`);
      dut = model.converter;
      what = model.description;
    } else {
      if (flags.mc !== undefined) fail('--mc needs an NNADC model directory, not a CSV of measured codes');
      if (flags.writeVerify !== undefined) fail('--write-verify needs an NNADC model directory, not a CSV of measured codes');
      options = parseAdcMeasureOptions(requested, label);
      const samples = await loadAdcCsv(target, options.bits);
      dut = { kind: 'samples', inputVolts: samples.inputVolts, codes: samples.codes };
      what = `${target} (${samples.codes.length} conversions)`;
    }
    const metrics = measureConverter(dut, options);
    for (const w of metrics.warnings) info(`warning: ${w}`);
    const result = { input: target, options, ...metrics, monteCarlo };
    if (flags.out) {
      await writingTo(flags.out, () =>
        writeAdcReport(flags.out!, result, metrics, monteCarlo && nnadc ? { model: nnadc, evaluation: monteCarlo } : undefined),
      );
      info(`wrote metrics.json, transfer.svg and dnl-inl.svg to ${flags.out}`);
    }
    printResult(
      global,
      result,
      () => metricsText(what, metrics) + (monteCarlo && nnadc ? `\n${nnadcEvaluationText(nnadc, monteCarlo)}` : ''),
    );
  });
}
