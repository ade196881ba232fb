/** Circuit benchmarks: NNS+A training and Monte Carlo evaluation, NNADC design and evaluation. */
import { parseConfig } from '../src/core/config.ts';
import { Rng } from '../src/core/rng.ts';
import { loadVtcBank } from '../src/data/vtc-bank.ts';
import path from 'node:path';
import { NnsaModelSchema, NnsaTrainConfigSchema } from '../src/circuits/nnsa/config.ts';
import { readApproximatorModel } from '../src/io/approximator-model.ts';
import { DEFAULT_NNSA_MODEL } from '../src/app/load-peripherals.ts';
import { trainNnsa } from '../src/circuits/nnsa/train.ts';
import { evaluateNnsa } from '../src/circuits/nnsa/evaluate.ts';
import { NnadcTrainConfigSchema } from '../src/circuits/nnadc/config.ts';
import { trainNnadc } from '../src/circuits/nnadc/train.ts';
import { monteCarloAdc } from '../src/circuits/nnadc/evaluate.ts';
import type { BenchFigure, BenchSection } from './types.ts';

const seconds = (t0: number): number => (performance.now() - t0) / 1000;

/** Target of the deployed NNS+A's training time (issue 18), s. */
export const NNSA_TRAINING_TARGET_SECONDS = 180;

/**
 * `nnsa`: training the deployed NNS+A design from scratch (`train sa` without its Monte Carlo): the
 * training configuration recorded in the model the simulator and the cost model use
 * (`DEFAULT_NNSA_MODEL`, or the model directory in `NPIM_BENCH_NNSA`), and Monte Carlo draws per second.
 */
export const nnsaBench: BenchSection = {
  name: 'nnsa',
  run: async (): Promise<BenchFigure[]> => {
    const bank = await loadVtcBank();
    const dir = process.env.NPIM_BENCH_NNSA || DEFAULT_NNSA_MODEL;
    const deployed = await readApproximatorModel(dir, 'nnsa', NnsaModelSchema);
    const cfg = parseConfig(NnsaTrainConfigSchema, deployed.config, `training configuration of ${dir}`);
    let t0 = performance.now();
    const model = trainNnsa(cfg, bank);
    const train = seconds(t0);
    const draws = 20;
    t0 = performance.now();
    evaluateNnsa(model.network, bank, {
      dacBits: cfg.dacBits,
      points: 4096,
      draws,
      device: cfg.device,
      cornerModes: ['global'],
      seed: 1,
      sequences: 256,
    });
    const evalSeconds = seconds(t0);
    return [
      {
        name: `NNS+A training from scratch, the deployed design (${path.basename(path.resolve(dir))}: ${cfg.hiddenNeurons} hidden neurons, D = ${cfg.dacBits})`,
        value: train,
        unit: 's',
        target: NNSA_TRAINING_TARGET_SECONDS,
        better: 'lower',
        note: 'train sa without its Monte Carlo',
      },
      { name: 'NNS+A Monte Carlo evaluation (4096 points per draw)', value: draws / evalSeconds, unit: 'draws/s', better: 'higher' },
    ];
  },
};

/** `nnadc`: designing the 8-bit converters from scratch, and Monte Carlo evaluation throughput. */
export const nnadcBench: BenchSection = {
  name: 'nnadc',
  run: async (): Promise<BenchFigure[]> => {
    const bank = await loadVtcBank();
    const figures: BenchFigure[] = [];
    for (const arch of ['two-step', 'flash'] as const) {
      const cfg = NnadcTrainConfigSchema.parse({ arch });
      let t0 = performance.now();
      const model = trainNnadc(cfg, bank);
      figures.push({ name: `8-bit ${arch} NNADC design from scratch`, value: seconds(t0), unit: 's', target: 180, better: 'lower' });
      t0 = performance.now();
      monteCarloAdc(model, bank, cfg.device, 'global', 10, new Rng(1));
      figures.push({
        name: `8-bit ${arch} NNADC Monte Carlo evaluation (ramp + 4096-point sine per draw)`,
        value: 10 / seconds(t0),
        unit: 'draws/s',
        better: 'higher',
      });
    }
    return figures;
  },
};
