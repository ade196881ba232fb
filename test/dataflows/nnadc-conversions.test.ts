/**
 * The Neural-PIM conversion kernel (`convertCorrected`, `kernels/nnadc-conversions.wat`) against
 * its JavaScript specification, bit for bit: the shipped converters of every range with a die
 * corner and mismatch, random per-column corrections, and inputs of every kind (either sign,
 * beyond the range, exactly at thresholds, ±0, NaN).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../src/core/rng.ts';
import { SimulationConfigSchema } from '../../src/chip/simulation-config.ts';
import { loadPeripherals } from '../../src/app/load-peripherals.ts';
import { convertCorrected, convertCorrectedReference, instantiatePeripherals } from '../../src/dataflows/neural-pim-circuits.ts';

test('the conversion kernel equals convertCorrectedReference bit for bit (shipped converters, die corner and mismatch)', async () => {
  const p = (await loadPeripherals(SimulationConfigSchema.parse({ dataflow: 'neural-pim' })))!;
  const chips = instantiatePeripherals(p, true, 0.025, new Rng(3), 'die-mismatch', 'offset-gain');
  const rng = new Rng(4);
  for (const [range, pool] of chips.adc) {
    for (const columns of [1, 7, 64]) {
      const converters = Array.from({ length: columns }, (_, j) => pool[j % pool.length]);
      const c = {
        offset: Float64Array.from({ length: columns }, () => rng.uniformIn(-3, 3)),
        gains: Float64Array.from({ length: columns }, () => rng.uniformIn(0.9, 1.1)),
        offsetNeg: Float64Array.from({ length: columns }, () => rng.uniformIn(-3, 3)),
        gainsNeg: Float64Array.from({ length: columns }, () => rng.uniformIn(0.9, 1.1)),
      };
      const rows = 37;
      const y = Float64Array.from({ length: rows * columns }, () => rng.uniformIn(-1.3, 1.3) * range);
      const thresholds = [...pool[0].first].filter(Number.isFinite);
      for (let i = 0; i < Math.min(thresholds.length, y.length); i++) y[i] = (i % 2 ? -1 : 1) * thresholds[i];
      y[y.length - 1] = NaN;
      y[y.length - 2] = -0;
      y[y.length - 3] = 0;
      y[y.length - 4] = -1e9;
      const start = Float64Array.from(y, () => rng.uniformIn(-100, 100));
      const want = start.slice();
      convertCorrectedReference(y, converters, c, 0.37, want);
      const got = start.slice();
      convertCorrected(chips, y, converters, c, 0.37, got);
      for (let m = 0; m < y.length; m++)
        assert.ok(Object.is(got[m], want[m]), `range ${range}, ${columns} columns, sample ${m}: ${got[m]} vs ${want[m]}`);
    }
  }
});

test.run();
