/** Small approximators for the SPICE and export tests (not a test file itself). */
import { Rng } from '../../src/core/rng.ts';
import { bankToJson } from '../../src/circuits/approximator-model.ts';
import { writeApproximatorModel } from '../../src/io/approximator-model.ts';
import { NnadcTrainConfigSchema, type NnadcModel } from '../../src/circuits/nnadc/config.ts';
import { trainNnadc } from '../../src/circuits/nnadc/train.ts';
import { NnsaModelSchema, type NnsaModel } from '../../src/circuits/nnsa/config.ts';
import type { VtcBank } from '../../src/circuits/vtc.ts';
import { loadVtcBank } from '../../src/data/vtc-bank.ts';

/** The committed ngspice VTC bank. */
export const bank: VtcBank = await loadVtcBank();

/** A freshly designed small NNADC (a 4-bit design takes well under a second), with comparator trim rows when `comparatorTrimVolts` > 0. */
export function smallAdc(arch: 'flash' | 'two-step', bits = 4, rangeFraction = 1, comparatorTrimVolts?: number): NnadcModel {
  return trainNnadc(NnadcTrainConfigSchema.parse({ bits, arch, rangeFraction, comparatorTrimVolts }), bank);
}

/**
 * An NNS+A-shaped network (9 input pairs → hidden inverters → P, N) with random level indices:
 * netlist structure, export round trips and SPICE-vs-model agreement do not depend on how good
 * the weights are, and training one takes tens of seconds.
 */
export function syntheticNnsa(replicaRows = 0, seed = 5, hidden = 5, biasRows = 3): NnsaModel {
  const rng = new Rng(seed);
  const levels = (n: number) => Array.from({ length: n }, () => rng.int(8));
  const p0 = 9 + biasRows + replicaRows;
  const p1 = hidden + biasRows;
  return NnsaModelSchema.parse({
    kind: 'nnsa',
    formatVersion: 1,
    dacBits: 4,
    seed: 1,
    vtcBank: bankToJson(bank),
    config: {},
    network: {
      inputPairs: 9,
      biasRows,
      replicaRows,
      device: {},
      layers: [
        { pairs: p0, columns: hidden, activation: 'inverter', upperLevels: levels(p0 * hidden), lowerLevels: levels(p0 * hidden) },
        { pairs: p1, columns: 2, activation: 'linear', upperLevels: levels(p1 * 2), lowerLevels: levels(p1 * 2) },
      ],
    },
  });
}

/** Writes a model directory (model.json) for the CLI tests. */
export async function writeModelDir(dir: string, model: NnadcModel | NnsaModel): Promise<string> {
  await writeApproximatorModel(dir, model);
  return dir;
}
