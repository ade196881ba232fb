/** Training every model the main job uses, from scratch, with the project's own trainers. */
import path from 'node:path';
import { parseConfig } from '../core/config.ts';
import { bankFromJson } from '../circuits/approximator-model.ts';
import { readApproximatorModel, writeApproximatorModel } from '../io/approximator-model.ts';
import { defaultComparatorTrimVolts, NnadcTrainConfigSchema } from '../circuits/nnadc/config.ts';
import { learnThresholdMap, trainNnadc } from '../circuits/nnadc/train.ts';
import { NnsaModelSchema, NnsaTrainConfigSchema } from '../circuits/nnsa/config.ts';
import { DEFAULT_NNSA_MODEL } from './load-peripherals.ts';
import { trainNnsa } from '../circuits/nnsa/train.ts';
import { Rng } from '../core/rng.ts';
import { loadInverterMismatch, loadVtcBank } from '../data/vtc-bank.ts';
import { info } from '../io/progress.ts';
import { trainDnnToDir } from './train-dnn.ts';
import { DNN_BATCH_SIZE, DNN_EPOCHS, DNN_LEARNING_RATE, DEFAULT_SEED } from '../core/defaults.ts';

/** Directories of the freshly trained models. */
export interface RetrainedModels {
  nnsa: string;
  nnadc: string[];
  dnn: string;
}

/**
 * Trains the deployed NNS+A design (the training configuration recorded in `DEFAULT_NNSA_MODEL`,
 * so the chip's one design, not the trainer's defaults), the three range-aware 8-bit NNADCs on it,
 * and LeNet-5, into `dir`.
 */
export async function retrainPipelineModels(dir: string, backend: string, dataDir?: string): Promise<RetrainedModels> {
  const bank = await loadVtcBank();
  const deployed = await readApproximatorModel(DEFAULT_NNSA_MODEL, 'nnsa', NnsaModelSchema);
  const nnsaName = path.basename(DEFAULT_NNSA_MODEL);
  info(`training the NNS+A (${nnsaName}'s design: ${deployed.config.hiddenNeurons} hidden neurons)…`);
  const nnsa = trainNnsa(parseConfig(NnsaTrainConfigSchema, deployed.config, 'NNS+A configuration'), bank);
  const nnsaDir = path.join(dir, nnsaName);
  await writeApproximatorModel(nnsaDir, nnsa);
  const nnadc: string[] = [];
  const comparatorTrimVolts = defaultComparatorTrimVolts((await loadInverterMismatch()).switchingShift.sigmaVolts);
  for (const range of [1, 0.5, 0.25]) {
    info(`designing the 8-bit NNADC for range ${range} on the NNS+A outputs…`);
    // As `npim train adc`: comparator trim rows sized from the committed local mismatch.
    const cfg = parseConfig(NnadcTrainConfigSchema, { rangeFraction: range, comparatorTrimVolts }, 'NNADC configuration');
    const map = learnThresholdMap(
      nnsa,
      bankFromJson(nnsa.vtcBank),
      nnsa.network.device,
      range,
      200_000,
      1,
      new Rng(cfg.seed).fork('cotrain'),
    );
    const model = trainNnadc(cfg, bank, map, { kind: 'nnsa', nnsaModel: nnsaName, samples: 200_000 });
    const d = path.join(dir, `nnadc-8b-r${range}`);
    await writeApproximatorModel(d, model);
    nnadc.push(d);
  }
  info('training LeNet-5…');
  const dnn = path.join(dir, 'lenet5-mnist');
  await trainDnnToDir(
    {
      arch: 'lenet5',
      epochs: DNN_EPOCHS.lenet5,
      batchSize: DNN_BATCH_SIZE,
      learningRate: DNN_LEARNING_RATE,
      seed: DEFAULT_SEED,
      dataDir,
      download: true,
      downloadTraining: false,
      out: dnn,
    },
    backend,
  );
  return { nnsa: nnsaDir, nnadc, dnn };
}
