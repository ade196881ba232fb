/**
 * `adc-metrics`: full IEEE 1241-style evaluations per second of an 8-bit converter given as a
 * transfer function: the 64-samples-per-code ramp (18 022 conversions) plus the 4096-point
 * coherent sine, FFT and fits, i.e. what `npim eval adc` does per converter.
 */
import { idealQuantizer, measureConverter, type AdcTransfer } from '../src/analysis/adc-metrics.ts';
import type { BenchFigure, BenchSection } from './types.ts';

/** A mildly non-ideal 8-bit converter (bow plus one wide code), so no path is trivially skipped. */
function testConverter(): AdcTransfer {
  const q = idealQuantizer(8, 0, 0.5);
  return (v) => {
    const x = v / 0.5;
    const c = q(v + 0.002 * x * (1 - x));
    return c === 101 ? 100 : c;
  };
}

/** Benchmark section: measureConverter evaluations per second (8-bit, defaults). */
export const adcMetricsBench: BenchSection = {
  name: 'adc-metrics',
  run: async () => {
    const transfer = testConverter();
    for (let i = 0; i < 5; i++) measureConverter({ kind: 'transfer', transfer }, { bits: 8 }); // warm-up (JIT)
    let runs = 0;
    let enob = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 2000) {
      enob = measureConverter({ kind: 'transfer', transfer }, { bits: 8 }).sine.enobBits;
      runs++;
    }
    const seconds = (performance.now() - t0) / 1000;
    const figures: BenchFigure[] = [
      {
        name: 'full 8-bit converter evaluation (ramp 64/code + 4096-point sine)',
        value: runs / seconds,
        unit: 'evaluations/s',
        better: 'higher',
        note: `${runs} runs in ${seconds.toFixed(1)} s; ENOB of the test converter ${enob.toFixed(3)}`,
      },
      { name: 'time per evaluation', value: (1000 * seconds) / runs, unit: 'ms', better: 'lower' },
    ];
    return figures;
  },
};
