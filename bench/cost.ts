/**
 * Cost-model benchmark: the whole comparison of docs/reference.md §5 — default library, the three 8-bit
 * architectures, the nine benchmarks — timed from scratch (library built, architectures resolved,
 * workloads generated, every layer mapped, replicated and costed).
 */
import { defaultComponentLibrary } from '../src/cost/components.ts';
import { defaultArchitectures } from '../src/cost/architectures.ts';
import { compareArchitectures } from '../src/cost/evaluate.ts';
import { selectArchitectures } from '../src/cost/select.ts';
import { selectWorkloads } from '../src/cost/workloads/index.ts';
import type { BenchFigure, BenchSection } from './types.ts';

function runOnce(): { layerEvaluations: number; summary: string } {
  const lib = defaultComponentLibrary();
  const archs = selectArchitectures(defaultArchitectures(), 'isaac,cascade,neural-pim', lib);
  const workloads = selectWorkloads('all');
  const c = compareArchitectures(archs, lib, workloads);
  const layers = workloads.reduce((s, w) => s + w.layers.length, 0);
  const np = c.summaries.find((s) => s.architecture === 'neural-pim')!;
  const summary = `neural-pim vs isaac: ${np.ratios.isaac.geomean.energyEfficiency.toFixed(2)}× GOPS/W, ${np.ratios.isaac.geomean.throughput.toFixed(2)}× GOPS`;
  return { layerEvaluations: layers * archs.length, summary };
}

/** The `cost` bench section. */
export const costBench: BenchSection = {
  name: 'cost',
  run: async () => {
    const t0 = performance.now();
    const first = runOnce();
    const coldSeconds = (performance.now() - t0) / 1000;
    const repeats = 5;
    const t1 = performance.now();
    for (let i = 0; i < repeats; i++) runOnce();
    const warmSeconds = (performance.now() - t1) / 1000 / repeats;
    const figures: BenchFigure[] = [
      {
        name: 'nine benchmarks × three architectures, first run (wall time)',
        value: coldSeconds,
        unit: 's',
        target: 1,
        better: 'lower',
        note: `${first.layerEvaluations} layer evaluations; ${first.summary}`,
      },
      { name: 'same, warm (mean of 5)', value: warmSeconds, unit: 's', target: 1, better: 'lower' },
      { name: 'layer evaluations per second (warm)', value: first.layerEvaluations / warmSeconds, unit: 'layers/s', better: 'higher' },
    ];
    return figures;
  },
};
