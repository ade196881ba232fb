/**
 * Loading a trained NNADC model directory as a converter under test for the metrics of
 * {@link ../analysis/adc-metrics.ts} (nominal devices, nominal corner). A directory without `model.json`, or
 * with a model of another kind, is a one-line error.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fail } from '../core/errors.ts';
import { readJson } from '../io/files.ts';
import { idealDevices } from '../device/rram.ts';
import type { AdcBatchTransfer, AdcTransfer, RangeConvention } from '../analysis/adc-metrics.ts';
import { bankFromJson } from '../circuits/approximator-model.ts';
import { readApproximatorModel } from '../io/approximator-model.ts';
import { NnadcModelSchema, type NnadcModel } from '../circuits/nnadc/config.ts';
import { convertAdc, instantiateAdc } from '../circuits/nnadc/model.ts';
import { OUTPUT_FULL_SCALE_VOLTS } from '../circuits/nnsa/signals.ts';

/** A trained converter ready to be measured, with the scale it was trained for. */
export interface AdcModelTransfer {
  /** One line naming the model (for reports). */
  description: string;
  /** The converter: scalar or batched transfer function returning integer codes. */
  converter: { kind: 'transfer'; transfer: AdcTransfer } | { kind: 'batch'; convert: AdcBatchTransfer };
  /** Resolution the model was trained for, bits. */
  bits: number;
  /** Trained input range, volts. */
  vLowVolts: number;
  vHighVolts: number;
  /** How the range maps to codes (NNADC labels round(v/V_max·(2^N − 1)) are `'centers'`). */
  rangeConvention: RangeConvention;
  /** The parsed model. */
  model: NnadcModel;
}

/** Loads the NNADC model in `dir` as a nominal transfer function of the differential input (volts). */
export async function loadAdcModelTransfer(dir: string): Promise<AdcModelTransfer> {
  const file = path.join(dir, 'model.json');
  if (!existsSync(file)) fail(`${dir} is not an NNADC model directory: no model.json in it`);
  const raw = await readJson(file, 'model file');
  const kind = typeof raw === 'object' && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
  if (kind !== 'nnadc') fail(`${dir} is not an NNADC model: model.json has kind '${String(kind ?? 'none')}', expected 'nnadc'`);
  const model = await readApproximatorModel(dir, 'nnadc', NnadcModelSchema);
  const bank = bankFromJson(model.vtcBank);
  const inst = instantiateAdc(model, bank, idealDevices(model.device), null, { kind: 'nominal' });
  return {
    description: `${dir} (${model.bits}-bit ${model.arch} NNADC, range ${model.rangeFraction} of the NNS+A output, nominal devices)`,
    converter: {
      kind: 'batch',
      convert: (v) =>
        convertAdc(
          inst,
          Float64Array.from(v, (x) => x / OUTPUT_FULL_SCALE_VOLTS),
        ),
    },
    bits: model.bits,
    vLowVolts: 0,
    vHighVolts: OUTPUT_FULL_SCALE_VOLTS * model.rangeFraction,
    rangeConvention: 'centers',
    model,
  };
}
