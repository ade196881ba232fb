/** Loading the Neural-PIM peripheral models (NNS+A, NNADCs) a simulation uses. */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fail } from '../core/errors.ts';
import { MODELS_DIR } from '../core/paths.ts';
import { readApproximatorModel } from '../io/approximator-model.ts';
import { NnadcModelSchema } from '../circuits/nnadc/config.ts';
import { NnsaModelSchema } from '../circuits/nnsa/config.ts';
import type { SimulationConfig } from '../chip/simulation-config.ts';
import type { NeuralPimPeripherals } from '../dataflows/neural-pim-circuits.ts';
import { loadInverterMismatch } from '../data/vtc-bank.ts';
import { mismatchSpreadOf } from '../circuits/inverter-mismatch.ts';

/**
 * The NNS+A design the chip deploys (D = 4, the reference design's 12 hidden neurons): the one the
 * simulator programs, the shipped NNADCs were trained on, the cost model charges and `npim run
 * --retrain` retrains from its recorded configuration (MODELS.md, "The deployed design").
 */
export const DEFAULT_NNSA_MODEL = path.join(MODELS_DIR, 'nnsa-d4');
/** Shipped 8-bit NNADC models, one per full-scale range. */
export const DEFAULT_NNADC_MODELS = ['nnadc-8b-r1', 'nnadc-8b-r0.5', 'nnadc-8b-r0.25'].map((d) => path.join(MODELS_DIR, d));

/** Loads the peripherals a Neural-PIM simulation needs (none for ideal accumulation and conversion). */
export async function loadPeripherals(cfg: SimulationConfig): Promise<NeuralPimPeripherals> {
  const nnsaDir = cfg.nnsaModel ?? DEFAULT_NNSA_MODEL;
  const adcDirs = cfg.nnadcModels ?? DEFAULT_NNADC_MODELS;
  const nnsa = cfg.neuralPimAccumulator === 'nnsa' ? await readApproximatorModel(nnsaDir, 'nnsa', NnsaModelSchema) : null;
  if (nnsa && nnsa.dacBits !== (cfg.dacBits ?? 4))
    fail(`NNS+A model ${nnsaDir} was trained for a ${nnsa.dacBits}-bit DAC, the simulation uses ${cfg.dacBits ?? 4}`);
  const adcs = [];
  if (cfg.neuralPimAdc === 'nnadc') {
    for (const d of adcDirs) {
      if (!existsSync(d)) fail(`NNADC model directory not found: ${d}`);
      adcs.push(await readApproximatorModel(d, 'nnadc', NnadcModelSchema));
    }
    if (adcs.length === 0) fail('no NNADC models given');
    const ranges = adcs.map((a) => a.rangeFraction);
    if (new Set(ranges).size !== ranges.length) fail(`two NNADC models share a range (${ranges.join(', ')})`);
  }
  adcs.sort((a, b) => a.rangeFraction - b.rangeFraction);
  // The committed local-mismatch distribution of the inverter (die-mismatch corners).
  const mismatch = nnsa || adcs.length > 0 ? await loadInverterMismatch() : undefined;
  return {
    ...(mismatch ? { mismatch: mismatchSpreadOf(mismatch) } : {}),
    nnsa,
    adcs,
    accumulator: cfg.neuralPimAccumulator,
    converter: cfg.neuralPimAdc,
    idealBits: cfg.neuralPimAdcBits,
    ranges: adcs.length ? adcs.map((a) => a.rangeFraction) : [0.25, 0.5, 1],
  };
}
