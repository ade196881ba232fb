import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../src/core/rng.ts';
import { TopValues } from '../../src/dnn/quantize.ts';

test('the streamed nearest-rank percentile equals the percentile of all values sorted', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 150; trial++) {
    const sizes = Array.from({ length: 1 + rng.int(6) }, () => rng.int(4000));
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total === 0) continue;
    const p = [99.99, 99.9, 90, 50, 100, 0.01][rng.int(6)];
    const top = new TopValues(total, p);
    const all: number[] = [];
    for (const n of sizes) {
      // Many ties (zeros and rounded values), as ReLU activations have.
      const part = Float64Array.from({ length: n }, () => (rng.uniform() < 0.3 ? 0 : Math.round(rng.normal() * 40) / (1 + rng.int(3))));
      all.push(...part);
      top.add(part);
    }
    all.sort((a, b) => a - b);
    const rank = Math.min(total, Math.max(1, Math.ceil((p / 100) * total)));
    assert.is(top.percentile(), all[rank - 1], `trial ${trial}: ${total} values, p ${p}`);
  }
});

test.run();
