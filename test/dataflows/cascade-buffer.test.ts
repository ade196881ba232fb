import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogNormalFactors, Rng } from '../../src/core/rng.ts';
import { cascadeAccumulate, type CascadeSettings, type TileGeometry } from '../../src/dataflows/functional.ts';

/**
 * The CASCADE-style buffer as written before its branch-free loop: per output row and weight
 * column, cycle by cycle, Math.round, a sign select and one factor per non-zero write read one at a
 * time from the same factor stream.
 */
function plainCascade(d: Float32Array, g: TileGeometry, st: CascadeSettings, factors: LogNormalFactors | null, acc: Float64Array): void {
  const C = g.fanOut * g.weightSlices;
  const K = g.slices + g.weightSlices - 1;
  const levels = 2 ** st.bufferCellBits - 1;
  const lsb = st.bufferFullScale / levels;
  const top = 2 ** st.adcBits - 1;
  const next = (): number => {
    factors!.reserve(1);
    return factors!.values[factors!.position++];
  };
  for (let r = 0; r < g.n; r++) {
    const column = Array.from({ length: g.fanOut }, () => new Float64Array(K));
    for (let i = 0; i < g.slices; i++)
      for (let j = 0; j < g.fanOut; j++)
        for (let s = 0; s < g.weightSlices; s++) {
          const v = d[(i * g.n + r) * C + j * g.weightSlices + s];
          let q = Math.min(levels, Math.round(Math.abs(v) / lsb));
          if (q && factors) q *= next();
          column[j][i + s] += (v < 0 ? -q : q) * lsb;
        }
    for (let j = 0; j < g.fanOut; j++) {
      let sum = 0;
      for (let k = K - 1; k >= 0; k--) {
        const code = Math.min(top, Math.round(Math.abs(column[j][k]) / lsb));
        sum = sum * 2 ** g.cellBits + (column[j][k] < 0 ? -code : code) * lsb;
      }
      acc[r * g.fanOut + j] += sum;
    }
  }
}

test('the branch-free CASCADE buffer equals the plain loop bit for bit, with and without write variation', () => {
  const rng = new Rng(5);
  const g: TileGeometry = { slices: 4, n: 37, fanOut: 5, weightSlices: 4, cellBits: 2, dacBits: 2 };
  const d = new Float32Array(g.slices * g.n * g.fanOut * g.weightSlices);
  for (const integer of [true, false]) {
    // Integer sums (σ = 0: exact ties of the rounding occur) and noisy ones; a quarter are zero.
    for (let k = 0; k < d.length; k++) {
      const v = (rng.uniform() - 0.5) * 90;
      d[k] = rng.uniform() < 0.25 ? 0 : integer ? Math.round(v) : v;
    }
    for (const sigma of [0, 0.05]) {
      const st: CascadeSettings = { bufferCellBits: 4, bufferFullScale: 30, adcBits: 6, writeFactors: null };
      const fast = new Float64Array(g.n * g.fanOut);
      const plain = new Float64Array(g.n * g.fanOut);
      // Two tiles through one stream, as a layer's tiles share the batch's stream.
      const fastFactors = sigma > 0 ? new LogNormalFactors(new Rng(9), sigma) : null;
      const plainFactors = sigma > 0 ? new LogNormalFactors(new Rng(9), sigma) : null;
      for (let tile = 0; tile < 2; tile++) {
        cascadeAccumulate(d, g, { ...st, writeFactors: fastFactors }, fast);
        plainCascade(d, g, st, plainFactors, plain);
      }
      assert.equal(Array.from(fast), Array.from(plain), `integer ${integer}, σ ${sigma}`);
    }
  }
});

test('log-normal write factors: the same sequence however they are reserved, with the log-σ asked for', () => {
  const a = new LogNormalFactors(new Rng(3), 0.1);
  const b = new LogNormalFactors(new Rng(3), 0.1);
  const seqA: number[] = [];
  const seqB: number[] = [];
  for (let k = 0; k < 20_000; k++) {
    a.reserve(1);
    seqA.push(a.values[a.position++]);
  }
  const rng = new Rng(4);
  while (seqB.length < 20_000) {
    const n = Math.min(20_000 - seqB.length, 1 + rng.int(9000));
    b.reserve(n);
    const used = rng.int(n + 1);
    for (let k = 0; k < used; k++) seqB.push(b.values[b.position + k]);
    b.position += used;
  }
  assert.equal(seqB, seqA);
  const logs = seqA.map(Math.log);
  const mean = logs.reduce((s, v) => s + v, 0) / logs.length;
  const sd = Math.sqrt(logs.reduce((s, v) => s + (v - mean) ** 2, 0) / logs.length);
  assert.ok(Math.abs(mean) < 0.003, `mean of ln ${mean}`);
  assert.ok(Math.abs(sd - 0.1) < 0.003, `sd of ln ${sd}`);
});

test.run();
