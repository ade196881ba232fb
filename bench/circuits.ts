/** Circuit benchmarks: NNS+A training and Monte Carlo evaluation, NNADC design and evaluation. */
import { parseConfig } from '../src/core/config.ts';
import { Rng } from '../src/core/rng.ts';
import { loadVtcBank } from '../src/data/vtc-bank.ts';
import { NnsaTrainConfigSchema } from '../src/circuits/nnsa/config.ts';
import { trainNnsa } from '../src/circuits/nnsa/train.ts';
import { evaluateNnsa } from '../src/circuits/nnsa/evaluate.ts';
import { NnadcTrainConfigSchema } from '../src/circuits/nnadc/config.ts';
import { trainNnadc } from '../src/circuits/nnadc/train.ts';
import { monteCarloAdc } from '../src/circuits/nnadc/evaluate.ts';
import type { BenchFigure, BenchSection } from './types.ts';

const seconds = (t0: number): number => (performance.now() - t0) / 1000;

/** `nnsa`: training from scratch with the default configuration, and Monte Carlo draws per second. */
export const nnsaBench: BenchSection = {
  name: 'nnsa',
  run: async (): Promise<BenchFigure[]> => {
    const bank = await loadVtcBank();
    const cfg = parseConfig(NnsaTrainConfigSchema, {}, 'NNS+A configuration');
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
      { name: 'NNS+A (D = 4) training from scratch, default configuration', value: train, unit: 's', target: 120, better: 'lower' },
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
